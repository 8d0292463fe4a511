//! Mandates: learned from Juspay's webhooks, managed by role — revoke, pause and resume for
//! admins only, check, notify and debit for operators — each audited.

use dashboard_status::{MandateStatus, Outcome};
use juspay::{
    Amount, AmountRule, CreateOrderRequest, JuspayClient, JuspayConfig, MandateOption,
    MandateRegistration,
};
use juspay_sim::{PaymentMethod, PaymentRequest};
use merchant_dashboard::serverfns::Created;
use serde_json::Value;

use crate::{
    helpers::{HOOK_PASSWORD, HOOK_USER, SIM_API_KEY, SIM_MERCHANT, TestApp, eventually},
    sim_test,
};

/// Registers an ACTIVE mandate (maximum 500.00) for `customer` the way a customer would:
/// a mandate order paid by UPI. Returns its id once the dashboard has it.
async fn registered_mandate(
    app: &TestApp,
    sim: &juspay_sim::RunningSimulator,
    customer: &str,
) -> String {
    let client = JuspayClient::new(&JuspayConfig::new(
        sim.base_url(),
        secrecy::SecretString::from(SIM_API_KEY),
        SIM_MERCHANT,
    ))
    .unwrap();
    let mut registration = MandateRegistration::new(MandateOption::Required);
    registration.max_amount = Some(Amount::from_minor(50_000, "INR"));
    registration.amount_rule = Some(AmountRule::Variable);
    registration.frequency = Some("MONTHLY".to_owned());
    let order_id = format!("mreg_{customer}");
    let mut request = CreateOrderRequest::new(&order_id, Amount::from_minor(100, "INR"));
    request.customer_id = Some(customer.to_owned());
    request.mandate = Some(registration);
    client.create_order(&request).await.unwrap();
    sim.handle()
        .pay(&order_id, &PaymentRequest::charged(PaymentMethod::Upi))
        .unwrap();
    let store = app.db.store();
    let active_mandate = || async {
        store
            .list_mandates(&Default::default(), 10)
            .await
            .unwrap()
            .into_iter()
            .find(|m| {
                m.customer_id.as_deref() == Some(customer) && m.status == MandateStatus::Active
            })
            .map(|m| m.mandate_id)
    };
    eventually("the mandate reaches the dashboard", || async {
        active_mandate().await.is_some()
    })
    .await;
    active_mandate().await.unwrap()
}

async fn status_of(app: &TestApp, mandate_id: &str) -> MandateStatus {
    app.db
        .store()
        .find_mandate(mandate_id)
        .await
        .unwrap()
        .unwrap()
        .status
}

/// Delivers the MANDATE_PAUSED webhook that the pause caused, as if it came in only after
/// the resume, and checks that it is judged stale: the resume is the newer truth.
async fn late_pause_report_changes_nothing(app: &TestApp, mandate_id: &str, dated: u64) {
    let body = serde_json::json!({
        "id": format!("evt_late_pause_{mandate_id}"),
        "event_name": "MANDATE_PAUSED",
        "date_created": juspay_sim::clock::format_iso(dated),
        "content": { "mandate": { "mandate_id": mandate_id, "status": "PAUSED" } },
    })
    .to_string();
    let res = dashboard_testkit::post_webhook(
        &app.url("/webhooks/juspay"),
        Some((HOOK_USER, HOOK_PASSWORD)),
        &body,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let store = app.db.store();
    let stale = || async {
        store
            .list_mandate_events(mandate_id)
            .await
            .unwrap()
            .iter()
            .any(|e| {
                e.reported_status.as_deref() == Some("PAUSED")
                    && e.outcome == Outcome::Stale.as_str()
            })
    };
    eventually("the late pause report is judged stale", stale).await;
    assert_eq!(status_of(app, mandate_id).await, MandateStatus::Active);
}

sim_test!(
    only_admins_revoke_pause_and_resume_and_every_action_is_audited,
    |app, sim| {
        let mandate_id = registered_mandate(app, sim, "cust_m1").await;
        app.login_as_admin().await;
        app.create_user("vera", "viewer password 1", "viewer").await;
        app.create_user("otto", "operator password 1", "operator")
            .await;
        app.call("logout", &[]).await;
        let revoke = [
            ("mandate_id", mandate_id.as_str()),
            ("confirm", mandate_id.as_str()),
            ("reason", "customer asked"),
        ];
        for (user, password) in [
            ("vera", "viewer password 1"),
            ("otto", "operator password 1"),
        ] {
            app.login(user, password).await;
            assert_eq!(
                app.call("revoke_mandate", &revoke).await.status().as_u16(),
                403,
                "{user}"
            );
            let pause = [
                ("mandate_id", mandate_id.as_str()),
                ("start", "2026-12-01"),
                ("end", "2026-12-31"),
            ];
            assert_eq!(
                app.call("pause_mandate", &pause).await.status().as_u16(),
                403,
                "{user}"
            );
            let page = app
                .get(&format!("/mandates/{mandate_id}"))
                .await
                .text()
                .await
                .unwrap();
            assert!(
                !page.contains("Revoke mandate"),
                "{user} is offered no revoke button"
            );
            app.call("logout", &[]).await;
        }
        assert_eq!(status_of(app, &mandate_id).await, MandateStatus::Active);

        app.login("otto", "operator password 1").await;
        app.confirm_identity("operator password 1").await;
        let res = app
            .call("check_mandate", &[("mandate_id", &mandate_id)])
            .await;
        assert_eq!(res.status().as_u16(), 200);
        let res = app
            .call(
                "notify_mandate",
                &[
                    ("mandate_id", &mandate_id),
                    ("amount", "120.00"),
                    ("date", "2026-12-05"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());
        let res = app
            .call(
                "execute_mandate",
                &[("mandate_id", &mandate_id), ("amount", "600.00")],
            )
            .await;
        assert_eq!(res.status().as_u16(), 422, "above the maximum");
        let res = app
            .call(
                "execute_mandate",
                &[("mandate_id", &mandate_id), ("amount", "120.00")],
            )
            .await;
        assert_eq!(res.status().as_u16(), 200);
        let created: Created = res.json().await.unwrap();
        let debit = created.id;
        let store = app.db.store();
        let order = store
            .find_order(&debit)
            .await
            .unwrap()
            .expect("the debit is an order");
        assert_eq!(order.amount, 12_000);
        assert!(sim.handle().order(&debit).is_some(), "executed at Juspay");
        eventually("the debit's outcome is the mandate's event too", || async {
            store
                .list_events_after(0, 1_000)
                .await
                .unwrap()
                .iter()
                .any(|e| {
                    e.event_type.starts_with("mandate.debit.")
                        && e.payload.contains(&debit)
                        && e.payload.contains(&mandate_id)
                })
        })
        .await;
        app.call("logout", &[]).await;

        app.login_as_admin().await;
        let pause = [
            ("mandate_id", mandate_id.as_str()),
            ("start", "2026-12-01"),
            ("end", "2026-12-31"),
        ];
        assert_eq!(
            app.call("pause_mandate", &pause).await.status().as_u16(),
            200
        );
        assert_eq!(status_of(app, &mandate_id).await, MandateStatus::Paused);
        let before_resume = juspay_sim::clock::epoch_secs();
        assert_eq!(
            app.call("resume_mandate", &[("mandate_id", &mandate_id)])
                .await
                .status()
                .as_u16(),
            200
        );
        assert_eq!(status_of(app, &mandate_id).await, MandateStatus::Active);
        late_pause_report_changes_nothing(app, &mandate_id, before_resume).await;
        let wrong = [
            ("mandate_id", mandate_id.as_str()),
            ("confirm", "nope"),
            ("reason", "x"),
        ];
        assert_eq!(
            app.call("revoke_mandate", &wrong).await.status().as_u16(),
            422,
            "typed confirmation"
        );
        assert_eq!(
            app.call("revoke_mandate", &revoke).await.status().as_u16(),
            200
        );
        assert_eq!(status_of(app, &mandate_id).await, MandateStatus::Revoked);
        let res = app
            .call(
                "execute_mandate",
                &[("mandate_id", &mandate_id), ("amount", "1.00")],
            )
            .await;
        assert_eq!(
            res.status().as_u16(),
            422,
            "a revoked mandate cannot be debited"
        );

        let audit = store.list_audit_for(&mandate_id, 20).await.unwrap();
        let actions: Vec<_> = audit.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "mandate.check_status",
                "mandate.notify",
                "mandate.execute",
                "mandate.pause",
                "mandate.resume",
                "mandate.revoke"
            ]
        );
        let detail: Value = app
            .call("get_mandate", &[("mandate_id", &mandate_id)])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(detail["executions"][0][0], debit.as_str());
        assert!(
            detail["history"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["kind"] == "revoke")
        );
    }
);

sim_test!(
    a_mandate_the_simulator_expires_is_expired_here_and_offers_no_debit,
    |app, sim| {
        app.login_as_admin().await;
        let mandate_id = registered_mandate(app, sim, "cust_expiring").await;
        sim.handle().expire_mandate(&mandate_id).unwrap();
        eventually("MANDATE_EXPIRED is applied", || async {
            status_of(app, &mandate_id).await == MandateStatus::Expired
        })
        .await;
        let debit = app
            .call(
                "execute_mandate",
                &[("mandate_id", mandate_id.as_str()), ("amount", "10.00")],
            )
            .await;
        assert_eq!(debit.status().as_u16(), 422);
        let text = debit.text().await.unwrap();
        assert!(
            text.contains("only an active mandate can be debited"),
            "{text}"
        );
    }
);

/// The debit form's key, as the mandate page renders it.
async fn debit_key(app: &TestApp, mandate_id: &str) -> String {
    let res = app.call("get_mandate", &[("mandate_id", mandate_id)]).await;
    let detail: Value = res.json().await.unwrap();
    detail["debit_key"].as_str().unwrap().to_owned()
}

sim_test!(
    a_debit_form_submitted_twice_or_again_after_a_lost_answer_debits_once,
    |app, sim| {
        let mandate_id = registered_mandate(app, sim, "cust_debit_once").await;
        app.login_as_admin().await;
        let debits_at_juspay = || async {
            let mandates: Vec<Value> = reqwest::get(format!("{}/__sim/mandates", sim.base_url()))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            mandates
                .iter()
                .find(|m| m["mandate_id"] == mandate_id.as_str())
                .and_then(|m| m["debits"].as_array().map(Vec::len))
                .unwrap_or(0)
        };
        // Juspay makes the debit, then the answer is lost (504 after the work is done).
        sim.handle().add_endpoint_fault(juspay_sim::EndpointFault {
            method: Some("POST".to_owned()),
            path: "/txns".to_owned(),
            kind: juspay_sim::EndpointFaultKind::AcceptThenFail {
                status: 504,
                millis: 0,
            },
            times: Some(1),
            probability: None,
        });
        let key = debit_key(app, &mandate_id).await;
        let form = [
            ("mandate_id", mandate_id.as_str()),
            ("amount", "25.00"),
            ("debit_key", key.as_str()),
        ];
        let lost = app.call("execute_mandate", &form).await;
        assert!(lost.status().is_server_error(), "{}", lost.status());
        let again = app.call("execute_mandate", &form).await;
        assert_eq!(again.status().as_u16(), 200);
        let created: Created = again.json().await.unwrap();
        assert_eq!(created.id, key, "the debit's order id is the form's key");
        assert!(
            created.message.contains("nothing was sent again"),
            "{}",
            created.message
        );
        let mut submits = tokio::task::JoinSet::new();
        for _ in 0..5 {
            let (client, url) = (app.client.clone(), app.url("/api/execute_mandate"));
            let form: Vec<(String, String)> = form
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            submits.spawn(async move {
                client
                    .post(url)
                    .header("accept", "application/json")
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            });
        }
        while let Some(status) = submits.join_next().await {
            assert_eq!(status.unwrap(), 200);
        }
        assert_eq!(
            debits_at_juspay().await,
            1,
            "one debit at Juspay for one form"
        );
        let store = app.db.store();
        let settled = || async {
            store
                .find_order(&key)
                .await
                .unwrap()
                .is_some_and(|o| o.status != dashboard_status::OrderStatus::New)
        };
        // Read the form first: a status never returns to NEW, so a fresh key offered while
        // the debit was unsettled would show here.
        let offered = debit_key(app, &mandate_id).await;
        assert!(
            offered == key || settled().await,
            "an unsettled debit's form keeps its key"
        );
        eventually("the debit's outcome arrives", settled).await;
        assert_ne!(
            debit_key(app, &mandate_id).await,
            key,
            "once the debit settled, the form is a new debit"
        );
        let forged = app
            .call(
                "execute_mandate",
                &[
                    ("mandate_id", mandate_id.as_str()),
                    ("amount", "25.00"),
                    ("debit_key", "ord_someone_else"),
                ],
            )
            .await;
        assert_eq!(forged.status().as_u16(), 422, "a key names only a debit");
    }
);

//! Refunds never happen twice: double and concurrent submits of one form, injected
//! timeouts (answered or not), the over-refund guard, and statuses moved by webhooks.

use dashboard_status::{OrderStatus, RefundRequestState, RefundStatus};
use juspay_sim::{EndpointFault, EndpointFaultKind, PaymentMethod, PaymentRequest};
use merchant_dashboard::serverfns::Created;
use serde_json::Value;

use crate::{
    helpers::{TestApp, eventually},
    sim_test,
};

/// A paid order of `amount` (major units), created as a payment link and paid at the
/// simulator, its payment applied here.
pub(crate) async fn paid_order(
    app: &TestApp,
    sim: &juspay_sim::RunningSimulator,
    amount: &str,
) -> String {
    let res = app.call("create_payment_link", &[("amount", amount)]).await;
    let created: Created = res.json().await.unwrap();
    let order_id = created.id;
    sim.handle()
        .pay(&order_id, &PaymentRequest::charged(PaymentMethod::Card))
        .unwrap();
    let store = app.db.store();
    eventually("the payment is applied", || async {
        store
            .find_order(&order_id)
            .await
            .unwrap()
            .is_some_and(|o| o.status == OrderStatus::Charged)
    })
    .await;
    order_id
}

/// The refund form's idempotency key, as the order page renders it.
pub(crate) async fn refund_form(app: &TestApp, order_id: &str) -> Option<String> {
    let res = app.call("get_order", &[("order_id", order_id)]).await;
    let detail: Value = res.json().await.unwrap();
    detail["refund_form"]["unique_request_id"]
        .as_str()
        .map(str::to_owned)
}

pub(crate) fn refunds_at_simulator(sim: &juspay_sim::RunningSimulator, order_id: &str) -> usize {
    sim.handle().order(order_id).unwrap()["refunds"]
        .as_array()
        .map_or(0, Vec::len)
}

sim_test!(
    double_and_concurrent_submits_of_one_form_make_one_refund,
    |app, sim| {
        app.login_as_admin().await;
        let order_id = paid_order(app, sim, "100.00").await;
        let key = refund_form(app, &order_id)
            .await
            .expect("a paid order offers a refund");
        let mut submits = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (client, url) = (app.client.clone(), app.url("/api/refund_order"));
            let form = [
                ("order_id", order_id.clone()),
                ("unique_request_id", key.clone()),
                ("amount", "40.00".to_owned()),
            ];
            submits.spawn(async move {
                let res = client
                    .post(url)
                    .header("accept", "application/json")
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                res.status().as_u16()
            });
        }
        while let Some(status) = submits.join_next().await {
            assert_eq!(status.unwrap(), 200, "every submit is answered");
        }
        assert_eq!(
            refunds_at_simulator(sim, &order_id),
            1,
            "one refund at Juspay"
        );
        let local = app
            .db
            .store()
            .list_refunds_of_order(&order_id)
            .await
            .unwrap();
        assert_eq!(local.len(), 1);
        assert_eq!(local[0].amount, 4_000);
        let audit = app.db.store().list_audit_for(&order_id, 50).await.unwrap();
        assert_eq!(
            audit.iter().filter(|a| a.action == "order.refund").count(),
            1,
            "audited once"
        );

        let res = app
            .call(
                "refund_order",
                &[
                    ("order_id", &order_id),
                    ("unique_request_id", &key),
                    ("amount", "40.00"),
                ],
            )
            .await;
        assert_eq!(
            res.status().as_u16(),
            200,
            "a later double submit answers the same refund"
        );
        assert_eq!(refunds_at_simulator(sim, &order_id), 1);
    }
);

sim_test!(
    a_hundred_injected_timeouts_still_make_exactly_one_refund_per_form,
    |app, sim| {
        app.login_as_admin().await;
        let mut forms = Vec::new();
        for _ in 0..4 {
            let order_id = paid_order(app, sim, "50.00").await;
            let key = refund_form(app, &order_id).await.unwrap();
            forms.push((order_id, key));
        }
        // Half the faults are answered after Juspay made the refund, half before: both look
        // like a timeout to us, and only the same request id keeps the first kind from doubling.
        for kind in [
            EndpointFaultKind::AcceptThenFail {
                status: 504,
                millis: 0,
            },
            EndpointFaultKind::ServerError { status: 503 },
        ] {
            sim.handle().add_endpoint_fault(EndpointFault {
                method: Some("POST".to_owned()),
                path: "/orders/*/refunds".to_owned(),
                kind,
                times: Some(50),
                probability: Some(0.5),
            });
        }
        let store = app.db.store();
        for (order_id, key) in &forms {
            // The operator presses Refund again until the outcome is known.
            for _ in 0..200 {
                let res = app
                    .call(
                        "refund_order",
                        &[
                            ("order_id", order_id),
                            ("unique_request_id", key),
                            ("amount", "20.00"),
                        ],
                    )
                    .await;
                assert_eq!(res.status().as_u16(), 200);
                let refund = store.find_refund(key).await.unwrap().unwrap();
                if refund.request_state == Some(RefundRequestState::Sent) {
                    break;
                }
            }
        }
        sim.handle().clear_faults();
        for (order_id, key) in &forms {
            assert_eq!(
                refunds_at_simulator(sim, order_id),
                1,
                "{order_id}: one refund at Juspay"
            );
            let refund = store.find_refund(key).await.unwrap().unwrap();
            assert_eq!(
                refund.request_state,
                Some(RefundRequestState::Sent),
                "{order_id} resolved"
            );
            assert!(refund.attempts >= 1);
        }
    }
);

sim_test!(
    over_refunds_and_unpaid_orders_are_refused_with_clear_messages,
    |app, sim| {
        app.login_as_admin().await;
        let order_id = paid_order(app, sim, "30.00").await;
        let key = refund_form(app, &order_id).await.unwrap();
        let res = app
            .call(
                "refund_order",
                &[
                    ("order_id", &order_id),
                    ("unique_request_id", &key),
                    ("amount", "30.01"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 422, "more than the order");
        let res = app
            .call(
                "refund_order",
                &[
                    ("order_id", &order_id),
                    ("unique_request_id", &key),
                    ("amount", "30.00"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 200, "the whole amount");
        assert!(
            refund_form(app, &order_id).await.is_none(),
            "nothing left to refund"
        );
        let other = dashboard_core::refunds::actions::mint_refund_id();
        let res = app
            .call(
                "refund_order",
                &[
                    ("order_id", &order_id),
                    ("unique_request_id", &other),
                    ("amount", "1.00"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 422);
        let error: Value = res.json().await.unwrap();
        assert!(
            error.to_string().contains("can still be refunded"),
            "{error}"
        );
        assert_eq!(refunds_at_simulator(sim, &order_id), 1);

        let res = app.call("create_payment_link", &[("amount", "5.00")]).await;
        let created: Created = res.json().await.unwrap();
        let unpaid = created.id;
        let res = app
            .call(
                "refund_order",
                &[
                    ("order_id", &unpaid),
                    ("unique_request_id", &other),
                    ("amount", "1.00"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 422);
        let error: Value = res.json().await.unwrap();
        assert!(error.to_string().contains("Only a paid order"), "{error}");
    }
);

sim_test!(a_pending_refund_settles_from_juspays_webhook, |app, sim| {
    app.login_as_admin().await;
    let order_id = paid_order(app, sim, "60.00").await;
    let key = refund_form(app, &order_id).await.unwrap();
    let res = app
        .call(
            "refund_order",
            &[
                ("order_id", &order_id),
                ("unique_request_id", &key),
                ("amount", "10.00"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let store = app.db.store();
    eventually("the refund settles", || async {
        store
            .find_refund(&key)
            .await
            .unwrap()
            .is_some_and(|r| r.status == RefundStatus::Success)
    })
    .await;
    let order = store.find_order(&order_id).await.unwrap().unwrap();
    assert_eq!(order.amount_refunded, 1_000);
    assert_eq!(
        order.status,
        OrderStatus::Charged,
        "a refund leaves the order charged"
    );
});

sim_test!(
    the_refunds_list_filters_and_its_csv_is_the_same_set,
    |app, sim| {
        app.login_as_admin().await;
        let first = paid_order(app, sim, "20.00").await;
        let second = paid_order(app, sim, "80.00").await;
        for (order_id, amount) in [(&first, "5.00"), (&second, "70.00")] {
            let key = refund_form(app, order_id).await.unwrap();
            let res = app
                .call(
                    "refund_order",
                    &[
                        ("order_id", order_id),
                        ("unique_request_id", &key),
                        ("amount", amount),
                    ],
                )
                .await;
            assert_eq!(res.status().as_u16(), 200);
        }
        let listed = |form: Vec<(&'static str, String)>| async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let page: Value = app.call("list_refunds", &form).await.json().await.unwrap();
            page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["order_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            listed(vec![]).await,
            [second.clone(), first.clone()],
            "newest first"
        );
        assert_eq!(
            listed(vec![("min", "10".to_owned())]).await,
            [second.as_str()]
        );
        assert_eq!(
            listed(vec![("order", first.clone())]).await,
            [first.as_str()]
        );
        assert_eq!(
            listed(vec![("status", "PENDING,success".to_owned())]).await,
            [second.clone(), first.clone()],
            "several statuses picked: either matches"
        );
        assert!(
            listed(vec![("status", "FAILURE,MANUAL_REVIEW".to_owned())])
                .await
                .is_empty()
        );
        let csv = app
            .get("/refunds/export.csv?min=10")
            .await
            .text()
            .await
            .unwrap();
        let orders: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap())
            .collect();
        assert_eq!(orders, [second.as_str()], "the CSV is the filtered list");
        let page = app.get("/refunds").await.text().await.unwrap();
        assert!(page.contains(&first) && page.contains("₹70.00"));
    }
);

sim_test!(
    a_pending_refund_settles_from_a_poll_when_its_webhook_is_lost,
    |app, sim| {
        use juspay_sim::{WebhookFault, WebhookFaultKind};

        app.login_as_admin().await;
        let order_id = paid_order(app, sim, "60.00").await;
        let key = refund_form(app, &order_id).await.unwrap();
        sim.handle().add_webhook_fault(WebhookFault {
            kind: WebhookFaultKind::Drop,
            times: 1000,
        });
        let res = app
            .call(
                "refund_order",
                &[
                    ("order_id", &order_id),
                    ("unique_request_id", &key),
                    ("amount", "15.00"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 200);
        let store = app.db.store();
        eventually("the reconciler sees the refund settle", || async {
            store.find_refund(&key).await.unwrap().is_some_and(|r| {
                r.status == RefundStatus::Success && r.confirmed_via.as_deref() == Some("poll")
            })
        })
        .await;
        eventually("polling stops once nothing is open", || async {
            store
                .find_order(&order_id)
                .await
                .unwrap()
                .is_some_and(|o| o.next_check_at.is_none())
        })
        .await;
    }
);

//! Orders: the filtered list and its CSV, the merged timeline, the Juspay actions (sync,
//! update, payment link) with their roles and audit rows, and the reconciler catching
//! what a lost webhook did not tell us — on one instance and on two sharing a database.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::OrderStatus;
use merchant_dashboard::serverfns::Created;
use std::sync::Arc;

use dashboard_core::{orders::model::OrderRow, store::Backend};

use juspay_sim::{PaymentMethod, PaymentRequest, WebhookFault, WebhookFaultKind};
use reqwest::cookie::Jar;
use serde_json::Value;

use crate::{
    app_test,
    helpers::{
        SIM_API_KEY, SIM_MERCHANT, TestApp, eventually, simulator_settings, start_simulator,
    },
    sim_test,
};

pub(crate) use dashboard_core::testing::order_row as row;

pub(crate) async fn seed(app: &TestApp, rows: Vec<OrderRow>) {
    let store = app.db.store();
    for row in rows {
        let mut tx = store.begin().await.unwrap();
        tx.insert_order_for_test(&row).await.unwrap();
        tx.commit().await.unwrap();
    }
}

/// Calls `list_orders` and returns the order ids it lists, with the totals line.
async fn listed(app: &TestApp, form: &[(&str, &str)]) -> (Vec<String>, Vec<String>) {
    let res = app.call("list_orders", form).await;
    assert_eq!(res.status().as_u16(), 200, "list_orders {form:?}");
    let page: Value = res.json().await.unwrap();
    let ids = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["order_id"].as_str().unwrap().to_owned())
        .collect();
    let totals = page["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    (ids, totals)
}

async fn exported(app: &TestApp, query: &str) -> Vec<String> {
    let res = app.get(&format!("/orders/export.csv?{query}")).await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = res.text().await.unwrap();
    let mut lines = text.lines();
    assert!(
        lines.next().unwrap().starts_with("order_id,"),
        "a header line"
    );
    lines
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect()
}

app_test!(
    filters_and_search_find_the_right_orders_and_the_csv_equals_the_list,
    |app| {
        let mut paid = row("ord_paid", 1_000, "CHARGED", 50_000);
        paid.customer_email = Some("ana@example.com".into());
        paid.payment_method_type = Some("UPI".into());
        paid.gateway = Some("RAZORPAY".into());
        let mut card = row("ord_card", 2_000, "CHARGED", 12_345);
        card.payment_method_type = Some("CARD".into());
        card.txn_id = Some("sim-ord_card-1".into());
        let pending = row("ord_wait", 3_000, "PENDING_VBV", 700);
        let failed = row("ord_fail", 4_000, "AUTHORIZATION_FAILED", 900);
        seed(app, vec![paid, card, pending, failed]).await;
        app.login_as_admin().await;

        let (ids, totals) = listed(app, &[("group", "paid")]).await;
        assert_eq!(ids, ["ord_card", "ord_paid"]);
        assert_eq!(totals, ["2 orders · ₹623.45"]);
        assert_eq!(
            exported(app, "group=paid").await,
            ids,
            "the CSV is the filtered list"
        );

        let (ids, _) = listed(app, &[("method_type", "upi")]).await;
        assert_eq!(ids, ["ord_paid"]);
        let (ids, totals) = listed(app, &[("status", "pending_vbv,AUTHORIZATION_FAILED")]).await;
        assert_eq!(ids, ["ord_fail", "ord_wait"], "several picked statuses");
        assert_eq!(totals, ["2 orders · ₹16.00"]);
        assert_eq!(
            exported(app, "status=PENDING_VBV%2CAUTHORIZATION_FAILED").await,
            ids
        );
        // A plain form sends each ticked box as its own field; the page reads them all.
        let page = app
            .get("/orders?status=PENDING_VBV&status=AUTHORIZATION_FAILED&method_type=")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("ord_wait") && page.contains("ord_fail") && !page.contains("ord_paid"),
            "both ticked statuses are listed"
        );
        assert!(
            page.contains(r#"value="PENDING_VBV" checked"#)
                && page.contains(r#"value="AUTHORIZATION_FAILED" checked"#),
            "both stay ticked"
        );
        let (ids, _) = listed(app, &[("min", "100"), ("max", "500.00")]).await;
        assert_eq!(ids, ["ord_card", "ord_paid"]);
        for (search, expected) in [
            ("ord_wait", "ord_wait"),
            ("sim-ord_card-1", "ord_card"),
            ("Ana@Example.com", "ord_paid"),
        ] {
            let (ids, _) = listed(app, &[("q", search)]).await;
            assert_eq!(ids, [expected], "search {search}");
        }
        let (all, _) = listed(app, &[]).await;
        assert_eq!(all, ["ord_fail", "ord_wait", "ord_card", "ord_paid"]);
        assert_eq!(exported(app, "").await, all);

        let res = app.call("list_orders", &[("min", "lots")]).await;
        assert_eq!(res.status().as_u16(), 422, "a bad amount is a field error");
        let page = app.get("/orders?group=pending").await.text().await.unwrap();
        assert!(
            page.contains("ord_wait") && !page.contains("ord_paid"),
            "the page reads the address"
        );
        assert!(
            page.contains("<option value=\"pending\" selected"),
            "the filter form keeps its state"
        );
    }
);

sim_test!(
    the_reconciler_catches_a_payment_whose_webhook_was_lost,
    |app, sim| {
        sim.handle().add_webhook_fault(WebhookFault {
            kind: WebhookFaultKind::Drop,
            times: 1000,
        });
        app.login_as_admin().await;
        let res = app
            .call(
                "create_payment_link",
                &[("amount", "321.00"), ("customer_email", "bo@example.com")],
            )
            .await;
        assert_eq!(res.status().as_u16(), 200);
        let created: Created = res.json().await.unwrap();
        let (order_id, message) = (created.id, created.message);
        assert!(
            message.contains("/pay/"),
            "the message carries the link: {message}"
        );
        let store = app.db.store();
        let order = store.find_order(&order_id).await.unwrap().unwrap();
        assert_eq!(order.status, OrderStatus::New);
        assert_eq!(order.amount, 32_100);
        let links: Value = app
            .call("list_payment_links", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            links[0]["order_id"],
            order_id.as_str(),
            "listed with the links"
        );
        assert_eq!(links[0]["amount"], "₹321.00");
        assert_eq!(links[0]["customer"], "bo@example.com");
        assert!(
            links[0]["link"]
                .as_str()
                .is_some_and(|l| l.contains("/pay/"))
        );

        sim.handle()
            .pay(&order_id, &PaymentRequest::charged(PaymentMethod::Card))
            .unwrap();
        eventually("the reconciler learns of the payment", || async {
            store
                .find_order(&order_id)
                .await
                .unwrap()
                .is_some_and(|o| o.status == OrderStatus::Charged)
        })
        .await;
        let order = store.find_order(&order_id).await.unwrap().unwrap();
        assert_eq!(
            order.paid_via.as_deref(),
            Some("poll"),
            "learned from a poll, not a webhook"
        );
        assert_eq!(
            order.next_check_at, None,
            "a paid order is not polled again"
        );
        assert!(
            sim.handle()
                .webhook_attempts()
                .iter()
                .all(|a| a.status.is_none()),
            "every webhook was dropped"
        );
        let (report, _) = listed(app, &[("via", "poll")]).await;
        assert_eq!(
            report,
            [order_id.as_str()],
            "the reconciliation report lists it"
        );
        let (flagged, _) = listed(app, &[("flagged", "1")]).await;
        assert!(flagged.is_empty());
    }
);

sim_test!(
    sync_update_and_payment_links_are_role_checked_and_audited,
    |app, sim| {
        app.login_as_admin().await;
        app.create_user("vera", "viewer password 1", "viewer").await;
        let res = app
            .call("create_payment_link", &[("amount", "10.00")])
            .await;
        let created: Created = res.json().await.unwrap();
        let order_id = created.id;

        let res = app
            .call(
                "update_order",
                &[
                    ("order_id", &order_id),
                    ("amount", "12.50"),
                    ("udf1", "vip"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(
            sim.handle().order(&order_id).unwrap()["amount"],
            12.5,
            "updated at Juspay"
        );
        let store = app.db.store();
        let order = store.find_order(&order_id).await.unwrap().unwrap();
        assert_eq!(order.amount, 1_250);
        assert!(order.udfs.contains("vip"));

        // Another system of the merchant's changes the udf at Juspay: a sync brings it here.
        let res = reqwest::Client::new()
            .post(format!("{}/orders/{order_id}", sim.base_url()))
            .basic_auth(SIM_API_KEY, Some(""))
            .header("x-merchantid", SIM_MERCHANT)
            .form(&[("udf1", "gold")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let res = app.call("sync_order", &[("order_id", &order_id)]).await;
        assert_eq!(res.status().as_u16(), 200);
        let order = store.find_order(&order_id).await.unwrap().unwrap();
        assert!(order.udfs.contains("gold"), "{}", order.udfs);

        sim.handle()
            .pay(&order_id, &PaymentRequest::charged(PaymentMethod::Upi))
            .unwrap();
        let res = app.call("sync_order", &[("order_id", &order_id)]).await;
        assert_eq!(res.status().as_u16(), 200);
        let message: String = res.json().await.unwrap();
        assert!(message.contains("CHARGED"), "{message}");
        let res = app
            .call(
                "update_order",
                &[("order_id", &order_id), ("amount", "1.00")],
            )
            .await;
        assert_eq!(res.status().as_u16(), 422, "no update after payment");

        let audit = store.list_audit_for(&order_id, 10).await.unwrap();
        let actions: Vec<_> = audit.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "order.payment_link",
                "order.update",
                "order.sync",
                "order.sync"
            ],
            "a refused update changes nothing and leaves no audit row"
        );

        app.call("logout", &[]).await;
        app.login("vera", "viewer password 1").await;
        for (function, form) in [
            ("sync_order", vec![("order_id", order_id.as_str())]),
            (
                "update_order",
                vec![("order_id", order_id.as_str()), ("amount", "2.00")],
            ),
            ("create_payment_link", vec![("amount", "5.00")]),
        ] {
            assert_eq!(
                app.call(function, &form).await.status().as_u16(),
                403,
                "{function}"
            );
        }
        let page = app
            .get(&format!("/orders/{order_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            !page.contains("Sync with Juspay"),
            "a viewer is offered no actions"
        );
    }
);

sim_test!(
    the_timeline_merges_every_source_in_time_order,
    |app, sim| {
        app.login_as_admin().await;
        let res = app
            .call("create_payment_link", &[("amount", "99.00")])
            .await;
        let created: Created = res.json().await.unwrap();
        let order_id = created.id;
        sim.handle()
            .pay(&order_id, &PaymentRequest::charged(PaymentMethod::Card))
            .unwrap();
        let store = app.db.store();
        eventually("the webhook is applied", || async {
            store
                .find_order(&order_id)
                .await
                .unwrap()
                .is_some_and(|o| o.paid_via.as_deref() == Some("webhook"))
        })
        .await;
        app.call("sync_order", &[("order_id", &order_id)]).await;

        let res = app.call("get_order", &[("order_id", &order_id)]).await;
        let detail: Value = res.json().await.unwrap();
        let timeline = detail["timeline"].as_array().unwrap();
        let kinds: Vec<&str> = timeline
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        for kind in ["created", "staff", "action", "webhook", "sync"] {
            assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
        }
        let times: Vec<&str> = timeline.iter().map(|e| e["at"].as_str().unwrap()).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted, "oldest first");
        let first_webhook = kinds.iter().position(|k| *k == "webhook").unwrap();
        let sync = kinds.iter().rposition(|k| *k == "sync").unwrap();
        assert!(
            first_webhook < sync,
            "the sync came after the payment's webhook"
        );
        assert!(
            timeline
                .iter()
                .any(|e| e["kind"] == "sync" && e["trace_id"].is_string()),
            "a sync carries its trace id"
        );
        assert_eq!(detail["status"], "CHARGED");
        let checklist = detail["checklist"].as_array().unwrap();
        assert!(
            checklist
                .iter()
                .any(|c| c["question"] == "Webhook received?" && c["ok"] == true)
        );
    }
);

/// Two instances on one PostgreSQL database, one simulator: every order is polled, and
/// never by both at once.
#[tokio::test]
async fn two_instances_never_poll_the_same_order_at_once_and_miss_none() {
    use juspay::{Amount, CreateOrderRequest, JuspayClient, JuspayConfig};
    use juspay_sim::{EndpointFault, EndpointFaultKind};

    let sim = start_simulator().await;
    // Slow status answers widen the window in which a double poll would overlap.
    sim.handle().add_endpoint_fault(EndpointFault {
        method: Some("GET".to_owned()),
        path: "/orders/*".to_owned(),
        kind: EndpointFaultKind::Slow { millis: 150 },
        times: None,
        probability: None,
    });
    let settings = simulator_settings(&sim, "concurrency = 3\nbatch = 4\nlease_seconds = 30\n");
    let db = dashboard_core::testing::TestDatabase::new(Backend::Postgres).await;
    let url = db.url().to_owned();
    let first = TestApp::spawn_on(db, Arc::new(Jar::default()), &settings).await;
    let second_config = crate::helpers::test_config(&url, &settings);
    let second = merchant_dashboard::server::prepare(second_config)
        .await
        .unwrap();
    let (stop_second, stopped) = tokio::sync::oneshot::channel::<()>();
    let second = tokio::spawn(merchant_dashboard::server::serve(second, async {
        let _ = stopped.await;
    }));

    let client = JuspayClient::new(&JuspayConfig::new(
        sim.base_url(),
        secrecy::SecretString::from(crate::helpers::SIM_API_KEY),
        crate::helpers::SIM_MERCHANT,
    ))
    .unwrap();
    let store = first.db.store();
    let now = dashboard_core::clock::now_millis();
    let ids: Vec<String> = (0..12).map(|n| format!("lease_{n}")).collect();
    for id in &ids {
        client
            .create_order(&CreateOrderRequest::new(
                id,
                Amount::from_minor(1_000, "INR"),
            ))
            .await
            .unwrap();
        let mut order = row(id, now, "NEW", 1_000);
        order.next_check_at = Some(now);
        let mut tx = store.begin().await.unwrap();
        tx.insert_order_for_test(&order).await.unwrap();
        tx.commit().await.unwrap();
    }
    eventually("every order was polled", || async {
        let calls = sim.handle().api_calls();
        ids.iter().all(|id| {
            let path = format!("/orders/{id}");
            calls.iter().any(|c| c.method == "GET" && c.path == path)
        })
    })
    .await;

    let calls = sim.handle().api_calls();
    for id in &ids {
        let path = format!("/orders/{id}");
        let mut polls: Vec<_> = calls
            .iter()
            .filter(|c| c.method == "GET" && c.path == path)
            .collect();
        assert!(!polls.is_empty(), "{id} was polled");
        polls.sort_by_key(|c| c.started_ms);
        for pair in polls.windows(2) {
            assert!(
                pair[1].started_ms >= pair[0].finished_ms,
                "{id} polled concurrently: {:?}",
                pair
            );
        }
    }
    let _ = stop_second.send(());
    second.await.unwrap().unwrap();
    first.finish().await;
    sim.shutdown().await.unwrap();
}

/// The query Juspay's page appends to the return URL, signed with `key` (§10).
fn signed_return(order_id: &str, status: &str, key: &str) -> String {
    let params = vec![
        ("order_id".to_owned(), order_id.to_owned()),
        ("status".to_owned(), status.to_owned()),
        ("status_id".to_owned(), "21".to_owned()),
    ];
    let signature = juspay::sign_return_params(
        &params,
        &secrecy::SecretString::from(key),
        juspay::PercentEncoding::Rfc3986,
    );
    let encoded = juspay::PercentEncoding::Rfc3986.encode(&signature);
    format!(
        "order_id={order_id}&status={status}&status_id=21&signature={encoded}&signature_algorithm=HMAC-SHA256"
    )
}

async fn new_link(app: &TestApp) -> String {
    let res = app
        .call("create_payment_link", &[("amount", "75.00")])
        .await;
    let created: Created = res.json().await.unwrap();
    created.id
}

sim_test!(
    the_return_url_shows_the_confirmed_outcome_never_the_redirects_claim,
    |app, sim| {
        use crate::helpers::{SIM_RESPONSE_KEY, bare_client};

        app.login_as_admin().await;
        let unpaid = new_link(app).await;
        let paid = new_link(app).await;
        sim.handle()
            .pay(&paid, &PaymentRequest::charged(PaymentMethod::Card))
            .unwrap();
        let visit = |query: String| {
            let url = app.url(&format!("/payments/return?{query}"));
            async move {
                let res = bare_client().get(url).send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            }
        };

        let (status, page) = visit(signed_return(&paid, "CHARGED", SIM_RESPONSE_KEY)).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Payment received") && page.contains("₹75.00"),
            "{page}"
        );

        // A redirect claiming success for an unpaid order: signed, yet the status is Juspay's.
        let (status, page) = visit(signed_return(&unpaid, "CHARGED", SIM_RESPONSE_KEY)).await;
        assert_eq!(status, 200);
        assert!(page.contains("Payment being confirmed"), "{page}");
        let store = app.db.store();
        assert_eq!(
            store.find_order(&unpaid).await.unwrap().unwrap().status,
            OrderStatus::New
        );

        let forged = signed_return(&unpaid, "CHARGED", "not the response key");
        let (status, page) = visit(forged).await;
        assert_eq!(status, 400);
        assert!(page.contains("could not verify"), "{page}");
        let (status, _) = visit(format!("order_id={unpaid}&status=CHARGED")).await;
        assert_eq!(status, 400, "no signature at all");
        assert_eq!(
            store.find_order(&unpaid).await.unwrap().unwrap().status,
            OrderStatus::New
        );

        let form = signed_return(&paid, "CHARGED", SIM_RESPONSE_KEY);
        let res = bare_client()
            .post(app.url("/payments/return"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "https://api.juspay.in")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            200,
            "the POST variant from Juspay's page"
        );
        assert!(res.text().await.unwrap().contains("Payment received"));
    }
);

sim_test!(
    the_order_filters_offer_the_statuses_and_gateways_present_as_pickers,
    |app, sim| {
        app.login_as_admin().await;
        let paid = crate::refunds::paid_order(app, sim, "12.00").await;
        let res = app.call("order_filter_values", &[]).await;
        assert_eq!(res.status().as_u16(), 200);
        let values: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            values["statuses"][0],
            serde_json::json!(["CHARGED", 1]),
            "{values}"
        );
        assert!(
            !values["gateways"].as_array().unwrap().is_empty(),
            "the paid order's gateway is offered: {values}"
        );
        let page = app
            .get("/orders?status=CHARGED")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(r#"<input type="checkbox" name="status" value="CHARGED" checked"#),
            "status is a picker, and the value in the address stays ticked"
        );
        assert!(page.contains(&paid), "the list shows the paid order");
    }
);

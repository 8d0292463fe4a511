//! Webhooks applied to orders, refunds and mandates by the background processor of the
//! running app: idempotent, out-of-order safe, amount-checked, resumed after a restart, and
//! fed end to end by the simulator.

use dashboard_status::{MandateStatus, OrderStatus, Outcome};
use std::sync::Arc;

use dashboard_core::{orders::model::OrderRow, store::Store, webhooks::store::WebhookFilter};

use reqwest::{Response, cookie::Jar};

use crate::{
    app_test,
    helpers::{HOOK_PASSWORD, HOOK_USER, TestApp, bare_client, eventually},
};

const SETTINGS: &str = "[webhook]\npassword = \"hook password for tests\"\n";
const PROCESSOR_OFF: &str =
    "[webhook]\npassword = \"hook password for tests\"\n[processor]\nenabled = false\n";

async fn deliver_as(app: &TestApp, credentials: Option<(&str, &str)>, body: &str) -> Response {
    dashboard_testkit::post_webhook(&app.url("/webhooks/juspay"), credentials, body).await
}

async fn deliver(app: &TestApp, body: &str) {
    let res = deliver_as(app, Some((HOOK_USER, HOOK_PASSWORD)), body).await;
    assert_eq!(res.status().as_u16(), 200, "delivery acknowledged");
}

fn order_event(id: &str, name: &str, status: &str, amount: &str) -> String {
    dashboard_testkit::juspay_order_event(
        id,
        name,
        serde_json::json!({"order_id": "ord_1", "id": "ordeh_1", "status": status,
            "amount": amount, "currency": "INR", "customer_email": "a@example.com"}),
    )
}

async fn pending_count(store: &Store) -> usize {
    let filter = WebhookFilter {
        outcome: Some(Outcome::Pending),
        ..WebhookFilter::default()
    };
    store
        .list_webhook_events(&filter, 1000)
        .await
        .unwrap()
        .len()
}

async fn all_processed(store: &Store) {
    eventually("every event is processed", || async {
        pending_count(store).await == 0
    })
    .await;
}

async fn order(store: &Store) -> OrderRow {
    store
        .find_order("ord_1")
        .await
        .unwrap()
        .expect("order exists")
}

async fn outcomes(store: &Store) -> Vec<(String, Outcome)> {
    let mut events = store
        .list_webhook_events(&WebhookFilter::default(), 1000)
        .await
        .unwrap();
    events.reverse();
    events
        .into_iter()
        .map(|e| (e.event_name.unwrap_or_default(), e.outcome))
        .collect()
}

app_test!(
    ten_concurrent_copies_of_one_event_are_applied_once,
    SETTINGS,
    |app| {
        let body = order_event("evt_V2_same", "ORDER_SUCCEEDED", "CHARGED", "99.00");
        let mut copies = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let (url, body) = (app.url("/webhooks/juspay"), body.clone());
            copies.spawn(async move {
                let res = bare_client()
                    .post(url)
                    .basic_auth(HOOK_USER, Some(HOOK_PASSWORD))
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                res.status().as_u16()
            });
        }
        while let Some(status) = copies.join_next().await {
            assert_eq!(status.unwrap(), 200, "every copy acknowledged");
        }
        let store = app.db.store();
        all_processed(&store).await;
        let events = store
            .list_webhook_events(&WebhookFilter::default(), 100)
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "one stored event");
        assert_eq!(events[0].duplicate_count, 9, "nine recorded duplicates");
        assert_eq!(events[0].outcome, Outcome::Created);
        let timeline = store.list_order_events("ord_1").await.unwrap();
        assert_eq!(timeline.len(), 1, "applied once: {timeline:?}");
        assert_eq!(order(&store).await.status, OrderStatus::Charged);
    }
);

app_test!(
    a_late_txn_created_leaves_a_paid_order_charged,
    SETTINGS,
    |app| {
        let store = app.db.store();
        deliver(
            app,
            &order_event("e1", "ORDER_SUCCEEDED", "CHARGED", "10.00"),
        )
        .await;
        all_processed(&store).await;
        deliver(
            app,
            &order_event("e2", "TXN_CREATED", "PENDING_VBV", "10.00"),
        )
        .await;
        all_processed(&store).await;
        assert_eq!(order(&store).await.status, OrderStatus::Charged);
        assert_eq!(
            outcomes(&store).await,
            [
                ("ORDER_SUCCEEDED".to_owned(), Outcome::Created),
                ("TXN_CREATED".to_owned(), Outcome::Stale)
            ]
        );
    }
);

app_test!(
    wrong_or_missing_credentials_apply_nothing,
    SETTINGS,
    |app| {
        let body = order_event("e1", "ORDER_SUCCEEDED", "CHARGED", "10.00");
        let wrong = deliver_as(app, Some((HOOK_USER, "guess")), &body).await;
        let missing = deliver_as(app, None, &body).await;
        assert_eq!(wrong.status().as_u16(), 401);
        assert_eq!(missing.status().as_u16(), 401);
        // A valid event afterwards proves the processor ran past the rejected attempts.
        deliver(
            app,
            &order_event("e2", "ORDER_CREATED", "NEW", "5.00").replace("ord_1", "ord_2"),
        )
        .await;
        let store = app.db.store();
        all_processed(&store).await;
        assert!(store.find_order("ord_2").await.unwrap().is_some());
        assert!(
            store.find_order("ord_1").await.unwrap().is_none(),
            "nothing applied from a 401"
        );
    }
);

app_test!(
    a_payment_of_another_amount_is_flagged_and_not_marked_paid,
    SETTINGS,
    |app| {
        let store = app.db.store();
        deliver(
            app,
            &order_event("e1", "TXN_CREATED", "PENDING_VBV", "100.00"),
        )
        .await;
        all_processed(&store).await;
        deliver(
            app,
            &order_event("e2", "ORDER_SUCCEEDED", "CHARGED", "1.00"),
        )
        .await;
        all_processed(&store).await;
        let row = order(&store).await;
        assert_eq!(row.status, OrderStatus::PendingVbv, "not marked paid");
        assert_eq!(row.paid_at, None);
        assert!(row.amount_mismatch.unwrap().contains("10000"));
        assert_eq!(outcomes(&store).await[1].1, Outcome::AmountMismatch);
    }
);

app_test!(
    every_documented_event_name_is_accepted_and_processed,
    SETTINGS,
    |app| {
        let order_names = [
            "ORDER_SUCCEEDED",
            "ORDER_FAILED",
            "ORDER_REFUNDED",
            "ORDER_REFUND_FAILED",
            "TXN_CREATED",
            "REFUND_MANUAL_REVIEW_NEEDED",
            "AUTO_REFUND_SUCCEEDED",
            "AUTO_REFUND_FAILED",
            "ORDER_AUTHORIZED",
        ];
        for (n, name) in order_names.iter().enumerate() {
            deliver(
                app,
                &order_event(&format!("o{n}"), name, "CHARGED", "10.00"),
            )
            .await;
        }
        for (n, name) in [
            "MANDATE_CREATED",
            "MANDATE_ACTIVATED",
            "MANDATE_FAILED",
            "MANDATE_REVOKED",
        ]
        .iter()
        .enumerate()
        {
            deliver(app, &format!(
            r#"{{"id":"m{n}","event_name":"{name}","content":{{"mandate":{{"mandate_id":"mdt_{n}",
                "status":"ACTIVE","max_amount":"100.00","revokable_by_customer":"true"}}}}}}"#
        ))
        .await;
        }
        for (n, name) in ["TXN_CHARGED", "TXN_FAILED"].iter().enumerate() {
            deliver(
                app,
                &format!(
                    r#"{{"id":"t{n}","event_name":"{name}","content":{{"txn":{{"order_id":"ord_1",
                "txn_id":"txn_{n}","status":"CHARGED","txn_amount":10,"currency":"INR"}}}}}}"#
                ),
            )
            .await;
        }
        for (n, name) in ["NOTIFICATION_SUCCEEDED", "NOTIFICATION_FAILED"]
            .iter()
            .enumerate()
        {
            deliver(app, &format!(
            r#"{{"id":"n{n}","event_name":"{name}","content":{{"notification":{{"id":"nt_{n}",
                "status":"SUCCESS","mandate":{{"mandate_id":"mdt_0"}}}}}}}}"#
        ))
        .await;
        }
        deliver(
            app,
            r#"{"id":"u1","event_name":"SOMETHING_NEW_FROM_JUSPAY","content":{"widget":{}}}"#,
        )
        .await;
        let store = app.db.store();
        all_processed(&store).await;
        let all = outcomes(&store).await;
        assert_eq!(all.len(), 18, "every delivery stored");
        for (name, outcome) in &all {
            assert!(
                ["created", "applied", "duplicate", "stale", "ignored"].contains(&outcome.as_str()),
                "{name} ended {outcome}"
            );
        }
        assert_eq!(
            all.last().unwrap().1,
            Outcome::Ignored,
            "an unknown event is kept, not applied"
        );
        assert_eq!(
            store.find_mandate("mdt_3").await.unwrap().unwrap().status,
            MandateStatus::Active
        );
    }
);

mod events_stored_while_processing_is_off_are_processed_after_a_restart {
    use super::*;
    use dashboard_core::{store::Backend, testing::TestDatabase};

    async fn run(backend: Backend) {
        let db = TestDatabase::new(backend).await;
        let app = TestApp::spawn_on(db, Arc::new(Jar::default()), PROCESSOR_OFF).await;
        deliver(
            &app,
            &order_event("e1", "ORDER_SUCCEEDED", "CHARGED", "10.00"),
        )
        .await;
        // The 200 came after the commit, and no processor runs in this app.
        assert_eq!(
            pending_count(&app.db.store()).await,
            1,
            "left for another process"
        );
        let (db, _) = app.stop().await;
        let restarted = TestApp::spawn_on(db, Arc::new(Jar::default()), SETTINGS).await;
        let store = restarted.db.store();
        all_processed(&store).await;
        assert_eq!(order(&store).await.status, OrderStatus::Charged);
        restarted.finish().await;
    }

    #[tokio::test]
    async fn on_sqlite() {
        run(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn on_postgres() {
        run(Backend::Postgres).await;
    }
}

app_test!(
    the_simulator_delivers_payments_to_the_real_app,
    SETTINGS,
    |app| {
        use juspay::{Amount, CreateOrderRequest, JuspayClient, JuspayConfig};
        use juspay_sim::{PaymentMethod, PaymentRequest, SimConfig, Simulator};

        let sim = Simulator::start(SimConfig {
            webhook_url: Some(app.url("/webhooks/juspay")),
            webhook_username: HOOK_USER.to_owned(),
            webhook_password: HOOK_PASSWORD.to_owned(),
            time_scale: 0.001,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let config = JuspayConfig::new(
            sim.base_url(),
            secrecy::SecretString::from(SimConfig::default().api_key),
            SimConfig::default().merchant_id,
        );
        let client = JuspayClient::new(&config).unwrap();
        let mut request = CreateOrderRequest::new("ord_1", Amount::from_minor(12_345, "INR"));
        request.customer_email = Some("buyer@example.com".to_owned());
        client.create_order(&request).await.unwrap();
        sim.handle()
            .pay("ord_1", &PaymentRequest::charged(PaymentMethod::Upi))
            .unwrap();
        let store = app.db.store();
        eventually("the payment reaches the dashboard", || async {
            store
                .find_order("ord_1")
                .await
                .unwrap()
                .is_some_and(|o| o.status == OrderStatus::Charged)
        })
        .await;
        let row = order(&store).await;
        assert_eq!(row.amount, 12_345);
        assert_eq!(row.payment_method_type.as_deref(), Some("UPI"));
        assert_eq!(row.paid_via.as_deref(), Some("webhook"));
        assert!(
            sim.handle()
                .webhook_attempts()
                .iter()
                .all(|a| a.status == Some(200)),
            "every delivery acknowledged"
        );
        sim.shutdown().await.unwrap();
    }
);

app_test!(
    an_operator_dry_runs_then_reprocesses_an_event_and_a_viewer_cannot,
    PROCESSOR_OFF,
    |app| {
        deliver(
            app,
            &order_event("e1", "ORDER_SUCCEEDED", "CHARGED", "10.00"),
        )
        .await;
        let store = app.db.store();
        let id = store
            .list_webhook_events(&WebhookFilter::default(), 1)
            .await
            .unwrap()[0]
            .id
            .to_string();
        app.login_as_admin().await;
        app.create_user("vera", "viewer password 1", "viewer").await;
        app.create_user("otto", "operator password 1", "operator")
            .await;
        app.call("logout", &[]).await;

        app.login("vera", "viewer password 1").await;
        for function in ["preview_reprocess", "reprocess_webhook"] {
            let res = app.call(function, &[("id", &id)]).await;
            assert_eq!(res.status().as_u16(), 403, "{function} as a viewer");
        }
        let page = app
            .get(&format!("/webhooks/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            !page.contains(">Reprocess<"),
            "a viewer is not offered reprocessing"
        );
        app.call("logout", &[]).await;

        app.login("otto", "operator password 1").await;
        let page = app
            .get(&format!("/webhooks/{id}?preview=1"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("order ord_1: created as CHARGED"),
            "dry run shown: {page}"
        );
        assert!(
            store.find_order("ord_1").await.unwrap().is_none(),
            "a dry run writes nothing"
        );

        let res = app.call("reprocess_webhook", &[("id", &id)]).await;
        assert_eq!(res.status().as_u16(), 200);
        let message: String = res.json().await.unwrap();
        assert!(message.starts_with("Reprocessed: created"), "{message}");
        assert_eq!(order(&store).await.status, OrderStatus::Charged);
        let audit = store.list_audit(5).await.unwrap();
        assert_eq!(audit[0].action, "webhook.reprocess");
        assert_eq!(audit[0].actor, "otto");
        assert_eq!(audit[0].target, id);

        let again = app.call("preview_reprocess", &[("id", &id)]).await;
        let again: serde_json::Value = again.json().await.unwrap();
        assert_eq!(
            again["outcome"], "duplicate",
            "reprocessing again is a no-op"
        );
    }
);

app_test!(
    a_delivery_past_retention_shows_its_body_removed_and_cannot_be_reprocessed,
    SETTINGS,
    |app| {
        crate::helpers::deliver_processed(
            app,
            &order_event("e_old", "ORDER_SUCCEEDED", "CHARGED", "10.00"),
        )
        .await;
        let store = app.db.store();
        let config = dashboard_core::config::RetentionConfig {
            webhook_days: 1,
            batch: 10,
        };
        let later = dashboard_core::clock::now_millis() + 2 * 86_400_000;
        let stripped = dashboard_core::webhooks::retention::strip_expired(&store, &config, later)
            .await
            .unwrap();
        assert_eq!(stripped, 1);
        let id = store
            .list_webhook_events(&WebhookFilter::default(), 1)
            .await
            .unwrap()[0]
            .id
            .to_string();
        app.login_as_admin().await;
        let page = app
            .get(&format!("/webhooks/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("under the retention policy"), "{page}");
        assert!(
            !page.contains(">Reprocess<"),
            "nothing to reprocess is offered"
        );
        let res = app.call("reprocess_webhook", &[("id", &id)]).await;
        assert_eq!(res.status().as_u16(), 422);
        assert!(res.text().await.unwrap().contains("retention policy"));
        assert_eq!(
            store.find_order("ord_1").await.unwrap().unwrap().status,
            OrderStatus::Charged,
            "the order keeps what the event applied"
        );
    }
);

//! Refunds Juspay starts on its own: the `AUTO_REFUND_*` and refund lifecycle events
//! (initiated, ARN captured) carry the whole order; the refund is recorded as Juspay's, its
//! ARN shown, its order `AUTO_REFUNDED`, and it is never resent from here.

use dashboard_status::{OrderStatus, RefundStatus};
use juspay_sim::{FailureReason, PaymentRequest};
use merchant_dashboard::serverfns::Created;
use serde_json::{Value, json};

use crate::{
    app_test,
    helpers::{TestApp, deliver_processed, eventually},
    sim_test,
};

const SETTINGS: &str = "[webhook]\npassword = \"hook password for tests\"\n";

async fn deliver(app: &TestApp, id: &str, name: &str, order: Value) {
    deliver_processed(app, &dashboard_testkit::juspay_order_event(id, name, order)).await;
}

fn auto_refunded(refund: Value) -> Value {
    json!({"order_id": "ord_auto", "status": "AUTO_REFUNDED", "amount": "40.00",
        "currency": "INR", "refunds": [refund]})
}

app_test!(
    an_auto_refund_is_recorded_as_juspays_with_its_arn_and_never_resent,
    SETTINGS,
    |app| {
        deliver(
            app,
            "evt_failed",
            "ORDER_FAILED",
            json!({"order_id": "ord_auto", "status": "AUTHORIZATION_FAILED", "amount": "40.00",
                "currency": "INR"}),
        )
        .await;
        let refund = json!({"unique_request_id": "auto_1", "id": "auto_1", "amount": 40.0,
            "status": "PENDING"});
        deliver(
            app,
            "evt_ar1",
            "AUTO_REFUND_INITIATED",
            auto_refunded(refund.clone()),
        )
        .await;
        let mut with_arn = refund.clone();
        with_arn["arn"] = json!("74332745112");
        deliver(
            app,
            "evt_ar2",
            "REFUND_ARN_CAPTURED",
            auto_refunded(with_arn.clone()),
        )
        .await;
        let mut done = with_arn;
        done["status"] = json!("SUCCESS");
        deliver(app, "evt_ar3", "AUTO_REFUND_SUCCEEDED", auto_refunded(done)).await;

        let store = app.db.store();
        let order = store.find_order("ord_auto").await.unwrap().unwrap();
        assert_eq!(order.status, OrderStatus::AutoRefunded);
        let row = store.find_refund("auto_1").await.unwrap().expect("stored");
        assert_eq!(row.status, RefundStatus::Success);
        assert_eq!(row.arn.as_deref(), Some("74332745112"));
        assert_eq!(row.request_state, None, "not a request of ours");
        assert_eq!(row.started_by(), "Juspay (auto-refund)");
        assert!(
            store
                .list_refunds_to_resend(i64::MAX)
                .await
                .unwrap()
                .is_empty(),
            "Juspay's refunds are never resent"
        );

        app.login_as_admin().await;
        let page: Value = app
            .call("get_order", &[("order_id", "ord_auto")])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["refunds"][0]["started_by"], "Juspay (auto-refund)");
        assert_eq!(page["refunds"][0]["arn"], "74332745112");
        let refunds = app.get("/refunds").await.text().await.unwrap();
        assert!(
            refunds.contains("74332745112"),
            "the ARN is on the refunds page"
        );
    }
);

sim_test!(
    a_late_success_the_simulator_auto_refunds_reaches_the_order_as_juspays_refund,
    |app, sim| {
        app.login_as_admin().await;
        let res = app
            .call("create_payment_link", &[("amount", "64.00")])
            .await;
        let order_id = res.json::<Created>().await.unwrap().id;
        sim.handle()
            .pay(&order_id, &PaymentRequest::failed(FailureReason::Declined))
            .unwrap();
        let store = app.db.store();
        eventually("the failure is applied", || async {
            store.find_order(&order_id).await.unwrap().is_some_and(|o| {
                matches!(
                    o.status,
                    OrderStatus::AuthorizationFailed
                        | OrderStatus::AuthenticationFailed
                        | OrderStatus::JuspayDeclined
                )
            })
        })
        .await;
        sim.handle().auto_refund(&order_id).unwrap();
        eventually("Juspay's auto-refund settles here", || async {
            store
                .list_refunds_of_order(&order_id)
                .await
                .unwrap()
                .iter()
                .any(|r| r.status == RefundStatus::Success)
        })
        .await;
        let order = store.find_order(&order_id).await.unwrap().unwrap();
        assert_eq!(order.status, OrderStatus::AutoRefunded);
        let refunds = store.list_refunds_of_order(&order_id).await.unwrap();
        assert_eq!(refunds.len(), 1);
        assert_eq!(refunds[0].amount, 6_400);
        assert_eq!(refunds[0].started_by(), "Juspay (auto-refund)");
    }
);

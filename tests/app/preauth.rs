//! Pre-authorised payments: a payment link asked as "authorise only" ends held
//! (`AUTHORIZED`); part of it is captured once however often the form is submitted, also
//! when Juspay's answer is lost; voiding a captured payment is refused in words.

use dashboard_status::OrderStatus;
use juspay_sim::{
    EndpointFault, EndpointFaultKind, PaymentMethod, PaymentRequest, WebhookFault, WebhookFaultKind,
};
use merchant_dashboard::serverfns::Created;
use serde_json::Value;

use crate::{
    helpers::{ADMIN, ADMIN_PASSWORD, TestApp, eventually},
    sim_test,
};

/// A pre-auth payment link for `amount`, paid at the simulator and held here.
async fn held_order(app: &TestApp, sim: &juspay_sim::RunningSimulator, amount: &str) -> String {
    let res = app
        .call(
            "create_payment_link",
            &[("amount", amount), ("pre_auth", "yes")],
        )
        .await;
    let order_id = res.json::<Created>().await.unwrap().id;
    sim.handle()
        .pay(&order_id, &PaymentRequest::charged(PaymentMethod::Card))
        .unwrap();
    let store = app.db.store();
    eventually("the authorisation is applied", || async {
        store
            .find_order(&order_id)
            .await
            .unwrap()
            .is_some_and(|o| o.status == OrderStatus::Authorized)
    })
    .await;
    order_id
}

/// The capture form's key, as the order page renders it.
async fn capture_key(app: &TestApp, order_id: &str) -> String {
    let page: Value = app
        .call("get_order", &[("order_id", order_id)])
        .await
        .json()
        .await
        .unwrap();
    page["capture_form"]["idempotence_key"]
        .as_str()
        .expect("an authorised order offers the capture form")
        .to_owned()
}

async fn capture(app: &TestApp, order_id: &str, key: &str, amount: &str) -> reqwest::Response {
    app.call(
        "capture_order",
        &[
            ("order_id", order_id),
            ("idempotence_key", key),
            ("amount", amount),
        ],
    )
    .await
}

sim_test!(
    a_held_payment_is_captured_in_part_once_though_submitted_twice,
    |app, sim| {
        app.login_as_admin().await;
        let order_id = held_order(app, sim, "250.00").await;
        let key = capture_key(app, &order_id).await;
        let first = capture(app, &order_id, &key, "100.00").await;
        assert_eq!(first.status().as_u16(), 200, "{:?}", first.text().await);
        let again = capture(app, &order_id, &key, "100.00").await;
        let text = again.text().await.unwrap();
        assert!(text.contains("already captured"), "{text}");
        let at_sim = sim.handle().order(&order_id).unwrap();
        assert_eq!(at_sim["status"], "PARTIAL_CHARGED");
        let order = app.db.store().find_order(&order_id).await.unwrap().unwrap();
        assert_eq!(order.status, OrderStatus::PartialCharged);
        assert_eq!(order.amount_captured, Some(10_000), "100.00 of 250.00");
        let page: Value = app
            .call("get_order", &[("order_id", &order_id)])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            page["refund_form"]["refundable"], "100.00",
            "only what was captured can be refunded"
        );
        let audit = app.db.store().list_audit_for(&order_id, 20).await.unwrap();
        assert_eq!(
            audit.iter().filter(|a| a.action == "order.capture").count(),
            1,
            "the refused second submit changed nothing"
        );

        let voided = app
            .call("void_order", &[("order_id", &order_id), ("confirm", "yes")])
            .await;
        assert_eq!(voided.status().as_u16(), 422);
        let text = voided.text().await.unwrap();
        assert!(
            text.contains("already captured; refund it instead"),
            "{text}"
        );
    }
);

sim_test!(
    a_capture_whose_answer_is_lost_is_sent_again_under_its_key_and_happens_once,
    |app, sim| {
        app.login_as_admin().await;
        let order_id = held_order(app, sim, "80.00").await;
        let key = capture_key(app, &order_id).await;
        // Juspay captures but its answer and webhook are lost: we still hold AUTHORIZED.
        sim.handle().add_webhook_fault(WebhookFault {
            kind: WebhookFaultKind::Drop,
            times: 5,
        });
        sim.handle().add_endpoint_fault(EndpointFault {
            method: Some("POST".to_owned()),
            path: "/v2/txns/*/capture".to_owned(),
            kind: EndpointFaultKind::AcceptThenFail {
                status: 504,
                millis: 0,
            },
            times: Some(1),
            probability: None,
        });
        let lost = capture(app, &order_id, &key, "30.00").await;
        assert_eq!(lost.status().as_u16(), 502, "the upstream failure is shown");
        assert_eq!(
            sim.handle().order(&order_id).unwrap()["status"],
            "PARTIAL_CHARGED"
        );
        let order = app.db.store().find_order(&order_id).await.unwrap().unwrap();
        if order.status == OrderStatus::Authorized {
            // The same form submitted again: the same capture to Juspay, answered, not redone.
            let again = capture(app, &order_id, &key, "30.00").await;
            assert_eq!(again.status().as_u16(), 200, "{:?}", again.text().await);
        }
        let order = app.db.store().find_order(&order_id).await.unwrap().unwrap();
        assert_eq!(order.status, OrderStatus::PartialCharged);
        let at_sim = sim.handle().order(&order_id).unwrap();
        assert_eq!(at_sim["status"], "PARTIAL_CHARGED");
        assert_eq!(
            at_sim["maximum_eligible_refund_amount"].as_f64(),
            Some(30.0),
            "30.00 captured, once"
        );
    }
);

sim_test!(
    a_held_payment_is_voided_only_after_confirmation,
    |app, sim| {
        app.login_as_admin().await;
        let order_id = held_order(app, sim, "60.00").await;
        let unconfirmed = app.call("void_order", &[("order_id", &order_id)]).await;
        assert_eq!(unconfirmed.status().as_u16(), 422);
        let voided = app
            .call("void_order", &[("order_id", &order_id), ("confirm", "yes")])
            .await;
        assert_eq!(voided.status().as_u16(), 200, "{:?}", voided.text().await);
        let order = app.db.store().find_order(&order_id).await.unwrap().unwrap();
        assert_eq!(order.status, OrderStatus::Voided);
        let page: Value = app
            .call("get_order", &[("order_id", &order_id)])
            .await
            .json()
            .await
            .unwrap();
        assert!(page["capture_form"].is_null(), "nothing left to capture");
    }
);

sim_test!(
    a_large_capture_needs_the_password_again_and_then_goes_through,
    "[auth]\nstep_up_amount = \"50.00\"\n",
    |app, sim| {
        app.login_as_admin().await;
        let order_id = held_order(app, sim, "80.00").await;
        app.call("logout", &[]).await;
        app.login(ADMIN, ADMIN_PASSWORD).await;
        let key = capture_key(app, &order_id).await;
        let refused = capture(app, &order_id, &key, "80.00").await;
        assert_eq!(refused.status().as_u16(), 403);
        assert!(refused.text().await.unwrap().contains("StepUpRequired"));
        assert_eq!(
            sim.handle().order(&order_id).unwrap()["status"],
            "AUTHORIZED",
            "nothing was sent"
        );
        app.confirm_identity(ADMIN_PASSWORD).await;
        let done = capture(app, &order_id, &key, "80.00").await;
        assert_eq!(done.status().as_u16(), 200, "{:?}", done.text().await);
        assert_eq!(sim.handle().order(&order_id).unwrap()["status"], "CHARGED");
    }
);

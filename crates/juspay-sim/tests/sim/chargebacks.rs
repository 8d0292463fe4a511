//! Chargebacks: raised and moved through `/__sim` or the handle, announced by
//! `CHARGEBACK_*` webhooks, listed in the order object (the wire is described in
//! `juspay_sim::chargebacks`).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use juspay_sim::clock::{epoch_secs, format_iso};
use juspay_sim::{ChargebackStatus, RunningSimulator, WebhookFault, WebhookFaultKind};
use serde_json::{Value, json};

use crate::support::{
    Receiver, client, create_order, create_order_in, eventually, order_status, pay, post, start,
};

const SEVEN_DAYS: u64 = 7 * 24 * 3_600;

async fn chargeback(sim: &RunningSimulator, order_id: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!(
            "{}/__sim/orders/{order_id}/chargebacks",
            sim.base_url()
        ))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The body of the first webhook named `event_name` the receiver got, once it came.
async fn webhook_named(receiver: &Receiver, event_name: &str) -> Value {
    assert!(
        eventually(|| receiver.event_names().iter().any(|n| n == event_name)).await,
        "no {event_name} in {:?}",
        receiver.event_names()
    );
    receiver
        .received()
        .into_iter()
        .find(|r| r.body["event_name"] == event_name)
        .map(|r| r.body)
        .unwrap()
}

#[tokio::test]
async fn a_chargeback_raised_on_a_paid_order_sends_chargeback_received_with_the_chargeback() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    create_order(&sim, "ord-cb", "100.50").await;
    let paid = pay(&sim, "ord-cb", json!({"outcome": "charged"})).await;
    let before = epoch_secs();
    let response = chargeback(&sim, "ord-cb", json!({"reason": "Fraudulent transaction"})).await;
    let after = epoch_secs();
    assert_eq!(response.status(), 200);
    let answered: Value = response.json().await.unwrap();

    let event = webhook_named(&receiver, "CHARGEBACK_RECEIVED").await;
    assert!(event["id"].as_str().unwrap().starts_with("evt_V2_"));
    assert!(event["date_created"].as_str().unwrap().ends_with('Z'));
    let cb = &event["content"]["chargeback"];
    assert_eq!(
        cb, &answered,
        "the webhook carries what the control API answered"
    );
    let id = cb["id"].as_str().unwrap();
    let hex = id.strip_prefix("cb_").unwrap();
    assert!(
        !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    assert_eq!(cb["object"], "chargeback");
    assert_eq!(cb["amount"], json!(100.5), "the paid amount, in rupees");
    assert_eq!(cb["currency"], "INR");
    assert_eq!(cb["object_reference_id"], "ord-cb");
    assert_eq!(cb["chargeback_status"], "RECEIVED");
    assert_eq!(cb["reason"], "Fraudulent transaction");
    let created = cb["date_created"].as_str().unwrap();
    assert!(created.ends_with('Z'));
    assert_eq!(cb["last_updated"], created);
    assert_eq!(cb["date_resolved"], Value::Null);
    let respond_by = cb["respond_by"].as_str().unwrap();
    assert!(
        (before..=after).any(|t| format_iso(t + SEVEN_DAYS) == respond_by),
        "respond_by {respond_by} is seven days after {created}"
    );
    let order = order_status(&sim, "ord-cb").await;
    assert_eq!(
        cb["txn"],
        json!({
            "txn_id": paid["txn_id"],
            "order_id": "ord-cb",
            "txn_uuid": order["txn_uuid"],
            "status": "CHARGED",
            "gateway": "RAZORPAY",
        })
    );
    let stored = sim.handle().chargebacks("ord-cb");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].amount, 10_050);
    assert_eq!(stored[0].status, ChargebackStatus::Received);
}

#[tokio::test]
async fn moving_a_chargeback_to_resolved_in_merchant_favour_sends_that_event_with_date_resolved() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let handle = sim.handle();
    create_order(&sim, "ord-cb-won", "40").await;
    pay(&sim, "ord-cb-won", json!({"outcome": "charged"})).await;
    let raised = handle
        .raise_chargeback(
            "ord-cb-won",
            ChargebackStatus::Received,
            "Product not received",
            None,
        )
        .unwrap();
    let id = raised["id"].as_str().unwrap();
    let review = handle
        .raise_chargeback("ord-cb-won", ChargebackStatus::UnderReview, "", Some(id))
        .unwrap();
    assert_eq!(review["chargeback_status"], "UNDER_REVIEW");
    assert_eq!(review["respond_by"], Value::Null);
    assert_eq!(review["date_resolved"], Value::Null);
    let won = handle
        .raise_chargeback(
            "ord-cb-won",
            ChargebackStatus::ResolvedInMerchantFavour,
            "",
            Some(id),
        )
        .unwrap();

    let event = webhook_named(&receiver, "CHARGEBACK_RESOLVED_IN_MERCHANT_FAVOUR").await;
    let cb = &event["content"]["chargeback"];
    assert_eq!(cb, &won);
    assert_eq!(cb["id"], id, "the same chargeback, moved");
    assert_eq!(cb["chargeback_status"], "RESOLVED_IN_MERCHANT_FAVOUR");
    assert_eq!(
        cb["reason"], "Product not received",
        "an empty reason keeps it"
    );
    assert_eq!(cb["date_created"], raised["date_created"]);
    let resolved = cb["date_resolved"].as_str().unwrap();
    assert!(resolved.ends_with('Z'));
    assert!(resolved >= raised["date_created"].as_str().unwrap());
    assert_eq!(cb["last_updated"], resolved);
    assert_eq!(cb["respond_by"], Value::Null);
    webhook_named(&receiver, "CHARGEBACK_RECEIVED").await;
    webhook_named(&receiver, "CHARGEBACK_UNDER_REVIEW").await;
    assert_eq!(handle.chargebacks("ord-cb-won").len(), 1);
}

#[tokio::test]
async fn the_order_object_and_order_webhooks_list_every_chargeback_in_its_latest_state() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let handle = sim.handle();
    let fresh = create_order_in(&sim, "ord-cb-kwd", "1.005", "KWD").await;
    assert_eq!(fresh["chargebacks"], json!([]));
    pay(&sim, "ord-cb-kwd", json!({"outcome": "charged"})).await;
    let first: Value = chargeback(&sim, "ord-cb-kwd", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["amount"].to_string(), "1.005");
    assert_eq!(first["reason"], juspay_sim::chargebacks::DEFAULT_REASON);
    let second: Value = chargeback(
        &sim,
        "ord-cb-kwd",
        json!({"status": "evidence_required", "amount": "0.5", "reason": "Duplicate charge"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(second["chargeback_status"], "EVIDENCE_REQUIRED");
    assert_eq!(second["amount"].to_string(), "0.5");
    assert!(second["respond_by"].is_string());
    let lost = chargeback(
        &sim,
        "ord-cb-kwd",
        json!({"status": "CHARGEBACK_RESOLVED_IN_CUSTOMER_FAVOUR", "chargeback_id": first["id"]}),
    )
    .await;
    assert_eq!(lost.status(), 200);

    let order = order_status(&sim, "ord-cb-kwd").await;
    let listed = order["chargebacks"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], first["id"]);
    assert_eq!(
        listed[0]["chargeback_status"],
        "RESOLVED_IN_CUSTOMER_FAVOUR"
    );
    assert!(listed[0]["date_resolved"].is_string());
    assert_eq!(listed[1], second);
    assert_eq!(order["status"], "CHARGED", "a chargeback leaves the status");
    assert_eq!(
        handle.order("ord-cb-kwd").unwrap()["chargebacks"],
        order["chargebacks"]
    );

    // The next order webhook carries them too.
    assert_eq!(
        post(&sim, "/orders/ord-cb-kwd/refunds")
            .form(&[("unique_request_id", "cb-rf"), ("amount", "0.005")])
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let refunded = webhook_named(&receiver, "ORDER_REFUNDED").await;
    assert_eq!(
        refunded["content"]["order"]["chargebacks"],
        order["chargebacks"]
    );
}

#[tokio::test]
async fn a_chargeback_on_an_unknown_order_is_404_and_an_unknown_status_is_400() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let unknown = chargeback(&sim, "ord-nowhere", json!({"status": "RECEIVED"})).await;
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["error_code"], "order_not_found");

    create_order(&sim, "ord-cb-bad", "10").await;
    let unpaid = chargeback(&sim, "ord-cb-bad", json!({})).await;
    assert_eq!(
        unpaid.status(),
        400,
        "an unpaid order has nothing to dispute"
    );
    pay(&sim, "ord-cb-bad", json!({"outcome": "charged"})).await;
    let status = chargeback(&sim, "ord-cb-bad", json!({"status": "WON"})).await;
    assert_eq!(status.status(), 400);
    let body: Value = status.json().await.unwrap();
    assert_eq!(body["error_code"], "invalid_chargeback_status");
    let too_much = chargeback(&sim, "ord-cb-bad", json!({"amount": "10.01"})).await;
    assert_eq!(too_much.status(), 400);
    let no_such = chargeback(
        &sim,
        "ord-cb-bad",
        json!({"status": "CANCELED", "chargeback_id": "cb_nope"}),
    )
    .await;
    assert_eq!(no_such.status(), 404);
    assert!(sim.handle().chargebacks("ord-cb-bad").is_empty());
    assert!(
        sim.handle()
            .raise_chargeback("ord-nowhere", ChargebackStatus::Received, "", None)
            .is_err()
    );

    // Only the payment's own webhook went out.
    assert!(eventually(|| sim.handle().webhooks_in_flight() == 0).await);
    assert!(
        receiver
            .event_names()
            .iter()
            .all(|n| !n.starts_with("CHARGEBACK_"))
    );
}

#[tokio::test]
async fn chargeback_webhooks_go_through_the_webhook_faults() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    create_order(&sim, "ord-cb-dup", "10").await;
    pay(&sim, "ord-cb-dup", json!({"outcome": "charged"})).await;
    webhook_named(&receiver, "ORDER_SUCCEEDED").await;
    sim.handle().add_webhook_fault(WebhookFault {
        kind: WebhookFaultKind::Duplicate,
        times: 1,
    });
    let raised = chargeback(&sim, "ord-cb-dup", json!({"status": "RECEIVED"})).await;
    assert_eq!(raised.status(), 200);
    let twice = || {
        receiver
            .received()
            .iter()
            .filter(|r| r.body["event_name"] == "CHARGEBACK_RECEIVED")
            .map(|r| r.body["id"].clone())
            .collect::<Vec<_>>()
    };
    assert!(eventually(|| twice().len() == 2).await);
    let ids = twice();
    assert_eq!(ids[0], ids[1], "a duplicate keeps its event id");
}

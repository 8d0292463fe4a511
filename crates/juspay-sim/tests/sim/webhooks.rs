//! Webhook delivery (§9): envelope, Basic auth, retries until the first 200.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use serde_json::json;

use crate::support::{Receiver, create_order, eventually, pay, post, start};

#[tokio::test]
async fn a_webhook_answered_500_twice_is_retried_and_stops_at_the_first_200() {
    let receiver = Receiver::start(&[500, 500]).await;
    let sim = start(Some(receiver.url())).await;
    create_order(&sim, "ord-wh", "10").await;
    pay(&sim, "ord-wh", json!({"outcome": "charged"})).await;
    let handle = sim.handle();
    assert!(eventually(|| handle.webhook_attempts().iter().any(|a| a.acknowledged)).await);
    // The delivery ends at the first 200: nothing is left in flight to retry.
    assert!(eventually(|| handle.webhooks_in_flight() == 0).await);
    let attempts = handle.webhook_attempts();
    let statuses: Vec<Option<u16>> = attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(attempts.iter().all(|a| a.event_name == "ORDER_SUCCEEDED"));
    assert!(attempts.windows(2).all(|w| w[0].event_id == w[1].event_id));
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| r.auth_ok));
    let body = &received[2].body;
    assert!(body["id"].as_str().unwrap().starts_with("evt_V2_"));
    assert_eq!(body["event_name"], "ORDER_SUCCEEDED");
    assert_eq!(body["content"]["order"]["order_id"], "ord-wh");
    assert_eq!(body["content"]["order"]["status"], "CHARGED");
    assert!(body["date_created"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn retries_follow_the_documented_schedule_scaled_by_the_time_scale() {
    let receiver = Receiver::start(&[503, 503, 503]).await;
    let sim = start(Some(receiver.url())).await;
    create_order(&sim, "ord-sched", "10").await;
    pay(
        &sim,
        "ord-sched",
        json!({"outcome": "failed", "reason": "DECLINED"}),
    )
    .await;
    let handle = sim.handle();
    assert!(eventually(|| handle.webhook_attempts().len() >= 4).await);
    let at: Vec<u64> = handle
        .webhook_attempts()
        .iter()
        .map(|a| a.elapsed_ms)
        .collect();
    // Gaps of 1 min, 5 min, 5 min at 0.001 scale: 60 ms, 300 ms, 300 ms.
    assert!(at[1] - at[0] >= 60, "{at:?}");
    assert!(at[2] - at[1] >= 300, "{at:?}");
    assert!(at[3] - at[2] >= 300, "{at:?}");
    assert_eq!(receiver.event_names().last().unwrap(), "ORDER_FAILED");
}

#[tokio::test]
async fn an_orders_metadata_webhook_url_overrides_the_configured_one() {
    let configured = Receiver::start(&[]).await;
    let per_order = Receiver::start(&[]).await;
    let sim = start(Some(configured.url())).await;
    let response = post(&sim, "/orders")
        .form(&[
            ("order_id", "ord-override"),
            ("amount", "10"),
            ("metadata.webhook_url", per_order.url().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    pay(&sim, "ord-override", json!({"outcome": "charged"})).await;
    assert!(eventually(|| !per_order.received().is_empty()).await);
    assert!(eventually(|| sim.handle().webhooks_in_flight() == 0).await);
    assert!(configured.received().is_empty());
}

#[tokio::test]
async fn a_pending_payment_sends_txn_created_then_order_succeeded() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    create_order(&sim, "ord-pend", "10").await;
    let paid = pay(&sim, "ord-pend", json!({"outcome": "pending_then_charged"})).await;
    assert_eq!(paid["status"], "PENDING_VBV");
    // Both events are sent independently 10 ms apart, so arrival order is not asserted.
    assert!(eventually(|| receiver.received().len() == 2).await);
    let received = receiver.received();
    let status_of = |name: &str| {
        received
            .iter()
            .find(|r| r.body["event_name"] == name)
            .map(|r| r.body["content"]["order"]["status"].clone())
    };
    assert_eq!(status_of("TXN_CREATED"), Some(json!("PENDING_VBV")));
    assert_eq!(status_of("ORDER_SUCCEEDED"), Some(json!("CHARGED")));
}

#[tokio::test]
async fn a_merchant_on_an_old_webhook_version_gets_no_order_failed_events() {
    let receiver = Receiver::start(&[]).await;
    let sim = juspay_sim::Simulator::start(juspay_sim::SimConfig {
        webhook_version: Some("2016-01-01".to_owned()),
        ..crate::support::config(Some(receiver.url()))
    })
    .await
    .unwrap();
    create_order(&sim, "ord-old-fail", "10").await;
    pay(&sim, "ord-old-fail", json!({"outcome": "failed"})).await;
    create_order(&sim, "ord-old-ok", "10").await;
    pay(&sim, "ord-old-ok", json!({"outcome": "charged"})).await;
    assert!(eventually(|| !receiver.received().is_empty()).await);
    assert!(eventually(|| sim.handle().webhooks_in_flight() == 0).await);
    assert_eq!(receiver.event_names(), ["ORDER_SUCCEEDED"]);
}

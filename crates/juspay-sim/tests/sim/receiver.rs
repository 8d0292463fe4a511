//! The merchant-side receiver of the dashboard's outbound events (`/__sim/receiver`):
//! Standard Webhooks signatures, rotation, and the failure budget.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use juspay_sim::{RunningSimulator, SimConfig, Simulator};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{client, config};

/// `whsec_` and the base64 of the key bytes, as the dashboard mints them.
fn secret(key: &[u8]) -> String {
    format!("whsec_{}", STANDARD.encode(key))
}

/// The `v1,` signature of `{id}.{timestamp}.{body}` under `secret`'s bytes.
fn sign(secret: &str, id: &str, timestamp: &str, body: &str) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

async fn start_with_secret(secret: Option<String>) -> RunningSimulator {
    Simulator::start(SimConfig {
        receiver_secret: secret,
        ..config(None)
    })
    .await
    .unwrap()
}

fn event(event_type: &str) -> String {
    json!({
        "type": event_type,
        "timestamp": "2025-01-01T00:00:00Z",
        "data": {"order_id": "ord-1"},
    })
    .to_string()
}

/// Delivers `body` with the given `webhook-signature` and returns the status answered.
async fn deliver(sim: &RunningSimulator, id: &str, body: &str, signature: &str) -> u16 {
    client()
        .post(format!("{}/__sim/receiver", sim.base_url()))
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", "1735689600")
        .header("webhook-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn received(sim: &RunningSimulator) -> Value {
    let response = client()
        .get(format!("{}/__sim/receiver", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_delivery_signed_with_the_configured_secret_is_answered_204_and_recorded_verified() {
    let key = secret(b"the merchant's endpoint key bytes");
    let sim = start_with_secret(Some(key.clone())).await;
    let body = event("order.succeeded");
    let signature = sign(&key, "msg_good", "1735689600", &body);
    assert_eq!(deliver(&sim, "msg_good", &body, &signature).await, 204);
    let events = sim.handle().received_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id, "msg_good");
    assert_eq!(events[0].event_type, "order.succeeded");
    assert!(events[0].verified);
    assert_eq!(events[0].status, 204);
    let listed = received(&sim).await;
    let listed = &listed["received"][0];
    assert_eq!(listed["id"], "msg_good");
    assert_eq!(listed["type"], "order.succeeded");
    assert_eq!(listed["verified"], true);
    assert_eq!(listed["status"], 204);
    assert!(listed["received_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn a_delivery_signed_with_another_secret_is_answered_400_and_recorded_unverified() {
    let sim = start_with_secret(Some(secret(b"the configured key"))).await;
    let body = event("refund.succeeded");
    let signature = sign(&secret(b"some other key"), "msg_bad", "1735689600", &body);
    assert_eq!(deliver(&sim, "msg_bad", &body, &signature).await, 400);
    let events = sim.handle().received_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id, "msg_bad");
    assert_eq!(events[0].event_type, "refund.succeeded");
    assert!(!events[0].verified);
    assert_eq!(events[0].status, 400);
}

#[tokio::test]
async fn a_delivery_carrying_an_old_and_a_new_signature_verifies_when_either_matches() {
    let configured = secret(b"the key the merchant holds");
    let sim = start_with_secret(Some(configured.clone())).await;
    let body = event("order.failed");
    let rotated_in = sign(
        &secret(b"the newly minted key"),
        "msg_rot",
        "1735689600",
        &body,
    );
    let held = sign(&configured, "msg_rot", "1735689600", &body);
    let header = format!("{rotated_in} {held}");
    assert_eq!(deliver(&sim, "msg_rot", &body, &header).await, 204);
    let events = sim.handle().received_events();
    assert!(events[0].verified);
    assert_eq!(events[0].status, 204);
}

#[tokio::test]
async fn without_a_secret_every_delivery_is_answered_204_and_recorded_unverified() {
    let sim = start_with_secret(None).await;
    assert_eq!(deliver(&sim, "msg_open", "not json", "v1,AAAA").await, 204);
    let events = sim.handle().received_events();
    assert_eq!(events[0].id, "msg_open");
    assert_eq!(events[0].event_type, "");
    assert!(!events[0].verified);
}

#[tokio::test]
async fn a_failure_budget_answers_its_status_that_many_times_then_204() {
    let key = secret(b"budget key");
    let sim = start_with_secret(Some(key.clone())).await;
    let response = client()
        .post(format!("{}/__sim/receiver/fail", sim.base_url()))
        .json(&json!({"count": 2, "status": 503}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let body = event("order.succeeded");
    let signature = sign(&key, "msg_retry", "1735689600", &body);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(deliver(&sim, "msg_retry", &body, &signature).await);
    }
    assert_eq!(statuses, [503, 503, 204]);
    let events = sim.handle().received_events();
    assert_eq!(
        events.iter().map(|e| e.status).collect::<Vec<_>>(),
        [503, 503, 204]
    );
    // A failed answer does not hide that the signature was good.
    assert!(events.iter().all(|e| e.verified));
}

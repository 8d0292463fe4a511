//! The hosted test payment page and its §10-signed redirect.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::support::{
    RESPONSE_KEY, Receiver, client, create_order, eventually, order_status, pay, start,
};

/// `encodeURIComponent`, written independently of the simulator's encoder.
fn encode_uri_component(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The NestJS-style verification of §10: drop the signature fields, sort, join, encode
/// the whole string, HMAC-SHA256 with the response key, base64.
fn expected_signature(query: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "signature" && k != "signature_algorithm")
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let joined = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut mac = Hmac::<Sha256>::new_from_slice(RESPONSE_KEY.as_bytes()).unwrap();
    mac.update(encode_uri_component(&joined).as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn query_of(location: &str) -> Vec<(String, String)> {
    let (_, query) = location.split_once('?').unwrap();
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn value<'a>(query: &'a [(String, String)], key: &str) -> &'a str {
    &query.iter().find(|(k, _)| k == key).unwrap().1
}

#[tokio::test]
async fn the_page_redirects_to_the_return_url_with_a_signature_an_independent_computation_verifies()
{
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let order = create_order(&sim, "ord-page-1", "499.50").await;
    let link = order["payment_links"]["web"].as_str().unwrap();
    let html = client()
        .get(link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"method="post""#));
    assert!(html.contains("3D_SECURE_FAILED"));
    assert!(html.contains("499.50"));
    let response = client()
        .post(link)
        .form(&[("choice", "charged"), ("method", "CARD")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("https://shop.example/return?"));
    let query = query_of(&location);
    assert_eq!(value(&query, "order_id"), "ord-page-1");
    assert_eq!(value(&query, "status"), "CHARGED");
    assert_eq!(value(&query, "status_id"), "21");
    assert_eq!(value(&query, "signature_algorithm"), "HMAC-SHA256");
    assert_eq!(value(&query, "signature"), expected_signature(&query));
    assert!(eventually(|| receiver.event_names() == ["ORDER_SUCCEEDED"]).await);
}

#[tokio::test]
async fn a_failure_picked_on_the_page_redirects_with_the_failed_status_and_a_valid_signature() {
    let sim = start(None).await;
    let order = create_order(&sim, "ord-page-2", "10").await;
    let link = order["payment_links"]["web"].as_str().unwrap();
    let response = client()
        .post(link)
        .form(&[("choice", "3D_SECURE_FAILED"), ("method", "CARD")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let query = query_of(response.headers()["location"].to_str().unwrap());
    assert_eq!(value(&query, "status"), "AUTHENTICATION_FAILED");
    assert_eq!(value(&query, "status_id"), "26");
    assert_eq!(value(&query, "signature"), expected_signature(&query));
    let status = order_status(&sim, "ord-page-2").await;
    assert_eq!(status["bank_error_code"], "3D_SECURE_FAILED");
}

#[tokio::test]
async fn a_tampered_status_no_longer_matches_the_signature() {
    let sim = start(None).await;
    create_order(&sim, "ord-page-3", "10").await;
    let paid = pay(&sim, "ord-page-3", json!({"outcome": "user_aborted"})).await;
    let mut query = query_of(paid["redirect_url"].as_str().unwrap());
    assert_eq!(value(&query, "status"), "AUTHENTICATION_FAILED");
    assert_eq!(value(&query, "signature"), expected_signature(&query));
    for pair in &mut query {
        if pair.0 == "status" {
            "CHARGED".clone_into(&mut pair.1);
        }
    }
    assert_ne!(value(&query, "signature"), expected_signature(&query));
}

#[tokio::test]
async fn pending_then_charged_redirects_as_pending_and_the_order_is_charged_later() {
    let sim = start(None).await;
    let order = create_order(&sim, "ord-page-4", "10").await;
    let link = order["payment_links"]["web"].as_str().unwrap();
    let response = client()
        .post(link)
        .form(&[("choice", "pending_then_charged"), ("method", "UPI")])
        .send()
        .await
        .unwrap();
    let query = query_of(response.headers()["location"].to_str().unwrap());
    assert_eq!(value(&query, "status"), "PENDING_VBV");
    let handle = sim.handle();
    assert!(eventually(|| handle.order("ord-page-4").unwrap()["status"] == "CHARGED").await);
}

#[tokio::test]
async fn an_unknown_choice_on_the_page_is_refused_without_touching_the_order() {
    let sim = start(None).await;
    let order = create_order(&sim, "ord-page-5", "10").await;
    let link = order["payment_links"]["web"].as_str().unwrap();
    let response = client()
        .post(link)
        .form(&[("choice", "MAGIC")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(order_status(&sim, "ord-page-5").await["status"], "NEW");
}

#[tokio::test]
async fn the_control_api_pays_reads_state_and_lists_webhook_attempts() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    create_order(&sim, "ord-ctl", "10").await;
    let outcomes = client()
        .post(format!("{}/__sim/faults/refund-outcomes", sim.base_url()))
        .json(&json!({"outcomes": ["MANUAL_REVIEW"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(outcomes.status(), 204);
    let paid = pay(
        &sim,
        "ord-ctl",
        json!({"outcome": "failed", "reason": "GATEWAY_TIMEOUT", "method": "WALLET"}),
    )
    .await;
    assert_eq!(paid["status"], "AUTHORIZATION_FAILED");
    assert!(
        paid["redirect_url"]
            .as_str()
            .unwrap()
            .contains("status_id=27")
    );
    let state: serde_json::Value = client()
        .get(format!("{}/__sim/orders/ord-ctl", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["bank_error_code"], "GATEWAY_TIMEOUT");
    assert_eq!(state["payment_method_type"], "WALLET");
    assert!(eventually(|| !receiver.received().is_empty()).await);
    let attempts: serde_json::Value = client()
        .get(format!("{}/__sim/webhooks/attempts", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(attempts[0]["event_name"], "ORDER_FAILED");
    assert_eq!(attempts[0]["acknowledged"], true);
    let traffic: serde_json::Value = client()
        .post(format!("{}/__sim/traffic/start", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(traffic["started"], true);
}

#[tokio::test]
async fn a_double_encoding_simulator_wraps_the_signature_twice_and_it_still_verifies() {
    let sim = juspay_sim::Simulator::start(juspay_sim::SimConfig {
        double_encode_signature: true,
        ..crate::support::config(None)
    })
    .await
    .unwrap();
    create_order(&sim, "ord-dbl", "10").await;
    let paid = pay(&sim, "ord-dbl", json!({"outcome": "charged"})).await;
    let url = paid["redirect_url"].as_str().unwrap();
    assert!(url.contains("%25"), "{url}");
    let mut query = query_of(url);
    let once_decoded = value(&query, "signature").to_owned();
    let twice_decoded: String = form_urlencoded::parse(format!("s={once_decoded}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    for pair in &mut query {
        if pair.0 == "signature" {
            pair.1.clone_from(&twice_decoded);
        }
    }
    assert_eq!(value(&query, "signature"), expected_signature(&query));
}

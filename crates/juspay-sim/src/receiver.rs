//! The merchant's receiver of the dashboard's outbound events, for the demo and tests: it
//! takes Standard Webhooks (standardwebhooks.com) deliveries, checks their signatures and
//! keeps what arrived.
//!
//! A delivery carries `webhook-id`, `webhook-timestamp` and `webhook-signature` (one or more
//! space-separated `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, several while a
//! secret is rotated); the HMAC key is the bytes of the configured secret, `whsec_` plus
//! their base64 ([`crate::SimConfig::receiver_secret`]). Routes, under the control API (no
//! API key, never subject to endpoint faults):
//!
//! | Route | Body | Effect |
//! |---|---|---|
//! | `POST /__sim/receiver` | the event, `{"type", "timestamp", "data"}` | records the delivery; 204 when verified or when no secret is configured, 400 when a secret is configured and no signature matches; a failure budget answers its status instead |
//! | `POST /__sim/receiver/fail` | `{"count": n, "status": s}` (`status` defaults to 503) | the next `n` deliveries are answered `s` (replaces any budget left; `count` 0 clears it) |
//! | `GET /__sim/receiver` | — | `{"received": [`[`ReceivedEvent`]`…]}`, oldest first |
//!
//! Invariants: every delivery is recorded, whatever it is answered, and only the last
//! [`MAX_KEPT`] are kept; `verified` is true only when a secret is configured and one listed
//! signature matches it, compared in constant time; the secret is never logged or answered.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::clock;
use crate::error::ApiError;
use crate::server::Shared;

/// Deliveries kept; older ones are dropped first.
pub const MAX_KEPT: usize = 1_000;

/// The prefix of a Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";

/// One delivery as the receiver saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedEvent {
    /// The `webhook-id` header (`msg_…`), empty when absent.
    pub id: String,
    /// The body's `type`, empty when the body is not a JSON object with a string `type`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// A receiver secret is configured and one of the `v1` signatures matches it.
    pub verified: bool,
    /// The HTTP status the receiver answered.
    pub status: u16,
    /// When it arrived, `YYYY-MM-DDTHH:MM:SSZ`.
    pub received_at: String,
}

/// Body of `POST /__sim/receiver/fail`.
#[derive(Debug, Serialize, Deserialize)]
pub struct FailNext {
    /// How many of the next deliveries get `status`; 0 clears the budget.
    pub count: u32,
    /// The status they are answered; 503 when absent.
    #[serde(default = "service_unavailable")]
    pub status: u16,
}

fn service_unavailable() -> u16 {
    503
}

/// How deliveries are checked.
enum Key {
    /// No secret configured: nothing verifies and everything is accepted.
    Open,
    /// The secret's bytes.
    Bytes(Vec<u8>),
    /// A secret is configured but is not base64: nothing verifies, everything is refused.
    Unusable,
}

#[derive(Default)]
struct Log {
    received: VecDeque<ReceivedEvent>,
    /// Deliveries still to fail, and with which status.
    budget: Option<(u32, StatusCode)>,
}

/// The receiver's key, failure budget and log.
pub struct Receiver {
    key: Key,
    log: Mutex<Log>,
}

impl Receiver {
    /// A receiver checking signatures against `secret` (`whsec_` and base64; the prefix is
    /// optional), or accepting everything unverified without one.
    pub fn new(secret: Option<&str>) -> Self {
        let key = match secret {
            None => Key::Open,
            Some(secret) => {
                match STANDARD.decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret)) {
                    Ok(bytes) => Key::Bytes(bytes),
                    Err(_) => {
                        tracing::warn!(
                            "the receiver secret is not `whsec_` and base64; no delivery will verify"
                        );
                        Key::Unusable
                    }
                }
            }
        };
        Self {
            key,
            log: Mutex::new(Log::default()),
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks and records one delivery; returns the status to answer.
    pub fn deliver(&self, headers: &HeaderMap, body: &[u8]) -> StatusCode {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let id = header("webhook-id").unwrap_or_default();
        let verified = match (&self.key, header("webhook-timestamp")) {
            (Key::Bytes(key), Some(timestamp)) => {
                signature_matches(key, id, timestamp, body, header("webhook-signature"))
            }
            _ => false,
        };
        let event_type = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default();
        let mut log = self.log();
        let status = match log.budget.as_mut() {
            Some((left, status)) => {
                let status = *status;
                *left -= 1;
                if *left == 0 {
                    log.budget = None;
                }
                status
            }
            None if verified || matches!(self.key, Key::Open) => StatusCode::NO_CONTENT,
            None => StatusCode::BAD_REQUEST,
        };
        if log.received.len() >= MAX_KEPT {
            log.received.pop_front();
        }
        log.received.push_back(ReceivedEvent {
            id: id.to_owned(),
            event_type,
            verified,
            status: status.as_u16(),
            received_at: clock::now_iso(),
        });
        drop(log);
        tracing::info!(%id, verified, status = status.as_u16(), "receiver got an event");
        status
    }

    /// Answers the next `count` deliveries with `status` (200–599), replacing any budget
    /// left; `count` 0 clears it.
    pub fn fail_next(&self, count: u32, status: u16) -> Result<(), ApiError> {
        let status = StatusCode::from_u16(status)
            .ok()
            .filter(|s| (200..=599).contains(&s.as_u16()))
            .ok_or_else(|| {
                ApiError::bad_request("invalid_status", "status must be between 200 and 599.")
            })?;
        self.log().budget = (count > 0).then_some((count, status));
        Ok(())
    }

    /// Every delivery kept, oldest first.
    pub fn received(&self) -> Vec<ReceivedEvent> {
        self.log().received.iter().cloned().collect()
    }
}

/// Whether one of the header's `v1,` signatures is the HMAC of `{id}.{timestamp}.{body}`
/// under `key`; each candidate is compared in constant time.
fn signature_matches(
    key: &[u8],
    id: &str,
    timestamp: &str,
    body: &[u8],
    header: Option<&str>,
) -> bool {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return false;
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    header
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|signature| signature.strip_prefix("v1,"))
        .filter_map(|signature| STANDARD.decode(signature).ok())
        .any(|signature| mac.clone().verify_slice(&signature).is_ok())
}

/// The receiver routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__sim/receiver", post(receive).get(list))
        .route("/__sim/receiver/fail", post(fail))
}

async fn receive(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    shared.receiver.deliver(&headers, &body)
}

async fn fail(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<FailNext>,
) -> Result<StatusCode, ApiError> {
    shared.receiver.fail_next(body.count, body.status)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({"received": shared.receiver.received()}))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(id: &str, timestamp: &str, signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("webhook-id", id),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", signature),
        ] {
            headers.insert(name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    /// The example of the Standard Webhooks specification: its secret, id, timestamp and
    /// payload verify against its signature.
    #[test]
    fn the_specifications_example_verifies() {
        let receiver = Receiver::new(Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        let headers = headers(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "1614265330",
            "v1,bm9ldHUjKzFob2VudXRob2VodWUzMjRvdWVvdW9ldQo= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        );
        let status = receiver.deliver(&headers, br#"{"test": 2432232314}"#);
        assert_eq!(status, StatusCode::NO_CONTENT);
        let received = receiver.received();
        assert!(received[0].verified);
        assert_eq!(received[0].id, "msg_p5jXN8AQM9LWM0D4loKWxJek");
        assert_eq!(received[0].event_type, "");
    }

    #[test]
    fn a_secret_that_is_not_base64_verifies_nothing_and_refuses_everything() {
        let receiver = Receiver::new(Some("whsec_not base64!"));
        let status = receiver.deliver(&headers("msg_1", "1", "v1,AAAA"), b"{}");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(!receiver.received()[0].verified);
    }

    #[test]
    fn only_the_last_thousand_deliveries_are_kept() {
        let receiver = Receiver::new(None);
        for n in 0..=MAX_KEPT {
            receiver.deliver(&headers(&format!("msg_{n}"), "1", ""), b"{}");
        }
        let received = receiver.received();
        assert_eq!(received.len(), MAX_KEPT);
        assert_eq!(received[0].id, "msg_1");
        assert_eq!(received[MAX_KEPT - 1].id, format!("msg_{MAX_KEPT}"));
    }

    #[test]
    fn a_status_outside_200_to_599_is_refused_as_a_failure_budget() {
        let receiver = Receiver::new(None);
        assert!(receiver.fail_next(1, 101).is_err());
        assert!(receiver.fail_next(1, 600).is_err());
        assert!(receiver.fail_next(1, 500).is_ok());
    }
}

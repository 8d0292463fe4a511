//! Outgoing webhooks (§9). Invariant: every attempt — sent, failed, or dropped by a
//! fault — is appended to the attempt log, and an event is retried on the §9.4 schedule
//! (scaled by the time scale) until the first HTTP 200, never after it. Each attempt
//! has a 10 s timeout (Juspay documents none, Open question 6) and a failed transport
//! counts like a non-200.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use crate::clock;
use crate::faults::WebhookFaultKind;
use crate::server::Shared;
use crate::state::Store;

/// Gaps between attempts after the first, in seconds: +1 min, 2 × 5 min, 5 × 10 min,
/// 5 × 1 h, 3 × 6 h — 16 retries over ~24 h (§9.4, D-WHR).
pub const RETRY_GAPS_SECS: [u64; 16] = [
    60, 300, 300, 600, 600, 600, 600, 600, 3_600, 3_600, 3_600, 3_600, 3_600, 21_600, 21_600,
    21_600,
];

/// Minimum webhook API version per event, where §9.2 documents one.
const MIN_VERSIONS: [(&str, &str); 6] = [
    ("ORDER_FAILED", "2016-07-19"),
    ("TXN_CREATED", "2016-10-27"),
    ("AUTO_REFUND_SUCCEEDED", "2019-11-11"),
    ("AUTO_REFUND_FAILED", "2019-11-11"),
    ("TXN_CHARGED", "2020-10-31"),
    ("TXN_FAILED", "2020-10-31"),
];

/// Whether a merchant on webhook version `version` receives `event_name` (§9.2, §9.4).
pub fn is_sent_to_version(event_name: &str, version: Option<&str>) -> bool {
    let Some(version) = version else {
        return true;
    };
    MIN_VERSIONS
        .iter()
        .find(|(name, _)| *name == event_name)
        .is_none_or(|(_, minimum)| version >= *minimum)
}

/// Gap before the reordered (held) event is sent after the one that overtook it.
const REORDER_GAP: Duration = Duration::from_millis(50);

/// A webhook event in the §9.1 envelope.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    /// `evt_V2_<32 hex>`.
    pub id: String,
    /// A §9.2 name such as `ORDER_SUCCEEDED`.
    pub event_name: String,
    /// ISO creation time.
    pub date_created: String,
    /// `{"order": …}`, `{"mandate": …}` or `{"notification": …}` (§9.1).
    pub content: Value,
    /// The order's `metadata.webhook_url`, overriding the configured URL (§9.3).
    #[serde(skip)]
    pub url_override: Option<String>,
}

impl Event {
    /// A new event with a fresh id.
    pub fn new(
        store: &mut Store,
        name: &str,
        content: Value,
        url_override: Option<String>,
    ) -> Self {
        Self {
            id: format!("evt_V2_{}", store.hex32()),
            event_name: name.to_owned(),
            date_created: clock::now_iso(),
            content,
            url_override,
        }
    }
}

/// One delivery attempt, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WebhookAttempt {
    /// Event id.
    pub event_id: String,
    /// Event name.
    pub event_name: String,
    /// 1-based attempt number for this event (a duplicate delivery counts its own).
    pub attempt: u32,
    /// Target URL.
    pub url: String,
    /// ISO time of the attempt.
    pub at: String,
    /// Milliseconds since the simulator started.
    pub elapsed_ms: u64,
    /// HTTP status answered, if any.
    pub status: Option<u16>,
    /// Transport error or fault description, if no status.
    pub error: Option<String>,
    /// True when the receiver answered 200 (§9.4).
    pub acknowledged: bool,
}

/// Sends events, applying the next webhook fault; returns immediately.
pub fn dispatch(shared: &Arc<Shared>, events: Vec<Event>) {
    for event in events {
        dispatch_one(shared, event);
    }
}

fn dispatch_one(shared: &Arc<Shared>, event: Event) {
    if !is_sent_to_version(&event.event_name, shared.config.webhook_version.as_deref()) {
        return;
    }
    let Some(url) = event.url_override.clone().or_else(|| shared.webhook_url()) else {
        return;
    };
    let fault = shared.faults().take_webhook();
    // A held (reordered) event goes out right after whichever event comes next.
    let held = shared.take_held_event();
    match fault {
        Some(WebhookFaultKind::Drop) => {
            shared.record_attempt(&event, &url, 1, None, Some("dropped by fault injection"));
        }
        Some(WebhookFaultKind::Duplicate) => {
            spawn_delivery(shared, event.clone(), url.clone(), Duration::ZERO, false);
            spawn_delivery(shared, event, url, Duration::ZERO, false);
        }
        Some(WebhookFaultKind::Reorder) => {
            shared.hold_event(event, url);
        }
        Some(WebhookFaultKind::Delay { millis }) => {
            spawn_delivery(shared, event, url, Duration::from_millis(millis), false);
        }
        Some(WebhookFaultKind::WrongCredentials) => {
            spawn_delivery(shared, event, url, Duration::ZERO, true);
        }
        None => spawn_delivery(shared, event, url, Duration::ZERO, false),
    }
    if let Some((held_event, held_url)) = held {
        spawn_delivery(shared, held_event, held_url, REORDER_GAP, false);
    }
}

fn spawn_delivery(
    shared: &Arc<Shared>,
    event: Event,
    url: String,
    initial_delay: Duration,
    wrong_credentials_first: bool,
) {
    let shared = Arc::clone(shared);
    shared.deliveries_in_flight.fetch_add(1, Ordering::SeqCst);
    tokio::spawn(async move {
        let _counted = InFlight(&shared.deliveries_in_flight);
        if !initial_delay.is_zero() && !shared.sleep_real(initial_delay).await {
            return;
        }
        deliver(&shared, &event, &url, wrong_credentials_first).await;
    });
}

/// Counts a delivery task out when it ends, however it ends.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn deliver(shared: &Shared, event: &Event, url: &str, wrong_credentials_first: bool) {
    let body = json!(event);
    let gaps = std::iter::once(0).chain(RETRY_GAPS_SECS);
    for (attempt, gap) in (1_u32..).zip(gaps) {
        if gap > 0 && !shared.sleep_scaled(Duration::from_secs(gap)).await {
            return;
        }
        let password = if wrong_credentials_first && attempt == 1 {
            format!("{}-wrong", shared.config.webhook_password)
        } else {
            shared.config.webhook_password.clone()
        };
        let result = shared
            .http
            .post(url)
            .basic_auth(&shared.config.webhook_username, Some(password))
            .json(&body)
            .send()
            .await;
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                shared.record_attempt(event, url, attempt, Some(status), None);
                if status == 200 {
                    return;
                }
            }
            Err(error) => {
                shared.record_attempt(event, url, attempt, None, Some(&error.to_string()));
            }
        }
    }
    tracing::warn!(event_id = %event.id, "webhook retries exhausted");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_newer_than_the_webhook_version_are_not_sent() {
        assert!(is_sent_to_version("ORDER_FAILED", None));
        assert!(!is_sent_to_version("ORDER_FAILED", Some("2016-01-01")));
        assert!(is_sent_to_version("ORDER_FAILED", Some("2016-07-19")));
        assert!(is_sent_to_version("ORDER_SUCCEEDED", Some("2010-01-01")));
        assert!(!is_sent_to_version("TXN_CREATED", Some("2016-07-19")));
    }
}

//! Fresh webhook events in Juspay's envelope (§9.1): every id is unique across runs and
//! processes (a per-process nonce plus a counter), and every body has about the size of a
//! real order event, so the benchmark and the ceiling write the same bytes.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The stored headers of a delivery, as the app keeps them (credentials replaced).
pub const STORED_HEADERS: &str = r#"{"host":"127.0.0.1:3000","user-agent":"loadgen","content-type":"application/json","authorization":"[Basic credentials: valid]","accept":"*/*","content-length":"400"}"#;

/// One event to send or insert.
#[derive(Debug, Clone)]
pub struct Event {
    /// `evt_V2_<32 hex>`.
    pub id: String,
    /// Merchant order id, distinct per event.
    pub order_id: String,
    /// The JSON envelope.
    pub body: Vec<u8>,
}

/// Hands out events with ids never seen before, from any number of tasks.
#[derive(Debug)]
pub struct EventSource {
    nonce: u64,
    next: AtomicU64,
}

impl EventSource {
    pub fn new() -> Self {
        // Time and pid together differ between any two runs on one machine, so reruns
        // against the same database never collide with earlier events.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let nonce = (nanos as u64) ^ u64::from(std::process::id()).rotate_left(40);
        Self {
            nonce,
            next: AtomicU64::new(0),
        }
    }

    pub fn next_event(&self) -> Event {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("evt_V2_{:016x}{n:016x}", self.nonce);
        let order_id = format!("load-{:x}-{n}", self.nonce);
        let body = format!(
            r#"{{"id":"{id}","event_name":"ORDER_SUCCEEDED","date_created":"2026-11-23T07:00:48Z","content":{{"order":{{"order_id":"{order_id}","id":"ordeh_{n:016x}{nonce:016x}","merchant_id":"load_merchant","status":"CHARGED","status_id":21,"amount":100.0,"currency":"INR","payment_method_type":"CARD","payment_method":"VISA","date_created":"2026-11-23T07:00:40Z"}}}}}}"#,
            nonce = self.nonce,
        );
        Event {
            id,
            order_id,
            body: body.into_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_unique_parseable_and_about_four_hundred_bytes() {
        let source = EventSource::new();
        let a = source.next_event();
        let b = source.next_event();
        assert_ne!(a.id, b.id);
        assert_ne!(a.order_id, b.order_id);
        assert_eq!(a.id.len(), "evt_V2_".len() + 32);
        let parsed: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(parsed["id"], a.id.as_str());
        assert_eq!(parsed["content"]["order"]["order_id"], a.order_id.as_str());
        assert!((350..=450).contains(&a.body.len()), "{}", a.body.len());
    }

    #[test]
    fn two_sources_never_share_ids() {
        let first = EventSource::new().next_event();
        std::thread::sleep(std::time::Duration::from_millis(1));
        assert_ne!(first.id, EventSource::new().next_event().id);
    }
}

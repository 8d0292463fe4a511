//! How many refused deliveries (bad Basic credentials, a wrong JPSL `secureHash`) are stored
//! per client address: the first few each minute are kept as evidence, the rest are only
//! counted, so an anonymous flood can neither evict earlier evidence from the bounded
//! store nor turn every request into a database write.
//!
//! Invariant: memory stays bounded: at most [`MAX_ADDRESSES`] addresses are tracked; when
//! that many are live, refusals from further addresses are counted and not stored.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

/// Addresses tracked at once.
pub const MAX_ADDRESSES: usize = 10_000;
const MINUTE_MS: i64 = 60_000;

/// Per-address budget of stored refusals, shared by every door that refuses deliveries.
#[derive(Debug)]
pub struct RejectionLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (i64, u32)>>,
    unstored: AtomicU64,
}

impl RejectionLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
            unstored: AtomicU64::new(0),
        }
    }

    /// Whether a refusal from `address` at `now` (epoch ms) may be stored; one that may not
    /// is counted in [`RejectionLimiter::unstored`].
    pub fn admit(&self, address: &str, now: i64) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= MAX_ADDRESSES && !windows.contains_key(address) {
            windows.retain(|_, (start, _)| now - *start < MINUTE_MS);
        }
        let admitted = if windows.len() >= MAX_ADDRESSES && !windows.contains_key(address) {
            false
        } else {
            let window = windows.entry(address.to_owned()).or_insert((now, 0));
            if now - window.0 >= MINUTE_MS {
                *window = (now, 0);
            }
            window.1 = window.1.saturating_add(1);
            window.1 <= self.per_minute
        };
        if !admitted {
            self.unstored.fetch_add(1, Ordering::Relaxed);
        }
        admitted
    }

    /// Refusals answered but not stored since start-up.
    pub fn unstored(&self) -> u64 {
        self.unstored.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_stores_its_first_refusals_per_minute_and_the_rest_are_counted() {
        let limiter = RejectionLimiter::new(3);
        let admitted = (0..5).filter(|_| limiter.admit("6.6.6.6", 1_000)).count();
        assert_eq!(admitted, 3);
        assert_eq!(limiter.unstored(), 2);
        assert!(
            limiter.admit("7.7.7.7", 1_000),
            "another address has its own budget"
        );
        assert!(
            limiter.admit("6.6.6.6", 61_000),
            "a new minute, a new budget"
        );
    }

    #[test]
    fn past_the_tracked_addresses_new_ones_are_counted_not_stored() {
        let limiter = RejectionLimiter::new(1);
        for i in 0..MAX_ADDRESSES {
            assert!(limiter.admit(&format!("a{i}"), 0));
        }
        assert!(!limiter.admit("one too many", 1));
        assert!(
            limiter.admit("one too many", MINUTE_MS),
            "old windows are dropped"
        );
    }
}

//! The delivery worker: sends due deliveries to the merchant's endpoints, signed as
//! Standard Webhooks, and decides what follows each attempt. Runs on every instance; the
//! store's leases share the work.
//!
//! Invariants: a delivery's `webhook-id` is its event's, the same on every attempt, so a
//! receiver that deduplicates on it applies each event once whatever we resend; 2xx is
//! success, 410 disables the endpoint, a `webhook-delivery: abort-message` answer stops the
//! retries, `Retry-After` on 429/503 is honoured, and anything else waits for the next
//! step of the schedule until it runs out.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use rand::Rng;
use tokio::{
    sync::{Semaphore, watch},
    task::JoinSet,
};

use crate::{
    clock::now_millis,
    config::OutboundConfig,
    outbound::{
        signing::signature_header,
        store::{AttemptRecord, ClaimedDelivery, Next},
    },
    store::Store,
};

/// How much of an answer the delivery log keeps.
const RESPONSE_KEPT_BYTES: usize = 1024;

/// What an attempt got back: the status and the headers that steer what follows, or no
/// answer at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub status: Option<u16>,
    pub retry_after: Option<Duration>,
    pub abort: bool,
}

/// What follows the attempt numbered `attempt` (1 for the first) that got `answer`, at
/// `now`, with the waits of `schedule` (the first entry is the wait before the first
/// attempt) and `jitter` (0.0 to 1.0) scaling up to a tenth of extra wait.
pub fn decide(attempt: usize, answer: &Answer, schedule: &[u64], now: i64, jitter: f64) -> Next {
    match answer.status {
        Some(status) if (200..300).contains(&status) => return Next::Delivered,
        Some(410) => return Next::EndpointGone,
        _ => {}
    }
    if answer.abort {
        return Next::GiveUp(
            "the receiver asked not to retry (webhook-delivery: abort-message)".into(),
        );
    }
    let Some(wait_seconds) = schedule.get(attempt) else {
        return Next::GiveUp(format!("no answer in 2xx after {attempt} attempts"));
    };
    let wait_ms = i64::try_from(*wait_seconds).unwrap_or(i64::MAX / 4) * 1000;
    let jittered = wait_ms + (wait_ms as f64 * 0.1 * jitter.clamp(0.0, 1.0)) as i64;
    let asked = match answer.status {
        Some(429 | 503) => answer
            .retry_after
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)),
        _ => 0,
    };
    Next::RetryAt(now + jittered.max(asked))
}

/// A token bucket per endpoint: `rate` deliveries a second, a burst of at most `rate`.
#[derive(Debug, Default)]
pub struct RateLimits {
    buckets: HashMap<i64, (f64, i64)>,
}

impl RateLimits {
    /// Takes a slot for `endpoint` at `now` (ms) under `rate` per second: `None` when one
    /// is free, else how long (ms) until one is.
    pub fn take(&mut self, endpoint: i64, rate: i64, now: i64) -> Option<i64> {
        let rate = rate.max(1) as f64;
        let (tokens, at) = self.buckets.entry(endpoint).or_insert((rate, now));
        *tokens = (*tokens + (now - *at).max(0) as f64 * rate / 1000.0).min(rate);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            None
        } else {
            Some(((1.0 - *tokens) * 1000.0 / rate).ceil() as i64)
        }
    }
}

/// Sends due deliveries until told to stop.
#[derive(Clone)]
pub struct Deliverer {
    store: Store,
    client: reqwest::Client,
    config: Arc<OutboundConfig>,
    owner: String,
    limits: Arc<Mutex<RateLimits>>,
}

impl Deliverer {
    pub fn new(store: Store, config: OutboundConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_seconds))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let owner = format!("outbound-{:016x}", rand::thread_rng().r#gen::<u64>());
        Self {
            store,
            client,
            config: Arc::new(config),
            owner,
            limits: Arc::default(),
        }
    }

    /// Sends, checks the failing endpoints now and then, and idles `poll_millis` when
    /// nothing is due.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut last_disable_check = 0;
        loop {
            if *stop.borrow() {
                return;
            }
            let sent = match self.deliver_due().await {
                Ok(sent) => sent,
                Err(e) => {
                    tracing::error!(error = %crate::report::Chain(&e), "outbound delivery pass failed");
                    0
                }
            };
            let now = now_millis();
            if now - last_disable_check > 60_000 {
                last_disable_check = now;
                self.disable_failing(now).await;
            }
            if sent == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(self.config.poll_millis)) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// One pass: claims what is due and sends it, `concurrency` at a time. Returns how many
    /// were sent.
    pub async fn deliver_due(&self) -> Result<usize, crate::StoreError> {
        let lease_ms = self.config.lease_seconds * 1000;
        let limit = i64::try_from(self.config.concurrency).unwrap_or(8);
        let claimed = self
            .store
            .claim_deliveries(&self.owner, now_millis(), lease_ms, limit)
            .await?;
        let count = claimed.len();
        let mut sending = JoinSet::new();
        // At most `per_endpoint_concurrency` in flight to one endpoint: the rest of its
        // claimed deliveries wait for a slot within this pass (they are leased to us).
        let mut slots: HashMap<i64, Arc<Semaphore>> = HashMap::new();
        for delivery in claimed {
            // Over an endpoint's rate: handed back unsent, due when the rate allows, and
            // not counted as an attempt.
            let now = now_millis();
            let wait = delivery.rate_limit.and_then(|rate| {
                self.limits
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take(delivery.endpoint_id, rate, now)
            });
            if let Some(wait) = wait {
                self.store
                    .defer_delivery(delivery.id, &self.owner, now + wait)
                    .await?;
                continue;
            }
            let slot =
                Arc::clone(slots.entry(delivery.endpoint_id).or_insert_with(|| {
                    Arc::new(Semaphore::new(self.config.per_endpoint_concurrency))
                }));
            let this = self.clone();
            sending.spawn(async move {
                let _slot = slot.acquire_owned().await;
                this.send(delivery).await
            });
        }
        while let Some(done) = sending.join_next().await {
            if let Ok(Err(e)) = done {
                tracing::error!(error = %crate::report::Chain(&e), "recording an outbound attempt failed");
            }
        }
        Ok(count)
    }

    async fn send(&self, delivery: ClaimedDelivery) -> Result<(), crate::StoreError> {
        let started = now_millis();
        let timestamp = started / 1000;
        let signature = signature_header(
            delivery.signing_secrets(started),
            &delivery.msg_id,
            timestamp,
            &delivery.payload,
        );
        use tracing::Instrument as _;

        let span = tracing::info_span!(
            "outbound delivery",
            outbound.message = %delivery.msg_id,
            outbound.endpoint = delivery.endpoint_id,
        );
        let mut request = self.client.post(&delivery.url);
        // The receiver (or its proxy) can join the delivery to its trace.
        if let Some(parent) = span.in_scope(juspay::trace_context::current_traceparent) {
            request = request.header(juspay::trace_context::TRACEPARENT, parent);
        }
        let result = request
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header("user-agent", "merchant-dashboard-webhooks/1")
            .body(delivery.payload.clone())
            .send()
            .instrument(span)
            .await;
        let (answer, response, error) = match result {
            Ok(res) => {
                let headers = res.headers();
                let answer = Answer {
                    status: Some(res.status().as_u16()),
                    retry_after: headers
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs),
                    abort: headers
                        .get("webhook-delivery")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("abort-message")),
                };
                let body = res.bytes().await.unwrap_or_default();
                let kept = &body[..body.len().min(RESPONSE_KEPT_BYTES)];
                (
                    answer,
                    Some(String::from_utf8_lossy(kept).into_owned()),
                    None,
                )
            }
            Err(e) => {
                let reason = if e.is_timeout() {
                    "no answer within the timeout".to_owned()
                } else if e.is_connect() {
                    "could not connect".to_owned()
                } else {
                    "the request failed".to_owned()
                };
                (Answer::default(), None, Some(reason))
            }
        };
        let at = now_millis();
        let attempt = usize::try_from(delivery.attempts).unwrap_or(0) + 1;
        let jitter = rand::thread_rng().r#gen::<f64>();
        let next = decide(
            attempt,
            &answer,
            &self.config.retry_schedule_seconds,
            at,
            jitter,
        );
        crate::telemetry::record_outbound_attempt(
            match answer.status {
                Some(200..=299) => "delivered",
                Some(_) => "refused",
                None => "failed",
            },
            (at - started).max(0) as f64 / 1000.0,
        );
        let record = AttemptRecord {
            at,
            status: answer.status,
            latency_ms: at - started,
            response,
            error,
            next,
        };
        self.store
            .record_attempt(&delivery, &self.owner, &record)
            .await
    }

    async fn disable_failing(&self, now: i64) {
        let cutoff = now - self.config.disable_after_days * 86_400_000;
        match self.store.disable_failing_endpoints(cutoff).await {
            Ok(urls) => {
                for url in urls {
                    tracing::warn!(%url, "outbound endpoint disabled after failing for days");
                }
            }
            Err(e) => {
                tracing::error!(error = %crate::report::Chain(&e), "checking failing endpoints failed")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVIX: [u64; 8] = [0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000];

    fn failed(status: u16) -> Answer {
        Answer {
            status: Some(status),
            ..Answer::default()
        }
    }

    #[test]
    fn failures_wait_for_each_step_of_the_schedule_then_give_up() {
        let now = 1_000_000;
        let waits: Vec<i64> = (1..SVIX.len())
            .map(
                |attempt| match decide(attempt, &failed(500), &SVIX, now, 0.0) {
                    Next::RetryAt(at) => (at - now) / 1000,
                    other => panic!("attempt {attempt}: {other:?}"),
                },
            )
            .collect();
        assert_eq!(waits, [5, 300, 1800, 7200, 18_000, 36_000, 36_000]);
        assert!(matches!(
            decide(8, &failed(500), &SVIX, now, 0.0),
            Next::GiveUp(_)
        ));
        assert!(matches!(
            decide(1, &Answer::default(), &SVIX, now, 0.0),
            Next::RetryAt(_)
        ));
    }

    #[test]
    fn a_rate_limit_allows_a_burst_of_its_rate_then_one_slot_per_share_of_a_second() {
        let mut limits = RateLimits::default();
        assert_eq!(limits.take(1, 2, 0), None);
        assert_eq!(limits.take(1, 2, 0), None);
        assert_eq!(
            limits.take(1, 2, 0),
            Some(500),
            "the third waits half a second"
        );
        assert_eq!(
            limits.take(2, 2, 0),
            None,
            "each endpoint has its own bucket"
        );
        assert_eq!(limits.take(1, 2, 499), Some(2));
        assert_eq!(limits.take(1, 2, 501), None);
    }

    #[test]
    fn jitter_adds_at_most_a_tenth() {
        let Next::RetryAt(at) = decide(2, &failed(500), &SVIX, 0, 1.0) else {
            panic!("a retry");
        };
        assert_eq!(at, 330_000);
    }

    #[test]
    fn success_gone_abort_and_retry_after_steer_what_follows() {
        assert_eq!(decide(1, &failed(204), &SVIX, 0, 0.0), Next::Delivered);
        assert_eq!(decide(1, &failed(410), &SVIX, 0, 0.0), Next::EndpointGone);
        let abort = Answer {
            status: Some(500),
            abort: true,
            ..Answer::default()
        };
        assert!(matches!(decide(1, &abort, &SVIX, 0, 0.0), Next::GiveUp(_)));
        let busy = Answer {
            status: Some(429),
            retry_after: Some(Duration::from_secs(120)),
            abort: false,
        };
        assert_eq!(decide(1, &busy, &SVIX, 0, 0.0), Next::RetryAt(120_000));
        let redirect = failed(301);
        assert_eq!(decide(1, &redirect, &SVIX, 0, 0.0), Next::RetryAt(5_000));
    }
}

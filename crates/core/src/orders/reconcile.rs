//! The reconciler (step 3 of the data flow): webhooks get lost, so every instance polls
//! Juspay's Order Status API for orders whose outcome we do not know yet, and applies the
//! answer through the order-snapshot function like any other report.
//!
//! Invariants: an order is polled by one instance at a time (a lease in the database,
//! taken atomically, released after the check, expiring if an instance dies); checks back
//! off from `first_check_seconds` doubling up to `max_interval_minutes`; a timeout, 5xx or
//! 429 is retried on the schedule (429 no sooner than its `Retry-After`); a 4xx is not
//! retried early but noted on the order's timeline; an order unresolved after
//! `stale_after_hours` is marked stale and left for a person. At most `concurrency` calls
//! to Juspay are in flight per instance.

use dashboard_status::Outcome;
use std::{sync::Arc, time::Duration};

use juspay::{JuspayClient, JuspayError, OrderStatusOptions};
use tokio::{
    sync::{Semaphore, watch},
    task::JoinSet,
};

use crate::{
    clock::now_millis,
    config::ReconcilerConfig,
    orders::{leases::LeasedOrder, snapshot::OrderReport, timeline::ReportContext},
    report::Chain,
    reports::Via,
    store::{Store, StoreError},
};

use dashboard_status::Stage;

/// How long the reconciler sleeps when no order is due.
const IDLE_POLL: Duration = Duration::from_secs(2);

/// What one check did, for tests and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckResult {
    /// Juspay answered; the snapshot's outcome (`applied`, `duplicate`, …).
    Answered(Outcome),
    /// Juspay does not know the order (404).
    NotFound,
    /// Juspay refused the request (other 4xx); not retried early.
    Refused(u16),
    /// Timeout, transport failure, 5xx or 429; retried on the schedule.
    Transient,
}

#[derive(Clone)]
pub struct Reconciler {
    store: Store,
    client: Arc<JuspayClient>,
    config: ReconcilerConfig,
    /// Names this instance's leases.
    owner: String,
}

impl Reconciler {
    pub fn new(store: Store, client: Arc<JuspayClient>, config: ReconcilerConfig) -> Self {
        let owner = format!("instance-{:016x}", rand::random::<u64>());
        Self {
            store,
            client,
            config,
            owner,
        }
    }

    /// Checks due orders until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            match self.check_due().await {
                Ok(results) if !results.is_empty() => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %Chain(&e), "reconciler pass failed"),
            }
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(IDLE_POLL) => {},
            }
        }
    }

    /// Resends refunds whose outcome is unknown, then leases the due orders and checks
    /// them, `concurrency` at a time.
    pub async fn check_due(&self) -> Result<Vec<(String, CheckResult)>, StoreError> {
        crate::refunds::actions::resend_unknown_refunds(
            &self.store,
            &self.client,
            self.config.first_check_seconds * 1000,
        )
        .await?;
        let now = now_millis();
        let leased = self
            .store
            .lease_due_orders(
                &self.owner,
                now,
                self.config.lease_seconds * 1000,
                self.config.batch,
            )
            .await?;
        let permits = Arc::new(Semaphore::new(self.config.concurrency));
        let mut checks = JoinSet::new();
        for order in leased {
            let reconciler = self.clone();
            let permits = permits.clone();
            checks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let id = order.order_id.clone();
                (id, reconciler.check(order).await)
            });
        }
        let mut results = Vec::new();
        while let Some(joined) = checks.join_next().await {
            match joined {
                Ok((id, Ok(result))) => results.push((id, result)),
                Ok((id, Err(e))) => {
                    tracing::warn!(order_id = %id, error = %Chain(&e), "order check failed")
                }
                Err(e) => tracing::error!(error = %Chain(&e), "order check panicked"),
            }
        }
        Ok(results)
    }

    /// Asks Juspay for one leased order and records the answer and the next check.
    async fn check(&self, order: LeasedOrder) -> Result<CheckResult, StoreError> {
        let answer = self
            .client
            .get_order(&order.order_id, &OrderStatusOptions::default())
            .await;
        let now = now_millis();
        let first_check_ms = self.config.first_check_seconds * 1000;
        let ctx = ReportContext {
            via: Some(Via::Poll),
            at: now,
            first_check_ms,
            ..ReportContext::default()
        };
        let mut next = now + backoff_ms(&self.config, order.check_count);
        let stale =
            (now - order.created_at > self.config.stale_after_hours * 3_600_000).then_some(now);
        let mut tx = self.store.begin().await?;
        let result = match answer {
            Ok(juspay_order) => match OrderReport::from_order(&juspay_order) {
                Ok(Some(report)) if report.order_id == order.order_id => {
                    match tx.apply_order_report(&report, &ctx).await? {
                        Ok(applied) => CheckResult::Answered(applied.effect.outcome()),
                        Err(e) => {
                            tx.note_order_event(
                                &order.order_id,
                                &ctx,
                                Outcome::Invalid.as_str(),
                                &e.to_string(),
                            )
                            .await?;
                            CheckResult::Answered(Outcome::Invalid)
                        }
                    }
                }
                Err(e) => {
                    tx.note_order_event(
                        &order.order_id,
                        &ctx,
                        Outcome::ParseError.as_str(),
                        &format!("Juspay's answer cannot be read: {e}"),
                    )
                    .await?;
                    CheckResult::Answered(Outcome::ParseError)
                }
                Ok(_) => {
                    tx.note_order_event(
                        &order.order_id,
                        &ctx,
                        Outcome::Invalid.as_str(),
                        "Juspay's answer names another order or none",
                    )
                    .await?;
                    CheckResult::Answered(Outcome::Invalid)
                }
            },
            Err(JuspayError::NotFound(_)) => {
                tx.note_order_event(
                    &order.order_id,
                    &ctx,
                    "not_found",
                    "Juspay does not know this order (yet)",
                )
                .await?;
                CheckResult::NotFound
            }
            Err(e) if e.is_retryable() => {
                if let Some(wait) = e.retry_after() {
                    let wait = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
                    next = next.max(now.saturating_add(wait));
                }
                tracing::warn!(order_id = %order.order_id, error = %Chain(&e), "order status check failed; will retry");
                CheckResult::Transient
            }
            Err(e) => {
                let status = e.http_status().unwrap_or(0);
                tracing::warn!(order_id = %order.order_id, error = %Chain(&e), "Juspay refused the order status request");
                tx.note_order_event(
                    &order.order_id,
                    &ctx,
                    "refused",
                    &format!("Juspay refused the status request (HTTP {status})"),
                )
                .await?;
                CheckResult::Refused(status)
            }
        };
        // Poll on while the outcome is open: the order unsettled or a refund pending.
        let settled = match tx.load_order(&order.order_id).await? {
            Some(row) => Stage::of(&juspay::OrderStatus::from(row.status.as_str()))
                .is_some_and(Stage::is_terminal),
            None => true,
        };
        let open = !settled || tx.has_open_refunds(&order.order_id).await?;
        let next = (open && stale.is_none()).then_some(next);
        tx.finish_order_check(&order.order_id, &self.owner, next, stale)
            .await?;
        tx.commit().await?;
        crate::telemetry::record_reconciler_check(match &result {
            CheckResult::Answered(outcome) if *outcome == Outcome::Applied => "applied",
            CheckResult::Answered(outcome) if *outcome == Outcome::Duplicate => "unchanged",
            CheckResult::Answered(_) => "answered_other",
            CheckResult::NotFound => "not_found",
            CheckResult::Refused(_) => "refused",
            CheckResult::Transient => "transient",
        });
        Ok(result)
    }
}

/// Wait after the `checks_done`-th check: doubling from the first wait, capped.
fn backoff_ms(config: &ReconcilerConfig, checks_done: i64) -> i64 {
    let first = config.first_check_seconds * 1000;
    let cap = config.max_interval_minutes * 60_000;
    let exponent = u32::try_from(checks_done.clamp(0, 30)).unwrap_or(30);
    first
        .saturating_mul(2_i64.saturating_pow(exponent))
        .min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_back_off_by_doubling_up_to_the_cap() {
        let config = ReconcilerConfig {
            enabled: true,
            first_check_seconds: 10,
            max_interval_minutes: 2,
            stale_after_hours: 24,
            concurrency: 2,
            lease_seconds: 60,
            batch: 10,
        };
        let waits: Vec<i64> = (0..6).map(|n| backoff_ms(&config, n) / 1000).collect();
        assert_eq!(waits, [10, 20, 40, 80, 120, 120]);
    }
}

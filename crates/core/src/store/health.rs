//! Health figures for a time window (seed 003 "monitor"): payment success rate overall and
//! by method type, method, gateway and error code; payment latency and webhook lag
//! percentiles; webhook delivery counts; the reconciliation gap per day.
//!
//! Invariants: every figure is computed from rows inside the window through covering
//! indexes (`orders_outcomes`, `orders_gap`, `webhook_events_delivery`, migration 0004), so
//! the cost follows the window's rows and never the table's size; a success rate counts
//! only orders that reached an outcome (paid or failed) — pending orders are neither.

use serde::{Deserialize, Serialize};

use super::{Store, StoreError, on_pool};

/// One line of a success-rate breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateRow {
    /// `method_type`, `method`, `gateway` or `error_code`.
    pub dimension: String,
    pub key: String,
    pub attempts: i64,
    pub succeeded: i64,
}

impl RateRow {
    /// Share of attempts that succeeded, 0–1.
    pub fn rate(&self) -> f64 {
        if self.attempts == 0 {
            0.0
        } else {
            self.succeeded as f64 / self.attempts as f64
        }
    }
}

/// p50 / p95 / p99 in milliseconds, with the sample size.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50: Option<i64>,
    pub p95: Option<i64>,
    pub p99: Option<i64>,
}

impl Percentiles {
    /// Nearest-rank percentiles of `samples`.
    pub fn of(mut samples: Vec<i64>) -> Self {
        samples.sort_unstable();
        let pick = |p: f64| {
            (!samples.is_empty()).then(|| {
                let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
                samples[rank - 1]
            })
        };
        Self {
            count: samples.len(),
            p50: pick(0.50),
            p95: pick(0.95),
            p99: pick(0.99),
        }
    }
}

/// Webhook delivery in the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Delivery {
    pub received: i64,
    pub authenticated: i64,
    pub rejected: i64,
    pub duplicates: i64,
    pub processed: i64,
    pub failed: i64,
}

/// Orders whose payment we learned of by polling (a missed webhook) and stale orders, per
/// UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct GapDay {
    /// Epoch ms of the day's start, UTC.
    pub day: i64,
    pub learned_by_poll: i64,
    /// Paid at Juspay but not here: the amount or currency did not match ours.
    pub flagged: i64,
    pub stale: i64,
}

/// Outcomes in one slice of the window (an hour or a day): the success rate over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct RatePoint {
    /// Epoch ms of the slice's start, UTC.
    pub at: i64,
    pub attempts: i64,
    pub succeeded: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub from: i64,
    pub until: i64,
    pub overall: RateRow,
    pub breakdown: Vec<RateRow>,
    /// Outcomes per `slice_ms` from `from`, oldest first; empty slices left out.
    pub over_time: Vec<RatePoint>,
    pub slice_ms: i64,
    pub payment_latency: Percentiles,
    pub webhook_lag: Percentiles,
    pub delivery: Delivery,
    pub gap: Vec<GapDay>,
    /// Orders still pending that were created in the window.
    pub pending: i64,
}

const PAID: &str = "('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED')";
const FAILED: &str = "('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED', \
     'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED')";

/// Payment outcome breakdown dimensions and their `orders` column.
const DIMENSIONS: [(&str, &str); 4] = [
    ("method_type", "payment_method_type"),
    ("method", "payment_method"),
    ("gateway", "gateway"),
    ("error_code", "error_code"),
];

/// An hour for windows up to two days, else a day: at most 48 hourly or 92 daily points.
pub fn slice_for(span_ms: i64) -> i64 {
    if span_ms <= 2 * 86_400_000 {
        3_600_000
    } else {
        86_400_000
    }
}

impl Store {
    /// Success rate by method type, method, gateway and error code for payments that
    /// reached an outcome in `[from, until)`, largest first, at most 50 keys each.
    pub async fn outcome_breakdown(
        &self,
        from: i64,
        until: i64,
    ) -> Result<Vec<RateRow>, StoreError> {
        let mut breakdown = Vec::new();
        for (dimension, column) in DIMENSIONS {
            let sql = format!(
                "SELECT COALESCE({column}, '(none)') AS key, COUNT(*) AS attempts, \
                 CAST(COALESCE(SUM(CASE WHEN status IN {PAID} THEN 1 ELSE 0 END), 0) AS BIGINT) AS succeeded \
                 FROM orders WHERE terminal_at >= $1 AND terminal_at < $2 \
                 AND (status IN {PAID} OR status IN {FAILED}) \
                 GROUP BY COALESCE({column}, '(none)') ORDER BY attempts DESC LIMIT 50"
            );
            let rows: Vec<(String, i64, i64)> = on_pool!(self, p => sqlx::query_as(&sql)
                .bind(from).bind(until).fetch_all(p).await)?;
            breakdown.extend(rows.into_iter().map(|(key, attempts, succeeded)| RateRow {
                dimension: dimension.to_owned(),
                key,
                attempts,
                succeeded,
            }));
        }
        Ok(breakdown)
    }

    /// Every health figure for orders and webhooks in `[from, until)` (epoch ms).
    pub async fn health(&self, from: i64, until: i64) -> Result<Health, StoreError> {
        let breakdown = self.outcome_breakdown(from, until).await?;
        let overall = overall_of(&breakdown);
        let slice_ms = slice_for(until - from);
        let over_time: Vec<RatePoint> = on_pool!(self, p => sqlx::query_as(&format!(
            "SELECT $1 + ((terminal_at - $1) / $3) * $3 AS at, COUNT(*) AS attempts, \
             CAST(COALESCE(SUM(CASE WHEN status IN {PAID} THEN 1 ELSE 0 END), 0) AS BIGINT) AS succeeded \
             FROM orders WHERE terminal_at >= $1 AND terminal_at < $2 \
             AND (status IN {PAID} OR status IN {FAILED}) \
             GROUP BY 1 ORDER BY 1"))
            .bind(from).bind(until).bind(slice_ms).fetch_all(p).await)?;
        let latencies: Vec<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT terminal_at - COALESCE(juspay_created_at, created_at) FROM orders \
             WHERE terminal_at >= $1 AND terminal_at < $2")
            .bind(from).bind(until).fetch_all(p).await)?;
        let lags: Vec<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT lag_ms FROM webhook_events WHERE received_at >= $1 AND received_at < $2 \
             AND lag_ms IS NOT NULL")
            .bind(from).bind(until).fetch_all(p).await)?;
        let delivery: Delivery = on_pool!(self, p => sqlx::query_as(
            "SELECT COUNT(*) AS received, \
             CAST(COALESCE(SUM(CASE WHEN auth_verdict = 'valid' THEN 1 ELSE 0 END), 0) AS BIGINT) AS authenticated, \
             CAST(COALESCE(SUM(CASE WHEN auth_verdict = 'rejected' THEN 1 ELSE 0 END), 0) AS BIGINT) AS rejected, \
             CAST(COALESCE(SUM(duplicate_count), 0) AS BIGINT) AS duplicates, \
             CAST(COALESCE(SUM(CASE WHEN auth_verdict = 'valid' AND outcome <> 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT) AS processed, \
             CAST(COALESCE(SUM(CASE WHEN outcome IN ('failed', 'invalid', 'parse_error') THEN 1 ELSE 0 END), 0) AS BIGINT) AS failed \
             FROM webhook_events WHERE received_at >= $1 AND received_at < $2")
            .bind(from).bind(until).fetch_one(p).await)
        .map(|d: Delivery| d)?;
        let gap: Vec<GapDay> = on_pool!(self, p => sqlx::query_as(
            "SELECT (created_at / 86400000) * 86400000 AS day, \
             CAST(COALESCE(SUM(CASE WHEN paid_via = 'poll' THEN 1 ELSE 0 END), 0) AS BIGINT) AS learned_by_poll, \
             CAST(COALESCE(SUM(CASE WHEN amount_mismatch IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS flagged, \
             CAST(COALESCE(SUM(CASE WHEN stale_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS stale \
             FROM orders WHERE created_at >= $1 AND created_at < $2 \
             GROUP BY (created_at / 86400000) * 86400000 ORDER BY day")
            .bind(from).bind(until).fetch_all(p).await)?;
        let pending: i64 = on_pool!(self, p => sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE created_at >= $1 AND created_at < $2 \
             AND terminal_at IS NULL AND status NOT IN {PAID}"))
            .bind(from).bind(until).fetch_one(p).await)?;
        Ok(Health {
            from,
            until,
            overall,
            breakdown,
            over_time,
            slice_ms,
            payment_latency: Percentiles::of(latencies),
            webhook_lag: Percentiles::of(lags),
            delivery,
            gap,
            pending,
        })
    }
}

/// All outcomes: the sum over one dimension (every outcome has exactly one method type
/// key, `(none)` included).
pub fn overall_of(breakdown: &[RateRow]) -> RateRow {
    breakdown
        .iter()
        .filter(|r| r.dimension == "method_type")
        .fold(
            RateRow {
                dimension: "overall".to_owned(),
                key: "all".to_owned(),
                attempts: 0,
                succeeded: 0,
            },
            |mut acc, r| {
                acc.attempts += r.attempts;
                acc.succeeded += r.succeeded;
                acc
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::orders::OrderRow;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let p = Percentiles::of((1..=100).collect());
        assert_eq!(
            (p.p50, p.p95, p.p99, p.count),
            (Some(50), Some(95), Some(99), 100)
        );
        assert_eq!(Percentiles::of(vec![]).p50, None);
        assert_eq!(Percentiles::of(vec![7]).p99, Some(7));
    }

    fn order(
        id: &str,
        status: &str,
        gateway: &str,
        created: i64,
        terminal: Option<i64>,
    ) -> OrderRow {
        OrderRow {
            order_id: id.into(),
            source: "juspay".into(),
            status: status.into(),
            amount: 100,
            currency: "INR".into(),
            udfs: "{}".into(),
            gateway: Some(gateway.into()),
            payment_method_type: Some("CARD".into()),
            created_at: created,
            updated_at: created,
            terminal_at: terminal,
            ..OrderRow::default()
        }
    }

    crate::test_on_both_backends! {
        async fn success_rates_latency_and_gap_come_out_as_known(db) {
            let store = db.store();
            let rows = vec![
                order("a", "CHARGED", "RAZORPAY", 1_000, Some(2_000)),
                order("b", "CHARGED", "RAZORPAY", 1_000, Some(3_000)),
                order("c", "AUTHORIZATION_FAILED", "RAZORPAY", 1_000, Some(5_000)),
                order("d", "CHARGED", "PAYU", 1_000, Some(11_000)),
                OrderRow {
                    amount_mismatch: Some("Juspay reported 200 INR".into()),
                    ..order("e", "PENDING_VBV", "PAYU", 1_000, None)
                },
                order("f", "CHARGED", "PAYU", 1_000, Some(999_999_999)),
            ];
            for row in &rows {
                let mut tx = store.begin().await.unwrap();
                tx.insert_order_for_test(row).await.unwrap();
                tx.commit().await.unwrap();
            }
            let health = store.health(0, 100_000).await.unwrap();
            assert_eq!((health.overall.attempts, health.overall.succeeded), (4, 3));
            let razorpay = health
                .breakdown
                .iter()
                .find(|r| r.dimension == "gateway" && r.key == "RAZORPAY")
                .unwrap();
            assert_eq!((razorpay.attempts, razorpay.succeeded), (3, 2));
            assert!((razorpay.rate() - 2.0 / 3.0).abs() < 1e-9);
            assert_eq!(health.payment_latency.count, 4);
            assert_eq!(health.payment_latency.p50, Some(2_000), "1s, 2s, 4s, 10s: median by rank");
            assert_eq!(health.payment_latency.p99, Some(10_000));
            assert_eq!(health.pending, 1);
            assert_eq!(
                health.over_time,
                vec![RatePoint { at: 0, attempts: 4, succeeded: 3 }],
                "a 100 s window is one hourly slice"
            );
            assert_eq!(
                health.gap,
                vec![GapDay { day: 0, learned_by_poll: 0, flagged: 1, stale: 0 }]
            );
        }
    }
}

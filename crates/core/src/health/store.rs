//! Health figures for a time window: payment success rate overall and
//! by method type, method, gateway and error code; payment latency and webhook lag
//! percentiles; webhook delivery counts; the reconciliation gap per day.
//!
//! Invariants: the whole UTC hours of a window are read from the hourly roll-ups that
//! triggers keep exact (migration 0006), only its partial edge hours from the orders through
//! covering indexes (migration 0004), so a week costs ~170 rows per figure whatever the
//! table's size; rates and counts are exact either way, latency percentiles are exact up to
//! [`EXACT_LATENCY_LIMIT`] outcomes and within 5 % beyond. A success rate counts only orders
//! that reached an outcome (paid or failed) — pending orders are neither.

use dashboard_status::{AuthVerdict, OrderGroup, OrderStatus, Outcome};
use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError, on_pool, sql_list};

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
    /// Read from the hourly histogram (within 5 %) rather than from every sample.
    #[serde(default)]
    pub approximate: bool,
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
            approximate: false,
        }
    }

    /// Nearest-rank percentiles of a histogram of `(bucket lower bound, samples)`, each
    /// reported as the middle of its bucket.
    fn of_histogram(mut buckets: Vec<(i64, i64)>) -> Self {
        buckets.sort_unstable();
        let count: i64 = buckets.iter().map(|(_, n)| n).sum();
        let pick = |p: f64| {
            let rank = ((p * count as f64).ceil() as i64).clamp(1, count.max(1));
            let mut seen = 0;
            buckets.iter().find_map(|&(lower, n)| {
                seen += n;
                (seen >= rank).then(|| {
                    let upper = bucket_lowers()
                        .get(bucket_lowers().partition_point(|&l| l <= lower))
                        .copied()
                        .unwrap_or(lower + 1);
                    lower + (upper - lower - 1) / 2
                })
            })
        };
        Self {
            count: count as usize,
            p50: pick(0.50),
            p95: pick(0.95),
            p99: pick(0.99),
            approximate: true,
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
    /// Outcomes per UTC-aligned `slice_ms`, oldest first; empty slices left out.
    pub over_time: Vec<RatePoint>,
    /// The same per payment method type, for the [`SERIES`] types with most outcomes.
    pub over_time_by_method: Vec<(String, Vec<RatePoint>)>,
    pub slice_ms: i64,
    pub payment_latency: Percentiles,
    pub webhook_lag: Percentiles,
    pub delivery: Delivery,
    pub gap: Vec<GapDay>,
    /// Orders still pending that were created in the window.
    pub pending: i64,
}

/// The statuses that count as a successful payment, as an SQL list. Paid and Failed
/// orders are the outcomes of the success rate; migration 0006's triggers name the same
/// lists, which a test checks against [`OrderGroup`].
fn paid_sql() -> String {
    sql_list(OrderGroup::Paid.statuses().map(OrderStatus::as_str))
}

/// Payment outcome breakdown dimensions and their `orders` column.
const DIMENSIONS: [(&str, &str); 4] = [
    ("method_type", "payment_method_type"),
    ("method", "payment_method"),
    ("gateway", "gateway"),
    ("error_code", "error_code"),
];

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// Up to this many outcomes in a window, latency percentiles are exact (every sample read
/// and sorted); above it they come from the hourly histogram, within 5 %.
const EXACT_LATENCY_LIMIT: usize = 20_000;

/// An hour for windows up to two days, else a day: at most 48 hourly or 92 daily points.
fn slice_for(span_ms: i64) -> i64 {
    if span_ms <= 2 * DAY_MS {
        HOUR_MS
    } else {
        DAY_MS
    }
}

/// A window cut at whole UTC hours: the whole hours inside it are read from the hourly
/// roll-ups of migration 0006, the partial hours at its edges from the orders themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Split {
    edges: Vec<(i64, i64)>,
    hours: Option<(i64, i64)>,
}

fn split_window(from: i64, until: i64) -> Split {
    let first = from.div_euclid(HOUR_MS) * HOUR_MS
        + if from.rem_euclid(HOUR_MS) == 0 {
            0
        } else {
            HOUR_MS
        };
    let last = until.div_euclid(HOUR_MS) * HOUR_MS;
    if first >= last {
        return Split {
            edges: vec![(from, until)],
            hours: None,
        };
    }
    let edges = [(from, first), (last, until)]
        .into_iter()
        .filter(|(a, b)| a < b)
        .collect();
    Split {
        edges,
        hours: Some((first, last)),
    }
}

/// Lower bounds (ms) of the latency histogram's buckets, as migration 0006 fills
/// `latency_buckets`: 1 ms wide up to 20 ms, then each the previous plus a twentieth.
fn bucket_lowers() -> &'static [i64] {
    static LOWERS: std::sync::OnceLock<Vec<i64>> = std::sync::OnceLock::new();
    LOWERS.get_or_init(|| {
        let mut lowers = vec![0];
        let mut lower = 0_i64;
        while lower < 2_592_000_000 {
            lower += if lower < 20 { 1 } else { lower / 20 };
            lowers.push(lower);
        }
        lowers
    })
}

/// The lower bound of the bucket holding `ms` (a negative latency counts in bucket 0).
fn bucket_of(ms: i64) -> i64 {
    let lowers = bucket_lowers();
    lowers[lowers.partition_point(|&l| l <= ms).max(1) - 1]
}

/// One terminal order read from the orders (an edge of a window).
#[derive(sqlx::FromRow)]
struct OutcomeRow {
    terminal_at: i64,
    status: OrderStatus,
    payment_method_type: Option<String>,
    payment_method: Option<String>,
    gateway: Option<String>,
    error_code: Option<String>,
    latency: i64,
}

/// Orders created in one hour: the gap counts and those still pending.
#[derive(sqlx::FromRow)]
struct CreatedHour {
    hour: i64,
    learned_by_poll: i64,
    flagged: i64,
    stale: i64,
    pending: i64,
}

/// The success rates, success over time and payment latency of one window.
struct Outcomes {
    breakdown: Vec<RateRow>,
    over_time: Vec<RatePoint>,
    over_time_by_method: Vec<(String, Vec<RatePoint>)>,
    latency: Percentiles,
}

/// Attempts and successes per key, summed over the window's edges and hours.
#[derive(Default)]
struct Tally {
    rates: std::collections::BTreeMap<(usize, String), (i64, i64)>,
    slices: std::collections::BTreeMap<i64, (i64, i64)>,
    by_method: std::collections::BTreeMap<String, std::collections::BTreeMap<i64, (i64, i64)>>,
}

/// Method types drawn as their own line on the success-rate chart, most outcomes first.
pub const SERIES: usize = 4;

/// A slice map as points, oldest first, empty slices left out.
fn points_of(slices: &std::collections::BTreeMap<i64, (i64, i64)>) -> Vec<RatePoint> {
    slices
        .iter()
        .filter(|(_, (attempts, _))| *attempts > 0)
        .map(|(at, (attempts, succeeded))| RatePoint {
            at: *at,
            attempts: *attempts,
            succeeded: *succeeded,
        })
        .collect()
}

impl Tally {
    fn add_rate(&mut self, dimension: usize, key: String, attempts: i64, succeeded: i64) {
        let entry = self.rates.entry((dimension, key)).or_default();
        entry.0 += attempts;
        entry.1 += succeeded;
    }

    fn add_slice(&mut self, at: i64, method_type: String, attempts: i64, succeeded: i64) {
        let entry = self.slices.entry(at).or_default();
        entry.0 += attempts;
        entry.1 += succeeded;
        let entry = self
            .by_method
            .entry(method_type)
            .or_default()
            .entry(at)
            .or_default();
        entry.0 += attempts;
        entry.1 += succeeded;
    }

    /// Per dimension (in [`DIMENSIONS`] order), the 50 keys with most attempts.
    fn breakdown(&self) -> Vec<RateRow> {
        let mut breakdown = Vec::new();
        for (index, (dimension, _)) in DIMENSIONS.iter().enumerate() {
            let mut rows: Vec<RateRow> = self
                .rates
                .iter()
                .filter(|((d, _), (attempts, _))| *d == index && *attempts > 0)
                .map(|((_, key), (attempts, succeeded))| RateRow {
                    dimension: (*dimension).to_owned(),
                    key: key.clone(),
                    attempts: *attempts,
                    succeeded: *succeeded,
                })
                .collect();
            rows.sort_by(|a, b| b.attempts.cmp(&a.attempts).then_with(|| a.key.cmp(&b.key)));
            rows.truncate(50);
            breakdown.extend(rows);
        }
        breakdown
    }

    fn over_time(&self) -> Vec<RatePoint> {
        points_of(&self.slices)
    }

    /// The [`SERIES`] method types with most outcomes, each with its points.
    fn over_time_by_method(&self) -> Vec<(String, Vec<RatePoint>)> {
        let mut series: Vec<(String, Vec<RatePoint>)> = self
            .by_method
            .iter()
            .map(|(method, slices)| (method.clone(), points_of(slices)))
            .filter(|(_, points)| !points.is_empty())
            .collect();
        let total = |points: &[RatePoint]| points.iter().map(|p| p.attempts).sum::<i64>();
        series.sort_by(|a, b| total(&b.1).cmp(&total(&a.1)).then_with(|| a.0.cmp(&b.0)));
        series.truncate(SERIES);
        series
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
        let outcomes = self
            .outcomes(
                from,
                until,
                &split_window(from, until),
                HOUR_MS,
                EXACT_LATENCY_LIMIT,
            )
            .await?;
        Ok(outcomes.breakdown)
    }

    /// Every health figure for orders and webhooks in `[from, until)` (epoch ms).
    pub async fn health(&self, from: i64, until: i64) -> Result<Health, StoreError> {
        self.health_of(from, until, &split_window(from, until), EXACT_LATENCY_LIMIT)
            .await
    }

    async fn health_of(
        &self,
        from: i64,
        until: i64,
        split: &Split,
        exact_limit: usize,
    ) -> Result<Health, StoreError> {
        let slice_ms = slice_for(until - from);
        let outcomes = self
            .outcomes(from, until, split, slice_ms, exact_limit)
            .await?;
        let (gap, pending) = self.created_figures(split).await?;
        let lags: Vec<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT lag_ms FROM webhook_events WHERE received_at >= $1 AND received_at < $2 \
             AND lag_ms IS NOT NULL")
            .bind(from).bind(until).fetch_all(p).await)?;
        let delivery: Delivery = on_pool!(self, p => sqlx::query_as(&format!(
            "SELECT COUNT(*) AS received, \
             CAST(COALESCE(SUM(CASE WHEN auth_verdict = $3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS authenticated, \
             CAST(COALESCE(SUM(CASE WHEN auth_verdict = $4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS rejected, \
             CAST(COALESCE(SUM(duplicate_count), 0) AS BIGINT) AS duplicates, \
             CAST(COALESCE(SUM(CASE WHEN auth_verdict = $3 AND outcome <> $5 THEN 1 ELSE 0 END), 0) AS BIGINT) AS processed, \
             CAST(COALESCE(SUM(CASE WHEN outcome IN {} THEN 1 ELSE 0 END), 0) AS BIGINT) AS failed \
             FROM webhook_events WHERE received_at >= $1 AND received_at < $2",
            sql_list(Outcome::KNOWN.iter().filter(|o| o.needs_attention()).map(Outcome::as_str))))
            .bind(from).bind(until)
            .bind(AuthVerdict::Valid).bind(AuthVerdict::Rejected).bind(Outcome::Pending)
            .fetch_one(p).await)?;
        Ok(Health {
            from,
            until,
            overall: overall_of(&outcomes.breakdown),
            breakdown: outcomes.breakdown,
            over_time: outcomes.over_time,
            over_time_by_method: outcomes.over_time_by_method,
            slice_ms,
            payment_latency: outcomes.latency,
            webhook_lag: Percentiles::of(lags),
            delivery,
            gap,
            pending,
        })
    }

    /// Success rates, success per `slice_ms` (UTC-aligned) and payment latency: the edges
    /// of `split` from the orders, its whole hours from the roll-ups.
    async fn outcomes(
        &self,
        from: i64,
        until: i64,
        split: &Split,
        slice_ms: i64,
        exact_limit: usize,
    ) -> Result<Outcomes, StoreError> {
        let mut tally = Tally::default();
        let mut samples = Vec::new();
        for &(a, b) in &split.edges {
            for row in self.terminal_orders(a, b).await? {
                samples.push(row.latency);
                let group = OrderGroup::of(&row.status, 0, 0);
                let paid = group == OrderGroup::Paid;
                if !paid && group != OrderGroup::Failed {
                    continue;
                }
                let succeeded = i64::from(paid);
                let keys = [
                    row.payment_method_type,
                    row.payment_method,
                    row.gateway,
                    row.error_code,
                ];
                let method_type = keys[0].clone().unwrap_or_else(|| "(none)".to_owned());
                for (index, key) in keys.into_iter().enumerate() {
                    let key = key.unwrap_or_else(|| "(none)".to_owned());
                    tally.add_rate(index, key, 1, succeeded);
                }
                tally.add_slice(
                    row.terminal_at.div_euclid(slice_ms) * slice_ms,
                    method_type,
                    1,
                    succeeded,
                );
            }
        }
        let mut histogram: Vec<(i64, i64)> = Vec::new();
        if let Some((a, b)) = split.hours {
            let rates: Vec<(String, String, i64, i64)> = on_pool!(self, p => sqlx::query_as(
                "SELECT dimension, key, CAST(SUM(attempts) AS BIGINT), CAST(SUM(succeeded) AS BIGINT) \
                 FROM outcome_hours WHERE hour >= $1 AND hour < $2 GROUP BY dimension, key")
                .bind(a).bind(b).fetch_all(p).await)?;
            for (dimension, key, attempts, succeeded) in rates {
                if let Some(index) = DIMENSIONS.iter().position(|(d, _)| *d == dimension) {
                    tally.add_rate(index, key, attempts, succeeded);
                }
            }
            // Every outcome has exactly one method type key: that dimension sums to all.
            let slices: Vec<(i64, String, i64, i64)> = on_pool!(self, p => sqlx::query_as(
                "SELECT (hour / $3) * $3, key, CAST(SUM(attempts) AS BIGINT), CAST(SUM(succeeded) AS BIGINT) \
                 FROM outcome_hours WHERE hour >= $1 AND hour < $2 AND dimension = 'method_type' \
                 GROUP BY (hour / $3) * $3, key")
                .bind(a).bind(b).bind(slice_ms).fetch_all(p).await)?;
            for (at, method_type, attempts, succeeded) in slices {
                tally.add_slice(at, method_type, attempts, succeeded);
            }
            histogram = on_pool!(self, p => sqlx::query_as(
                "SELECT bucket, CAST(SUM(orders) AS BIGINT) FROM latency_hours \
                 WHERE hour >= $1 AND hour < $2 GROUP BY bucket HAVING SUM(orders) > 0")
                .bind(a).bind(b).fetch_all(p).await)?;
        }
        let in_histogram: i64 = histogram.iter().map(|(_, n)| n).sum();
        let latency = if in_histogram == 0 {
            Percentiles::of(samples)
        } else if samples.len() + in_histogram as usize <= exact_limit {
            let all = self.terminal_orders(from, until).await?;
            Percentiles::of(all.into_iter().map(|r| r.latency).collect())
        } else {
            for sample in samples {
                histogram.push((bucket_of(sample), 1));
            }
            Percentiles::of_histogram(histogram)
        };
        Ok(Outcomes {
            breakdown: tally.breakdown(),
            over_time: tally.over_time(),
            over_time_by_method: tally.over_time_by_method(),
            latency,
        })
    }

    /// Orders whose first outcome fell in `[from, until)`, with their latency.
    async fn terminal_orders(&self, from: i64, until: i64) -> Result<Vec<OutcomeRow>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT terminal_at, status, payment_method_type, payment_method, gateway, error_code, \
             terminal_at - COALESCE(juspay_created_at, created_at) AS latency \
             FROM orders WHERE terminal_at >= $1 AND terminal_at < $2")
            .bind(from).bind(until).fetch_all(p).await)?;
        Ok(rows)
    }

    /// The reconciliation gap per UTC day and the orders still pending, of the orders
    /// created in the window: edges from the orders, whole hours from `created_hours`.
    async fn created_figures(&self, split: &Split) -> Result<(Vec<GapDay>, i64), StoreError> {
        let mut hours: Vec<CreatedHour> = Vec::new();
        for &(a, b) in &split.edges {
            let rows: Vec<CreatedHour> = on_pool!(self, p => sqlx::query_as(&format!(
                "SELECT (created_at / 3600000) * 3600000 AS hour, \
                 CAST(SUM(CASE WHEN paid_via = 'poll' THEN 1 ELSE 0 END) AS BIGINT) AS learned_by_poll, \
                 CAST(SUM(CASE WHEN amount_mismatch IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS flagged, \
                 CAST(SUM(CASE WHEN stale_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS stale, \
                 CAST(SUM(CASE WHEN terminal_at IS NULL AND status NOT IN {} THEN 1 ELSE 0 END) AS BIGINT) AS pending \
                 FROM orders WHERE created_at >= $1 AND created_at < $2 \
                 GROUP BY (created_at / 3600000) * 3600000", paid_sql()))
                .bind(a).bind(b).fetch_all(p).await)?;
            hours.extend(rows);
        }
        if let Some((a, b)) = split.hours {
            let rows: Vec<CreatedHour> = on_pool!(self, p => sqlx::query_as(
                "SELECT hour, learned_by_poll, flagged, stale, pending FROM created_hours \
                 WHERE hour >= $1 AND hour < $2")
                .bind(a).bind(b).fetch_all(p).await)?;
            hours.extend(rows);
        }
        let mut days = std::collections::BTreeMap::<i64, GapDay>::new();
        let mut pending = 0;
        for h in hours {
            let day = h.hour.div_euclid(DAY_MS) * DAY_MS;
            let entry = days.entry(day).or_insert(GapDay {
                day,
                learned_by_poll: 0,
                flagged: 0,
                stale: 0,
            });
            entry.learned_by_poll += h.learned_by_poll;
            entry.flagged += h.flagged;
            entry.stale += h.stale;
            pending += h.pending;
        }
        Ok((days.into_values().collect(), pending))
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
    use crate::orders::model::OrderRow;

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
        async fn the_roll_up_triggers_count_as_paid_failed_and_pending_what_the_status_types_do(db) {
            let store = db.store();
            let mut statuses: Vec<OrderStatus> = OrderStatus::KNOWN.to_vec();
            statuses.push(OrderStatus::from("SOMETHING_NEW"));
            for (i, status) in statuses.iter().enumerate() {
                let mut tx = store.begin().await.unwrap();
                // An outcome row keyed by its status as gateway, and a pending candidate
                // created alone in its own hour.
                let ended = order(&format!("t{i}"), status.as_str(), status.as_str(), 1_000, Some(2 * HOUR_MS));
                tx.insert_order_for_test(&ended).await.unwrap();
                let open = order(&format!("o{i}"), status.as_str(), "-", (i as i64 + 10) * HOUR_MS, None);
                tx.insert_order_for_test(&open).await.unwrap();
                tx.commit().await.unwrap();
            }
            let outcomes: Vec<(String, i64, i64)> = on_pool!(store, p => sqlx::query_as(
                "SELECT key, attempts, succeeded FROM outcome_hours WHERE dimension = 'gateway'")
                .fetch_all(p).await).unwrap();
            let pending: Vec<(i64, i64)> = on_pool!(store, p => sqlx::query_as(
                "SELECT hour, pending FROM created_hours WHERE hour >= $1")
                .bind(10 * HOUR_MS).fetch_all(p).await).unwrap();
            for (i, status) in statuses.iter().enumerate() {
                let group = OrderGroup::of(status, 0, 0);
                let counted = outcomes.iter().find(|(key, _, _)| key == status.as_str());
                let expected = match group {
                    OrderGroup::Paid => Some(1),
                    OrderGroup::Failed => Some(0),
                    _ => None,
                };
                assert_eq!(counted.map(|(_, _, paid)| *paid), expected, "{status} as an outcome");
                assert!(counted.is_none_or(|(_, attempts, _)| *attempts == 1), "{status}");
                let hour = (i as i64 + 10) * HOUR_MS;
                let waiting = pending.iter().find(|(h, _)| *h == hour).map(|(_, n)| *n);
                let expected = i64::from(group != OrderGroup::Paid);
                assert_eq!(waiting, Some(expected), "{status} as pending");
            }
        }
    }

    crate::test_on_both_backends! {
        async fn success_rates_latency_and_gap_come_out_as_known(db) {
            let store = db.store();
            let rows = vec![
                order("a", "CHARGED", "RAZORPAY", 1_000, Some(2_000)),
                order("b", "CHARGED", "RAZORPAY", 1_000, Some(3_000)),
                order("c", "AUTHORIZATION_FAILED", "RAZORPAY", 1_000, Some(5_000)),
                OrderRow {
                    payment_method_type: Some("UPI".into()),
                    ..order("d", "CHARGED", "PAYU", 1_000, Some(11_000))
                },
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
                health.over_time_by_method,
                vec![
                    ("CARD".to_owned(), vec![RatePoint { at: 0, attempts: 3, succeeded: 2 }]),
                    ("UPI".to_owned(), vec![RatePoint { at: 0, attempts: 1, succeeded: 1 }]),
                ],
                "a line per method type, most outcomes first"
            );
            assert_eq!(
                health.gap,
                vec![GapDay { day: 0, learned_by_poll: 0, flagged: 1, stale: 0 }]
            );
        }
    }

    #[test]
    fn a_window_is_cut_into_whole_hours_and_partial_edges() {
        let h = HOUR_MS;
        assert_eq!(
            split_window(10 * h + 5, 13 * h + 7),
            Split {
                edges: vec![(10 * h + 5, 11 * h), (13 * h, 13 * h + 7)],
                hours: Some((11 * h, 13 * h))
            }
        );
        assert_eq!(
            split_window(10 * h, 12 * h),
            Split {
                edges: vec![],
                hours: Some((10 * h, 12 * h))
            },
            "an aligned window has no edges"
        );
        assert_eq!(
            split_window(10 * h + 5, 11 * h + 7),
            Split {
                edges: vec![(10 * h + 5, 11 * h + 7)],
                hours: None
            },
            "no whole hour inside: all from the orders"
        );
    }

    #[test]
    fn histogram_percentiles_stay_within_five_percent_of_the_exact_ones() {
        assert_eq!(
            (bucket_of(-5), bucket_of(0), bucket_of(7), bucket_of(20)),
            (0, 0, 7, 20)
        );
        let samples: Vec<i64> = (0..5_000).map(|i| 30 + i * i % 90_000).collect();
        let exact = Percentiles::of(samples.clone());
        let approx =
            Percentiles::of_histogram(samples.iter().map(|&s| (bucket_of(s), 1)).collect());
        assert!(approx.approximate && !exact.approximate);
        assert_eq!(approx.count, exact.count);
        for (a, e) in [
            (approx.p50, exact.p50),
            (approx.p95, exact.p95),
            (approx.p99, exact.p99),
        ] {
            let (a, e) = (a.unwrap() as f64, e.unwrap() as f64);
            assert!((a - e).abs() <= e * 0.05, "{a} vs {e}");
        }
    }

    crate::test_on_both_backends! {
        async fn hourly_rollups_give_the_same_figures_as_reading_every_order(db) {
            let store = db.store();
            // 2023-11-14 22:00 UTC, an hour boundary.
            let base = 1_700_000_000_000 / HOUR_MS * HOUR_MS;
            let minute = 60_000;
            let gateways = ["RAZORPAY", "PAYU", "HDFC"];
            let statuses = ["CHARGED", "AUTHORIZATION_FAILED", "PENDING_VBV", "CHARGED", "AUTO_REFUNDED", "NEW"];
            let mut rows = Vec::new();
            for i in 0..60_i64 {
                let created = base + i * 7 * minute;
                let status = statuses[i as usize % statuses.len()];
                let terminal = (!matches!(status, "PENDING_VBV" | "NEW")).then_some(created + (i % 9 + 1) * 37_000);
                let mut row = order(&format!("o{i}"), status, gateways[i as usize % 3], created, terminal);
                row.payment_method_type = (i % 4 != 0).then(|| "CARD".to_owned());
                row.error_code = (status == "AUTHORIZATION_FAILED").then(|| "DECLINED".to_owned());
                row.paid_via = (i % 5 == 0).then(|| "poll".to_owned());
                row.stale_at = (status == "NEW" && i % 2 == 0).then_some(created + HOUR_MS);
                rows.push(row);
            }
            for row in &rows {
                let mut tx = store.begin().await.unwrap();
                tx.insert_order_for_test(row).await.unwrap();
                tx.commit().await.unwrap();
            }
            // Later reports: a pending payment succeeds, a failure gets another gateway, a
            // paid order is refunded, one order is removed.
            let mut changed = vec![rows[2].clone(), rows[1].clone(), rows[3].clone()];
            changed[0].status = "CHARGED".into();
            changed[0].terminal_at = Some(base + 6 * HOUR_MS + 10 * minute);
            changed[1].gateway = Some("HDFC".into());
            changed[2].status = "AUTO_REFUNDED".into();
            for row in &changed {
                let mut tx = store.begin().await.unwrap();
                tx.insert_order_for_test(row).await.unwrap();
                tx.commit().await.unwrap();
            }
            on_pool!(store, p => sqlx::query("DELETE FROM orders WHERE order_id = $1")
                .bind("o7").execute(p).await.map(|done| done.rows_affected())).unwrap();

            let every_order = |from, until| Split { edges: vec![(from, until)], hours: None };
            for (from, until) in [
                (base + 25 * minute, base + 5 * HOUR_MS + 40 * minute),
                (base, base + 8 * HOUR_MS),
                (base - 3 * DAY_MS, base + 2 * DAY_MS),
            ] {
                let split = split_window(from, until);
                assert!(split.hours.is_some());
                let rolled = store.health_of(from, until, &split, EXACT_LATENCY_LIMIT).await.unwrap();
                let read = store.health_of(from, until, &every_order(from, until), EXACT_LATENCY_LIMIT).await.unwrap();
                assert_eq!(rolled, read, "window {from}..{until}");
                assert!(rolled.overall.attempts > 0 && rolled.pending > 0);

                let histogram = store.health_of(from, until, &split, 0).await.unwrap();
                let (h, e) = (&histogram.payment_latency, &read.payment_latency);
                assert!(h.approximate);
                assert_eq!(h.count, e.count);
                for (a, x) in [(h.p50, e.p50), (h.p95, e.p95), (h.p99, e.p99)] {
                    let (a, x) = (a.unwrap() as f64, x.unwrap() as f64);
                    assert!((a - x).abs() <= x * 0.05, "{a} vs {x}");
                }
            }

            let stored: Vec<(i64, i64, i64)> = on_pool!(store, p => sqlx::query_as(
                "SELECT hour, bucket, orders FROM latency_hours WHERE orders <> 0 ORDER BY hour, bucket")
                .fetch_all(p).await).unwrap();
            let mut expected = std::collections::BTreeMap::<(i64, i64), i64>::new();
            for row in store.terminal_orders(0, i64::MAX).await.unwrap() {
                *expected.entry((row.terminal_at / HOUR_MS * HOUR_MS, bucket_of(row.latency))).or_default() += 1;
            }
            let expected: Vec<(i64, i64, i64)> = expected.into_iter().map(|((h, b), n)| (h, b, n)).collect();
            assert_eq!(stored, expected, "the triggers bucket latencies as the page does");
        }
    }
}

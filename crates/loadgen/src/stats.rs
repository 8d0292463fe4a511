//! Latency summaries: every sample is kept and sorted, so percentiles are exact (a few
//! hundred thousand samples at most, well within memory; no histogram dependency).

use std::time::Duration;

use serde_json::{Value, json};

/// Throughput and latency of one measured run.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Operations that succeeded (acknowledged with 200, or committed).
    pub succeeded: usize,
    /// Operations that did not (refused, or not answered at all).
    pub failed: usize,
    /// The subset of `failed` that got no answer (transport or database error).
    pub errors: usize,
    /// The first such error, for diagnosis.
    pub first_error: Option<String>,
    /// Length of the measured window.
    pub elapsed: Duration,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    /// Summarises the latencies of the successful operations of a window.
    pub fn from_samples(mut latencies: Vec<Duration>, failed: usize, elapsed: Duration) -> Self {
        latencies.sort_unstable();
        Self {
            succeeded: latencies.len(),
            failed,
            errors: 0,
            first_error: None,
            elapsed,
            p50: pick_percentile(&latencies, 50.0),
            p95: pick_percentile(&latencies, 95.0),
            p99: pick_percentile(&latencies, 99.0),
            max: latencies.last().copied().unwrap_or_default(),
        }
    }

    pub fn per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.succeeded as f64 / secs
        } else {
            0.0
        }
    }

    /// The fields every report shares, for `--json`.
    pub fn to_json(&self) -> Value {
        json!({
            "events_per_sec": round_to_hundredths(self.per_second()),
            "succeeded": self.succeeded,
            "failed": self.failed,
            "errors": self.errors,
            "first_error": self.first_error,
            "seconds": round_to_hundredths(self.elapsed.as_secs_f64()),
            "p50_ms": to_millis(self.p50),
            "p95_ms": to_millis(self.p95),
            "p99_ms": to_millis(self.p99),
            "max_ms": to_millis(self.max),
        })
    }

    /// Two human lines: throughput, then latency.
    pub fn describe(&self, what: &str, failed_label: &str) -> String {
        let first_error = self
            .first_error
            .as_deref()
            .map(|e| format!(" (first error: {e})"))
            .unwrap_or_default();
        format!(
            "{} {what} in {:.1} s = {:.1} events/s; {} {failed_label}, of which {} errors{first_error}\n\
             latency ms: p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
            self.succeeded,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.failed,
            self.errors,
            to_millis(self.p50),
            to_millis(self.p95),
            to_millis(self.p99),
            to_millis(self.max),
        )
    }
}

/// Nearest-rank percentile of sorted samples; zero when there are none.
fn pick_percentile(sorted: &[Duration], pct: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (pct / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn to_millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1_000.0
}

fn round_to_hundredths(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let summary = Summary::from_samples(samples, 3, Duration::from_secs(2));
        assert_eq!(summary.p50, Duration::from_millis(50));
        assert_eq!(summary.p95, Duration::from_millis(95));
        assert_eq!(summary.p99, Duration::from_millis(99));
        assert_eq!(summary.max, Duration::from_millis(100));
        assert!((summary.per_second() - 50.0).abs() < f64::EPSILON);
        assert_eq!(summary.failed, 3);
    }

    #[test]
    fn no_samples_give_zeros_rather_than_a_panic() {
        let summary = Summary::from_samples(Vec::new(), 0, Duration::ZERO);
        assert_eq!(summary.p99, Duration::ZERO);
        assert!(summary.per_second().abs() < f64::EPSILON);
    }
}

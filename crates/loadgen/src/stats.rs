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
    /// The same percentiles of the time the server said it took, when it said.
    pub server: Option<ServerTimes>,
}

/// Percentiles of the server's own time (its `Server-Timing` header): the round trip less
/// the client's waiting and the transport.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerTimes {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
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
            server: None,
        }
    }

    /// Adds the server's own times, when the answers carried any.
    pub fn with_server_times(mut self, mut times: Vec<Duration>) -> Self {
        times.sort_unstable();
        self.server = (!times.is_empty()).then(|| ServerTimes {
            p50: pick_percentile(&times, 50.0),
            p95: pick_percentile(&times, 95.0),
            p99: pick_percentile(&times, 99.0),
        });
        self
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
        let server =
            |pick: fn(&ServerTimes) -> Duration| self.server.as_ref().map(|s| to_millis(pick(s)));
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
            "server_p50_ms": server(|s| s.p50),
            "server_p95_ms": server(|s| s.p95),
            "server_p99_ms": server(|s| s.p99),
        })
    }

    /// Two human lines: throughput, then latency.
    pub fn describe(&self, what: &str, failed_label: &str) -> String {
        let first_error = self
            .first_error
            .as_deref()
            .map(|e| format!(" (first error: {e})"))
            .unwrap_or_default();
        let server = self
            .server
            .map(|s| {
                format!(
                    "\nserver ms:  p50 {:.2}  p95 {:.2}  p99 {:.2}",
                    to_millis(s.p50),
                    to_millis(s.p95),
                    to_millis(s.p99)
                )
            })
            .unwrap_or_default();
        format!(
            "{} {what} in {:.1} s = {:.1} events/s; {} {failed_label}, of which {} errors{first_error}\n\
             latency ms: p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}{server}",
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
    fn server_times_are_summarised_apart_and_absent_when_no_answer_carried_one() {
        let round_trips: Vec<Duration> = (1..=10).map(Duration::from_millis).collect();
        let server: Vec<Duration> = (1..=10)
            .rev()
            .map(|ms| Duration::from_micros(ms * 100))
            .collect();
        let summary = Summary::from_samples(round_trips.clone(), 0, Duration::from_secs(1))
            .with_server_times(server);
        let times = summary.server.expect("answers carried server times");
        assert_eq!(times.p50, Duration::from_micros(500));
        assert_eq!(times.p95, Duration::from_millis(1));
        assert_eq!(summary.p50, Duration::from_millis(5));
        assert_eq!(summary.to_json()["server_p50_ms"], 0.5);
        assert!(
            summary
                .describe("requests", "failed")
                .contains("server ms:  p50 0.50")
        );

        let without = Summary::from_samples(round_trips, 0, Duration::from_secs(1))
            .with_server_times(Vec::new());
        assert_eq!(without.server, None);
        assert!(without.to_json()["server_p50_ms"].is_null());
        assert!(!without.describe("requests", "failed").contains("server ms"));
    }

    #[test]
    fn no_samples_give_zeros_rather_than_a_panic() {
        let summary = Summary::from_samples(Vec::new(), 0, Duration::ZERO);
        assert_eq!(summary.p99, Duration::ZERO);
        assert!(summary.per_second().abs() < f64::EPSILON);
    }
}

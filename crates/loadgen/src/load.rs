//! A fixed-time closed-loop load: N tasks each run one operation after another, back to
//! back, until the deadline. Operations started during the warm-up are run but not
//! counted, so connection set-up and cold caches do not skew the figures.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::stats::Summary;

/// What one operation came to.
pub enum Attempt {
    /// Acknowledged or committed; with the time the server said it took (its
    /// `Server-Timing: app;dur=` header), when it said.
    Succeeded(Option<Duration>),
    /// Answered, but not with success (e.g. an HTTP status other than 200).
    Refused,
    /// Not answered at all.
    Errored(String),
}

/// How long to warm up and then to measure.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub warmup: Duration,
    pub measure: Duration,
}

#[derive(Default)]
struct TaskTally {
    latencies: Vec<Duration>,
    server_times: Vec<Duration>,
    refused: usize,
    errors: usize,
    first_error: Option<String>,
}

/// Runs `op` from `concurrency` tasks for the window and summarises the measured part.
pub async fn run_closed_loop<F, Fut>(concurrency: usize, window: Window, op: F) -> Summary
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Attempt> + Send,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let measure_from = start + window.warmup;
    let deadline = measure_from + window.measure;
    let tasks: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let op = Arc::clone(&op);
            tokio::spawn(async move {
                let mut tally = TaskTally::default();
                loop {
                    let started = Instant::now();
                    if started >= deadline {
                        break;
                    }
                    let attempt = op().await;
                    if started < measure_from {
                        continue;
                    }
                    match attempt {
                        Attempt::Succeeded(server) => {
                            tally.latencies.push(started.elapsed());
                            tally.server_times.extend(server);
                        }
                        Attempt::Refused => tally.refused += 1,
                        Attempt::Errored(message) => {
                            tally.errors += 1;
                            tally.first_error.get_or_insert(message);
                        }
                    }
                }
                tally
            })
        })
        .collect();
    let mut all = TaskTally::default();
    for task in tasks {
        // A panicking task loses only its own samples; the run still reports the rest.
        let Ok(tally) = task.await else { continue };
        all.latencies.extend(tally.latencies);
        all.server_times.extend(tally.server_times);
        all.refused += tally.refused;
        all.errors += tally.errors;
        if all.first_error.is_none() {
            all.first_error = tally.first_error;
        }
    }
    // The window ends when the last operation started before the deadline has finished.
    let elapsed = Instant::now().saturating_duration_since(measure_from);
    let mut summary = Summary::from_samples(all.latencies, all.refused + all.errors, elapsed)
        .with_server_times(all.server_times);
    summary.errors = all.errors;
    summary.first_error = all.first_error;
    summary
}

/// The time a server said it took, from its `Server-Timing: app;dur=<ms>` header.
pub fn read_server_time(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get("server-timing")?.to_str().ok()?;
    let ms: f64 = value.strip_prefix("app;dur=")?.parse().ok()?;
    Duration::try_from_secs_f64(ms / 1000.0).ok()
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;

    #[test]
    fn the_server_time_is_read_from_its_header_and_anything_else_is_ignored() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert("server-timing", HeaderValue::from_static(value));
            read_server_time(&headers)
        };
        assert_eq!(with("app;dur=12.345"), Some(Duration::from_micros(12_345)));
        assert_eq!(with("db;dur=3"), None);
        assert_eq!(with("app;dur=-1"), None);
        assert_eq!(with("app;dur=soon"), None);
        assert_eq!(read_server_time(&HeaderMap::new()), None);
    }
}

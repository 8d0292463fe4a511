//! `loadgen chaos-verify`: after a chaos run, compares what the simulator believes was
//! acknowledged with what the database holds. An event the simulator saw answered 200 must
//! be stored exactly once and, once the processor has run, no longer `pending`. With
//! `--wait` it first waits, bounded, for the simulator to stop retrying and for the app to
//! finish processing, so that the verdict is about the end state and not a moment in it.
//! An event is double-applied when it is stored twice or when its processing left the same
//! timeline entry on an order twice (one event may rightly leave several different ones:
//! the order's change and the refund's).

use dashboard_status::{AuthVerdict, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use juspay_sim::webhooks::RETRY_GAPS_SECS;
use serde::Deserialize;
use serde_json::json;

use crate::db::{Db, on_db};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The simulator's base URL.
    #[arg(long)]
    sim: String,
    /// The app's database.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Events the simulator should have sent (one per paid order); it is not settled before.
    #[arg(long)]
    expect_events: Option<usize>,
    /// Seconds to wait at most for the simulator to settle and the app to process.
    #[arg(long, default_value_t = 0.0)]
    wait: f64,
    /// Stop waiting for processing when the pending count has not fallen for this long
    /// (no processor running), instead of sitting out the whole --wait.
    #[arg(long, default_value_t = 15.0)]
    stall: f64,
    /// One JSON object instead of the human line.
    #[arg(long)]
    json: bool,
}

/// The fields of the simulator's `WebhookAttempt` this check needs.
#[derive(Debug, Deserialize)]
struct SimAttempt {
    event_id: String,
    attempt: u32,
    acknowledged: bool,
}

/// The simulator's view, per event.
#[derive(Debug, Default)]
struct SimView {
    sent: BTreeSet<String>,
    acknowledged: BTreeSet<String>,
    /// Every retry used up without a 200.
    exhausted: BTreeSet<String>,
    /// Deliveries answered with something other than 200, or not answered: the evidence
    /// that the chaos hit deliveries at all.
    failed_attempts: usize,
}

impl SimView {
    fn from_attempts(attempts: &[SimAttempt]) -> Self {
        // The first attempt plus one per retry gap; after that the simulator gives up.
        let last_attempt = u32::try_from(RETRY_GAPS_SECS.len() + 1).unwrap_or(u32::MAX);
        let mut view = Self::default();
        for a in attempts {
            view.sent.insert(a.event_id.clone());
            if a.acknowledged {
                view.acknowledged.insert(a.event_id.clone());
            } else {
                view.failed_attempts += 1;
            }
        }
        for a in attempts {
            if a.attempt >= last_attempt && !view.acknowledged.contains(&a.event_id) {
                view.exhausted.insert(a.event_id.clone());
            }
        }
        view
    }

    /// Events the simulator will still retry.
    fn retrying(&self) -> usize {
        self.sent.len() - self.acknowledged.len() - self.exhausted.len()
    }
}

/// One stored delivery: event id, outcome, repeats counted on it.
type StoredRow = (String, Outcome, i64);

/// The figures the verdict is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Counts {
    sent: usize,
    acknowledged: usize,
    retrying: usize,
    exhausted: usize,
    failed_attempts: usize,
    stored: usize,
    processed: usize,
    unprocessed: usize,
    duplicates_in_db: usize,
    lost: usize,
    repeats_counted: i64,
    not_from_sim: usize,
    /// Stored events whose processing left the same timeline entry twice.
    applied_twice: usize,
}

impl Counts {
    fn compare(sim: &SimView, rows: &[StoredRow]) -> Self {
        let mut per_event: BTreeMap<&str, Vec<&StoredRow>> = BTreeMap::new();
        for row in rows {
            per_event.entry(row.0.as_str()).or_default().push(row);
        }
        let ours = |id: &str| sim.sent.contains(id);
        let stored: BTreeSet<&str> = per_event.keys().copied().filter(|id| ours(id)).collect();
        let pending = |id: &str| per_event[id].iter().any(|r| r.1 == Outcome::Pending);
        Self {
            sent: sim.sent.len(),
            acknowledged: sim.acknowledged.len(),
            retrying: sim.retrying(),
            exhausted: sim.exhausted.len(),
            failed_attempts: sim.failed_attempts,
            stored: stored.len(),
            processed: stored.iter().filter(|id| !pending(id)).count(),
            unprocessed: stored.iter().filter(|id| pending(id)).count(),
            duplicates_in_db: per_event.values().filter(|rows| rows.len() > 1).count(),
            lost: sim
                .acknowledged
                .iter()
                .filter(|id| !stored.contains(id.as_str()))
                .count(),
            repeats_counted: rows.iter().map(|r| r.2).sum(),
            not_from_sim: per_event.keys().filter(|id| !ours(id)).count(),
            applied_twice: 0,
        }
    }

    fn passed(&self) -> bool {
        self.lost == 0 && self.double_applied() == 0 && self.unprocessed == 0
    }

    fn double_applied(&self) -> usize {
        self.duplicates_in_db + self.applied_twice
    }

    fn to_json(&self) -> serde_json::Value {
        json!({
            "kind": "chaos-verify",
            "sent": self.sent,
            "acknowledged": self.acknowledged,
            "retrying": self.retrying,
            "exhausted": self.exhausted,
            "failed_attempts": self.failed_attempts,
            "stored": self.stored,
            "processed": self.processed,
            "unprocessed": self.unprocessed,
            "duplicates_in_db": self.duplicates_in_db,
            "lost": self.lost,
            "repeats_counted": self.repeats_counted,
            "not_from_sim": self.not_from_sim,
            "applied_twice": self.applied_twice,
            "double_applied": self.double_applied(),
            "passed": self.passed(),
        })
    }

    fn to_line(&self) -> String {
        format!(
            "sent={} acknowledged={} stored={} processed={} lost={} double_applied={} \
             duplicates_in_db={} unprocessed={} retrying={} exhausted={} failed_attempts={} \
             repeats_counted={} not_from_sim={} => {}",
            self.sent,
            self.acknowledged,
            self.stored,
            self.processed,
            self.lost,
            self.double_applied(),
            self.duplicates_in_db,
            self.unprocessed,
            self.retrying,
            self.exhausted,
            self.failed_attempts,
            self.repeats_counted,
            self.not_from_sim,
            if self.passed() { "PASS" } else { "FAIL" }
        )
    }
}

async fn fetch_attempts(client: &reqwest::Client, sim: &str) -> anyhow::Result<Vec<SimAttempt>> {
    let url = format!("{}/__sim/webhooks/attempts", sim.trim_end_matches('/'));
    let response = client
        .get(&url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?
        .error_for_status()?;
    Ok(response.json().await?)
}

/// Stored events whose processing left the same entry on an order's timeline twice.
async fn count_applied_twice(db: &Db) -> anyhow::Result<usize> {
    let rows: Vec<(i64, i64)> = on_db!(db, p => {
        sqlx::query_as(
            "SELECT DISTINCT webhook_event_id, COUNT(*) FROM order_events \
             WHERE webhook_event_id IS NOT NULL \
             GROUP BY webhook_event_id, order_id, outcome, detail HAVING COUNT(*) > 1",
        )
        .fetch_all(p)
        .await
    })
    .context("reading order_events")?;
    Ok(rows.len())
}

async fn read_stored(db: &Db) -> anyhow::Result<Vec<StoredRow>> {
    let rows = on_db!(db, p => {
        sqlx::query_as(
            "SELECT event_id, outcome, duplicate_count FROM webhook_events \
             WHERE auth_verdict = $1 AND event_id IS NOT NULL",
        )
        .bind(AuthVerdict::Valid)
        .fetch_all(p)
        .await
    })
    .context("reading webhook_events")?;
    Ok(rows)
}

pub async fn run(args: &VerifyArgs) -> anyhow::Result<bool> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let db = Db::connect(&args.database_url, 2).await?;
    let deadline = Instant::now() + Duration::from_secs_f64(args.wait);
    let stall = Duration::from_secs_f64(args.stall);
    let mut last_progress = (usize::MAX, Instant::now());
    let counts = loop {
        let sim = SimView::from_attempts(&fetch_attempts(&client, &args.sim).await?);
        // The database may be down for a moment (a chaos run restarting it): try again.
        let stored = match read_stored(&db).await {
            Ok(stored) => stored,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(error) => return Err(error),
        };
        let mut counts = Counts::compare(&sim, &stored);
        counts.applied_twice = count_applied_twice(&db).await?;
        let settled = sim.retrying() == 0 && args.expect_events.is_none_or(|n| sim.sent.len() >= n);
        if settled && counts.unprocessed == 0 || Instant::now() >= deadline {
            break counts;
        }
        if !settled || counts.unprocessed < last_progress.0 {
            last_progress = (counts.unprocessed, Instant::now());
        } else if last_progress.1.elapsed() >= stall {
            break counts;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    db.close().await;
    crate::print_report(args.json, &counts.to_json(), &counts.to_line())?;
    Ok(counts.passed())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(id: &str, n: u32, acknowledged: bool) -> SimAttempt {
        SimAttempt {
            event_id: id.to_owned(),
            attempt: n,
            acknowledged,
        }
    }

    fn row(id: &str, outcome: Outcome) -> StoredRow {
        (id.to_owned(), outcome, 0)
    }

    #[test]
    fn an_acknowledged_event_missing_from_the_database_is_lost() {
        let sim = SimView::from_attempts(&[
            attempt("a", 1, false),
            attempt("a", 2, true),
            attempt("b", 1, true),
            attempt("c", 1, false),
        ]);
        assert_eq!(sim.retrying(), 1, "c has retries left");
        let counts = Counts::compare(
            &sim,
            &[row("a", Outcome::Applied), row("c", Outcome::Pending)],
        );
        assert_eq!(counts.sent, 3);
        assert_eq!(counts.failed_attempts, 2);
        assert_eq!(counts.acknowledged, 2);
        assert_eq!(counts.stored, 2);
        assert_eq!(counts.lost, 1, "b was acknowledged but is not stored");
        assert_eq!(counts.processed, 1);
        assert_eq!(counts.unprocessed, 1);
        assert!(!counts.passed());
    }

    #[test]
    fn an_event_out_of_retries_is_exhausted_not_retrying() {
        let last = u32::try_from(RETRY_GAPS_SECS.len() + 1).unwrap();
        let sim = SimView::from_attempts(&[attempt("a", last, false)]);
        assert_eq!(sim.exhausted.len(), 1);
        assert_eq!(sim.retrying(), 0);
    }

    #[test]
    fn a_row_stored_twice_fails_and_foreign_rows_are_only_counted() {
        let sim = SimView::from_attempts(&[attempt("a", 1, true)]);
        let counts = Counts::compare(
            &sim,
            &[
                row("a", Outcome::Applied),
                row("a", Outcome::Applied),
                row("x", Outcome::Applied),
            ],
        );
        assert_eq!(counts.duplicates_in_db, 1);
        assert_eq!(counts.not_from_sim, 1);
        assert_eq!(counts.lost, 0);
        assert!(!counts.passed());
        let clean = Counts::compare(&sim, &[row("a", Outcome::Duplicate)]);
        assert!(clean.passed(), "{clean:?}");
    }
}

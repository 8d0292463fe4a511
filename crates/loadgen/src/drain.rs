//! `loadgen drain`: after an ingest run, how far processing lags behind acknowledgement.
//! It counts the stored events still `pending` and waits, bounded, until the app's
//! processor has taken them all, reporting how long that took. Acknowledging fast is only
//! half the story when the events then queue for processing.
//!
//! It also prints the drain rate: the events processed from the first one seen going
//! until the last, over that time, so the rate does not include the time an app took to
//! start (`scripts/bench ingest` starts this before the apps that drain a backlog).

use dashboard_status::{AuthVerdict, Outcome};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;

use crate::db::{Db, on_db};

#[derive(Debug, Args)]
pub struct DrainArgs {
    /// The app's database.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Seconds to wait at most for the pending events to be processed.
    #[arg(long, default_value_t = 120.0)]
    wait: f64,
    /// Give up when the backlog has not shrunk for this long (no processor running),
    /// instead of sitting out the whole --wait.
    #[arg(long, default_value_t = 10.0)]
    stall: f64,
    /// One JSON object instead of the human line.
    #[arg(long)]
    json: bool,
}

/// (accepted events, of which still pending).
async fn count_events(db: &Db) -> anyhow::Result<(i64, i64)> {
    let counts = on_db!(db, p => {
        sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN outcome = $1 THEN 1 ELSE 0 END), 0) \
             FROM webhook_events WHERE auth_verdict = $2",
        )
        .bind(Outcome::Pending)
        .bind(AuthVerdict::Valid)
        .fetch_one(p)
        .await
    })?;
    Ok(counts)
}

/// Events still pending, counted from the outcome index alone: polled while the app
/// drains, so it must not take the app's database time with a scan of every event.
async fn count_pending(db: &Db) -> anyhow::Result<i64> {
    let pending = on_db!(db, p => {
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events WHERE outcome = $1")
            .bind(Outcome::Pending)
            .fetch_one(p)
            .await
    })?;
    Ok(pending)
}

pub async fn run(args: &DrainArgs) -> anyhow::Result<bool> {
    let db = Db::connect(&args.database_url, 1).await?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.wait);
    let (stored, backlog) = count_events(&db).await?;
    let stall = Duration::from_secs_f64(args.stall);
    let (mut left, mut last_progress) = (backlog, Instant::now());
    // (when, still pending) at the first poll that saw processing under way.
    let mut first_progress: Option<(Instant, i64)> = None;
    while left > 0 && Instant::now() < deadline && last_progress.elapsed() < stall {
        // Counting a large backlog is itself work for the database being measured (14 ms
        // per count at 35 k pending on PostgreSQL), so it is counted twice a second until
        // little is left. The rate does not depend on the interval: it is what was
        // processed between two counts over the time between them.
        let interval = if left > 2_000 { 500 } else { 100 };
        tokio::time::sleep(Duration::from_millis(interval)).await;
        let now_left = count_pending(&db).await?;
        if now_left < left {
            last_progress = Instant::now();
            first_progress.get_or_insert((last_progress, now_left));
        }
        left = now_left;
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = first_progress.and_then(|(at, pending)| {
        let span = last_progress.duration_since(at).as_secs_f64();
        (span > 0.0).then(|| (pending - left) as f64 / span)
    });
    db.close().await;
    let drained = left == 0;
    let value = json!({
        "kind": "drain",
        "stored": stored,
        "backlog": backlog,
        "left": left,
        "drained": drained,
        "seconds": (seconds * 100.0).round() / 100.0,
        "events_per_sec": rate.map(f64::round),
    });
    let human = format!(
        "stored={stored} backlog={backlog} left={left} {} in {seconds:.1} s ({} events/s)",
        if drained { "drained" } else { "NOT drained" },
        rate.map_or_else(|| "-".to_owned(), |r| format!("{r:.0}"))
    );
    crate::print_report(args.json, &value, &human)?;
    Ok(drained)
}

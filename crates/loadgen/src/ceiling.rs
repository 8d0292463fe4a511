//! `loadgen ceiling`: the least a program can do per event on the same backend — one
//! durable single-row insert, committed on its own — from N tasks sharing a pool of the
//! app's size. The table has the shape of `webhook_events` (same columns, unique key and
//! indexes, a body of the same size), so the only difference from the app is everything
//! the app does around the insert: HTTP, authentication, parsing, its transaction.

use dashboard_status::{AuthVerdict, Outcome};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;
use serde_json::json;

use crate::db::{APP_POOL_SIZE, Db, on_db};
use crate::event::{EventSource, STORED_HEADERS};
use crate::load::{Attempt, Window, run_closed_loop};

#[derive(Debug, Args)]
pub struct CeilingArgs {
    /// A fresh database: sqlite:///path/file.db or postgres://user@host:port/db.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Concurrent writers.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Pool size (the app's default database.max_connections).
    #[arg(long, default_value_t = APP_POOL_SIZE)]
    pool: u32,
    /// Measured seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Seconds of the same load before measuring (not counted).
    #[arg(long, default_value_t = 0.0)]
    warmup: f64,
    /// One JSON object instead of the human lines.
    #[arg(long)]
    json: bool,
}

/// The columns of migrations/*/0002_webhook_events.sql; `{id}` and `{blob}` are the
/// dialect's identity column and byte type.
const TABLE: &str = "CREATE TABLE IF NOT EXISTS ceiling_events (
    id {id},
    source TEXT NOT NULL,
    dedup_key TEXT NOT NULL UNIQUE,
    event_id TEXT,
    event_name TEXT,
    order_id TEXT,
    auth_verdict TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    event_created_at BIGINT,
    lag_ms BIGINT,
    headers TEXT NOT NULL,
    body {blob} NOT NULL,
    body_truncated BOOLEAN NOT NULL DEFAULT FALSE,
    outcome TEXT NOT NULL,
    outcome_detail TEXT,
    duplicate_count BIGINT NOT NULL DEFAULT 0,
    last_duplicate_at BIGINT
)";

const INDEXES: [&str; 4] = [
    "CREATE INDEX IF NOT EXISTS ceiling_events_received_at ON ceiling_events (received_at)",
    "CREATE INDEX IF NOT EXISTS ceiling_events_outcome ON ceiling_events (outcome, id)",
    "CREATE INDEX IF NOT EXISTS ceiling_events_verdict ON ceiling_events (auth_verdict, id)",
    "CREATE INDEX IF NOT EXISTS ceiling_events_order ON ceiling_events (order_id, id)",
];

/// The app's statement, sent alone so that it commits by itself: one round trip.
const INSERT: &str = "INSERT INTO ceiling_events (source, dedup_key, event_id, event_name, \
     order_id, auth_verdict, received_at, event_created_at, lag_ms, headers, body, \
     body_truncated, outcome, outcome_detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
     ON CONFLICT (dedup_key) DO UPDATE SET \
     duplicate_count = ceiling_events.duplicate_count + 1, \
     last_duplicate_at = EXCLUDED.received_at \
     RETURNING id";

/// The 2026-11-23T07:00:48Z of the generated events, in epoch milliseconds.
const EVENT_CREATED_AT: i64 = 1_795_417_248_000;

async fn create_table(db: &Db) -> anyhow::Result<()> {
    let (id, blob) = if db.is_sqlite() {
        ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB")
    } else {
        ("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "BYTEA")
    };
    let table = TABLE.replace("{id}", id).replace("{blob}", blob);
    for statement in std::iter::once(table.as_str()).chain(INDEXES) {
        on_db!(db, p => sqlx::query(statement).execute(p).await.map(|_| ()))?;
    }
    Ok(())
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

async fn insert_one(db: &Db, events: &EventSource) -> Attempt {
    let event = events.next_event();
    let received_at = now_millis();
    let inserted: Result<i64, sqlx::Error> = on_db!(db, p => {
        sqlx::query_scalar(INSERT)
            .bind("juspay")
            .bind(format!("juspay:event:{}", event.id))
            .bind(&event.id)
            .bind("ORDER_SUCCEEDED")
            .bind(&event.order_id)
            .bind(AuthVerdict::Valid)
            .bind(received_at)
            .bind(EVENT_CREATED_AT)
            .bind(received_at - EVENT_CREATED_AT)
            .bind(STORED_HEADERS)
            .bind(&event.body)
            .bind(false)
            .bind(Outcome::Pending)
            .bind(None::<String>)
            .fetch_one(p)
            .await
    });
    match inserted {
        Ok(_) => Attempt::Succeeded(None),
        Err(error) => Attempt::Errored(error.to_string()),
    }
}

pub async fn run(args: &CeilingArgs) -> anyhow::Result<bool> {
    let db = Db::connect(&args.database_url, args.pool).await?;
    create_table(&db).await?;
    let shared = Arc::new((db.clone(), EventSource::new()));
    let window = Window {
        warmup: Duration::from_secs_f64(args.warmup),
        measure: Duration::from_secs_f64(args.seconds),
    };
    let summary = run_closed_loop(args.concurrency, window, move || {
        let shared = Arc::clone(&shared);
        async move { insert_one(&shared.0, &shared.1).await }
    })
    .await;
    db.close().await;
    let backend = if db.is_sqlite() { "sqlite" } else { "postgres" };
    let mut value = summary.to_json();
    value["kind"] = json!("ceiling");
    value["backend"] = json!(backend);
    value["concurrency"] = json!(args.concurrency);
    value["pool"] = json!(args.pool);
    let human = format!(
        "ceiling on {backend} with {} writers, pool {}\n{}",
        args.concurrency,
        args.pool,
        summary.describe("committed", "failed")
    );
    crate::print_report(args.json, &value, &human)?;
    Ok(summary.succeeded > 0)
}

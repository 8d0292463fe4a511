//! `loadgen seed-orders`: fills the `orders` table (and a few `order_events` rows per
//! order) of a database the app has already migrated, fast: multi-row INSERTs of
//! `--batch` rows per statement inside transactions of `--per-tx` rows, on one
//! connection. On PostgreSQL the whole load is one transaction: the orders' triggers only
//! note each new order there, and the counters and health roll-ups are folded from the
//! notes once, at commit, with one statement per table (see the migration that introduced
//! `order_changes`). The data is deterministic (order `i` is always the same row) and shaped
//! like production: statuses about 70 % CHARGED, 15 % PENDING_VBV, 10 %
//! AUTHORIZATION_FAILED and 5 % NEW; creation times spread over the 90 days before now,
//! ids increasing with time; CARD, UPI and NB across several gateways; a pool of repeat
//! customers. `loadgen orders` derives the same ids from [`order_id`], so it needs no
//! database access to pick existing orders.

use dashboard_status::{OrderStatus, Outcome};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use clap::Args;
use serde_json::json;

use crate::db::{Db, on_db};

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// A database the app has migrated: sqlite:///path/file.db or postgres://….
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Orders to insert (ids `0..count`; the table should not hold them yet).
    #[arg(long)]
    count: u64,
    /// Rows per INSERT statement.
    #[arg(long, default_value_t = 500)]
    batch: u64,
    /// Rows per transaction (SQLite; PostgreSQL loads everything in one, so the roll-ups
    /// are folded once).
    #[arg(long, default_value_t = 50_000)]
    per_tx: u64,
    /// `order_events` rows per order (its timeline); 0 for none.
    #[arg(long, default_value_t = 2)]
    events_per_order: u64,
    /// One JSON object instead of the human line.
    #[arg(long)]
    json: bool,
}

/// The merchant order id of seeded order `i`.
pub fn order_id(i: u64) -> String {
    format!("ord_{i:09}")
}

const DAY_MS: i64 = 86_400_000;
const SPAN_MS: i64 = 90 * DAY_MS;
const CUSTOMERS: u64 = 50_000;
const CARD_GATEWAYS: [&str; 4] = ["RAZORPAY", "PAYU", "HDFC", "ICICI"];
const UPI_GATEWAYS: [&str; 2] = ["PHONEPE", "PAYTM_V2"];
const NB_GATEWAYS: [&str; 2] = ["BILLDESK", "CCAVENUE_V2"];
const BANKS: [&str; 5] = ["NB_HDFC", "NB_ICICI", "NB_SBI", "NB_AXIS", "NB_KOTAK"];
const BRANDS: [&str; 3] = ["VISA", "MASTERCARD", "RUPAY"];

/// SplitMix64: a good, dependency-free mix of a counter into 64 random-looking bits.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn pick<'a>(items: &[&'a str], r: u64) -> &'a str {
    items[(r % items.len() as u64) as usize]
}

/// The timeline's statuses and outcome, as `'static` spellings for the binds.
const NEW: &OrderStatus = &OrderStatus::New;
const PENDING_VBV: &OrderStatus = &OrderStatus::PendingVbv;
const APPLIED: &Outcome = &Outcome::Applied;

/// One seeded order, as the columns [`COLUMNS`] name them.
struct Seeded {
    order_id: String,
    juspay_id: String,
    status: OrderStatus,
    status_id: i64,
    amount: i64,
    customer_id: String,
    customer_email: String,
    customer_phone: String,
    payment_method_type: &'static str,
    payment_method: String,
    auth_type: Option<&'static str>,
    card_brand: Option<&'static str>,
    card_last_four: Option<String>,
    payer_vpa: Option<String>,
    gateway: &'static str,
    txn_id: String,
    error_code: Option<&'static str>,
    error_message: Option<&'static str>,
    created_at: i64,
    updated_at: i64,
    terminal_at: Option<i64>,
    paid_at: Option<i64>,
}

const COLUMNS: &str = "order_id, source, juspay_id, status, status_id, amount, currency, \
     customer_id, customer_email, customer_phone, description, payment_method_type, \
     payment_method, auth_type, card_brand, card_last_four, payer_vpa, gateway, txn_id, \
     error_code, error_message, udfs, juspay_created_at, created_at, updated_at, \
     confirmed_at, confirmed_via, paid_at, paid_via, terminal_at";
const PARAMS_PER_ROW: usize = 30;

const EVENT_COLUMNS: &str =
    "order_id, at, via, reported_status, status_before, status_after, outcome";
const PARAMS_PER_EVENT: usize = 7;

fn seeded(i: u64, count: u64, start: i64) -> Seeded {
    let r = mix(i);
    let r2 = mix(r);
    let step = SPAN_MS / count.max(1) as i64;
    let created_at = start + i as i64 * step + (r2 % step.max(1) as u64) as i64;
    let status = match r % 100 {
        0..70 => OrderStatus::Charged,
        70..85 => OrderStatus::PendingVbv,
        85..95 => OrderStatus::AuthorizationFailed,
        _ => OrderStatus::New,
    };
    let status_id = status.status_id().unwrap_or_default();
    let customer = mix(r2) % CUSTOMERS;
    let method_roll = (r >> 8) % 100;
    let (payment_method_type, gateway) = match method_roll {
        0..50 => ("UPI", pick(&UPI_GATEWAYS, r >> 16)),
        50..85 => ("CARD", pick(&CARD_GATEWAYS, r >> 16)),
        _ => ("NB", pick(&NB_GATEWAYS, r >> 16)),
    };
    let card = payment_method_type == "CARD";
    let brand = pick(&BRANDS, r >> 20);
    let payment_method = match payment_method_type {
        "CARD" => brand.to_owned(),
        "UPI" => "UPI_COLLECT".to_owned(),
        _ => pick(&BANKS, r >> 24).to_owned(),
    };
    let failed = status.is_failure();
    let terminal = status.is_terminal();
    let (new, paid) = (status == OrderStatus::New, status.is_paid());
    let settled_at = created_at + 5_000 + (r2 >> 40) as i64 % 60_000;
    Seeded {
        order_id: order_id(i),
        juspay_id: format!("ordeu_{:016x}", r2),
        status,
        status_id,
        // ₹10 to ₹50,000 in paise, skewed towards small amounts.
        amount: 1_000 + (((r >> 32) % 5_000_000) * ((r >> 12) % 4 + 1) / 4) as i64,
        customer_id: format!("cust_{customer:06}"),
        customer_email: format!("customer{customer}@example.com"),
        customer_phone: format!("9{:09}", mix(customer) % 1_000_000_000),
        payment_method_type,
        payment_method,
        auth_type: card.then_some("THREE_DS"),
        card_brand: card.then_some(brand),
        card_last_four: card.then(|| format!("{:04}", (r >> 28) % 10_000)),
        payer_vpa: (payment_method_type == "UPI").then(|| format!("customer{customer}@okbank")),
        gateway,
        txn_id: format!("txn_{i:09}_1"),
        error_code: failed.then_some("AUTHENTICATION_FAILED"),
        error_message: failed.then_some("Authentication failed at the issuer"),
        created_at,
        updated_at: if new { created_at } else { settled_at },
        terminal_at: terminal.then_some(settled_at),
        paid_at: paid.then_some(settled_at),
    }
}

/// Plain `?` on SQLite: with numbered `?NNN` placeholders sqlx binds a 15 000-parameter
/// statement about 20 times slower (8 s of CPU per 10 000 rows).
fn insert_sql(table: &str, columns: &str, per_row: usize, rows: usize, postgres: bool) -> String {
    let mut sql = format!("INSERT INTO {table} ({columns}) VALUES ");
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for col in 0..per_row {
            if col > 0 {
                sql.push(',');
            }
            n += 1;
            if postgres {
                sql.push_str(&format!("${n}"));
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

/// Binds the rows of one statement; the same code for both backends.
macro_rules! bind_orders {
    ($query:expr, $rows:expr) => {{
        let mut q = $query;
        for o in $rows {
            q = q
                .bind(&o.order_id)
                .bind("juspay")
                .bind(&o.juspay_id)
                .bind(o.status.as_str())
                .bind(o.status_id)
                .bind(o.amount)
                .bind("INR")
                .bind(&o.customer_id)
                .bind(&o.customer_email)
                .bind(&o.customer_phone)
                .bind("Seeded order")
                .bind(o.payment_method_type)
                .bind(&o.payment_method)
                .bind(o.auth_type)
                .bind(o.card_brand)
                .bind(&o.card_last_four)
                .bind(&o.payer_vpa)
                .bind(o.gateway)
                .bind(&o.txn_id)
                .bind(o.error_code)
                .bind(o.error_message)
                .bind("{}")
                .bind(o.created_at)
                .bind(o.created_at)
                .bind(o.updated_at)
                .bind(o.updated_at)
                .bind("webhook")
                .bind(o.paid_at)
                .bind(o.paid_at.map(|_| "webhook"))
                .bind(o.terminal_at);
        }
        q
    }};
}

macro_rules! bind_events {
    ($query:expr, $rows:expr, $per_order:expr) => {{
        let mut q = $query;
        for o in $rows {
            for k in 0..$per_order {
                let last = k + 1 == $per_order;
                let (before, after) = if k == 0 {
                    (
                        None,
                        if last {
                            o.status.as_str()
                        } else {
                            NEW.as_str()
                        },
                    )
                } else {
                    (
                        Some(NEW.as_str()),
                        if last {
                            o.status.as_str()
                        } else {
                            PENDING_VBV.as_str()
                        },
                    )
                };
                q = q
                    .bind(&o.order_id)
                    .bind(o.created_at + k as i64 * 1_000)
                    .bind("webhook")
                    .bind(after)
                    .bind(before)
                    .bind(after)
                    .bind(APPLIED.as_str());
            }
        }
        q
    }};
}

pub async fn run(args: &SeedArgs) -> anyhow::Result<bool> {
    let db = Db::connect(&args.database_url, 1).await?;
    let postgres = !db.is_sqlite();
    let batch = args.batch.clamp(1, 1_000);
    // One transaction on PostgreSQL: its roll-ups are folded once, at commit.
    let per_tx = if postgres {
        args.count.max(1)
    } else {
        args.per_tx.max(batch)
    };
    let events = args.events_per_order.min(8);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as i64;
    let start = now - SPAN_MS;
    let started = Instant::now();
    let full_sql = insert_sql("orders", COLUMNS, PARAMS_PER_ROW, batch as usize, postgres);
    // Events per statement kept under SQLite's 32766 parameters.
    let event_sql = |orders: usize| {
        insert_sql(
            "order_events",
            EVENT_COLUMNS,
            PARAMS_PER_EVENT,
            orders * events as usize,
            postgres,
        )
    };
    let full_event_sql = event_sql(batch as usize);
    let mut done = 0u64;
    while done < args.count {
        let tx_end = (done + per_tx).min(args.count);
        on_db!(&db, p => {
            let mut tx = p.begin().await.context("beginning a seed transaction")?;
            let mut i = done;
            while i < tx_end {
                let end = (i + batch).min(tx_end);
                let rows: Vec<Seeded> = (i..end).map(|j| seeded(j, args.count, start)).collect();
                let partial;
                let sql = if rows.len() == batch as usize {
                    &full_sql
                } else {
                    partial = insert_sql("orders", COLUMNS, PARAMS_PER_ROW, rows.len(), postgres);
                    &partial
                };
                bind_orders!(sqlx::query(sql), &rows)
                    .execute(&mut *tx)
                    .await
                    .with_context(|| format!("inserting orders {i}..{end}"))?;
                if events > 0 {
                    let partial;
                    let sql = if rows.len() == batch as usize {
                        &full_event_sql
                    } else {
                        partial = event_sql(rows.len());
                        &partial
                    };
                    bind_events!(sqlx::query(sql), &rows, events)
                        .execute(&mut *tx)
                        .await
                        .with_context(|| format!("inserting events of orders {i}..{end}"))?;
                }
                i = end;
            }
            tx.commit().await.context("committing seeded orders")?;
        });
        done = tx_end;
    }
    // Fresh statistics (and on PostgreSQL the visibility map index-only scans rely on), as
    // a long-running database's autovacuum would have them.
    let refresh = match db {
        Db::Postgres(_) => "VACUUM ANALYZE",
        Db::Sqlite(_) => "ANALYZE",
    };
    on_db!(&db, p => {
        sqlx::query(refresh).execute(p).await.context(refresh)?;
    });
    let seconds = started.elapsed().as_secs_f64();
    db.close().await;
    let value = json!({
        "kind": "seed-orders",
        "orders": args.count,
        "events": args.count * events,
        "seconds": (seconds * 100.0).round() / 100.0,
        "rows_per_sec": if seconds > 0.0 { (args.count as f64 / seconds).round() } else { 0.0 },
    });
    let human = format!(
        "seeded {} orders and {} order events in {seconds:.1} s",
        args.count,
        args.count * events
    );
    crate::print_report(args.json, &value, &human)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_intended_mix() {
        let n = 20_000;
        let charged = (0..n)
            .filter(|&i| seeded(i, n, 0).status == OrderStatus::Charged)
            .count();
        let share = charged as f64 / n as f64;
        assert!((0.67..0.73).contains(&share), "CHARGED share {share}");
    }

    #[test]
    fn creation_times_increase_with_ids_within_ninety_days() {
        let n = 1_000;
        let times: Vec<i64> = (0..n).map(|i| seeded(i, n, 0).created_at).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(times[0] >= 0 && times[n as usize - 1] < SPAN_MS);
    }

    dashboard_core::test_on_both_backends! {
        async fn seeded_roll_ups_equal_counting_the_orders_and_return_to_zero_when_they_go(db) {
            let args = SeedArgs {
                database_url: db.url().to_owned(),
                count: 1_200,
                batch: 250,
                per_tx: 500,
                events_per_order: 1,
                json: true,
            };
            crate::seed::run(&args).await.expect("seeding");
            let pool = Db::connect(db.url(), 1).await.unwrap();
            let counts = |sql: &'static str| {
                let pool = pool.clone();
                async move {
                    on_db!(&pool, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await.unwrap())
                }
            };
            // The roll-ups equal counting the orders themselves.
            let paid = "('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED')";
            let failed = "('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED', \
                          'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED')";
            let pairs = [
                (
                    "SELECT CAST(SUM(orders) AS BIGINT) FROM order_totals".to_owned(),
                    "SELECT COUNT(*) FROM orders".to_owned(),
                ),
                (
                    "SELECT CAST(SUM(orders) AS BIGINT) FROM order_totals WHERE status = 'CHARGED'".to_owned(),
                    "SELECT COUNT(*) FROM orders WHERE status = 'CHARGED'".to_owned(),
                ),
                (
                    "SELECT CAST(SUM(attempts) AS BIGINT) FROM outcome_hours WHERE dimension = 'gateway'".to_owned(),
                    format!("SELECT COUNT(*) FROM orders WHERE terminal_at IS NOT NULL \
                             AND (status IN {paid} OR status IN {failed})"),
                ),
                (
                    "SELECT CAST(SUM(succeeded) AS BIGINT) FROM outcome_hours WHERE dimension = 'gateway'".to_owned(),
                    format!("SELECT COUNT(*) FROM orders WHERE terminal_at IS NOT NULL AND status IN {paid}"),
                ),
                (
                    "SELECT CAST(SUM(orders) AS BIGINT) FROM latency_hours".to_owned(),
                    "SELECT COUNT(*) FROM orders WHERE terminal_at IS NOT NULL".to_owned(),
                ),
                (
                    "SELECT CAST(SUM(pending) AS BIGINT) FROM created_hours".to_owned(),
                    format!("SELECT COUNT(*) FROM orders WHERE terminal_at IS NULL AND status NOT IN {paid}"),
                ),
            ];
            for (rolled, counted) in pairs {
                let (rolled_up, counted_rows) = on_db!(&pool, p => (
                    sqlx::query_scalar::<_, i64>(&rolled).fetch_one(p).await.unwrap(),
                    sqlx::query_scalar::<_, i64>(&counted).fetch_one(p).await.unwrap(),
                ));
                assert!(counted_rows > 0, "{counted}");
                assert_eq!(rolled_up, counted_rows, "{rolled}");
            }

            // Taking every order away through the triggers undoes exactly what they would
            // have added, so every counter must come back to zero, and only does if the
            // seeded roll-ups equal the triggers' sums and the triggers are on again.
            on_db!(&pool, p => {
                sqlx::query("DELETE FROM order_events").execute(p).await.unwrap();
                sqlx::query("DELETE FROM orders").execute(p).await.unwrap();
            });
            for sql in [
                "SELECT COUNT(*) FROM order_totals WHERE orders <> 0 OR amount <> 0",
                "SELECT COUNT(*) FROM outcome_hours WHERE attempts <> 0 OR succeeded <> 0",
                "SELECT COUNT(*) FROM latency_hours WHERE orders <> 0",
                "SELECT COUNT(*) FROM created_hours \
                 WHERE learned_by_poll <> 0 OR flagged <> 0 OR stale <> 0 OR pending <> 0",
            ] {
                assert_eq!(counts(sql).await, 0, "{sql}");
            }
            pool.close().await;
        }
    }

    #[test]
    fn placeholders_match_the_dialect() {
        assert_eq!(
            insert_sql("t", "a, b", 2, 2, false),
            "INSERT INTO t (a, b) VALUES (?,?),(?,?)"
        );
        assert_eq!(
            insert_sql("t", "a", 1, 2, true),
            "INSERT INTO t (a) VALUES ($1),($2)"
        );
    }
}

//! `loadgen cpu`: the app's CPU time per page, beside a floor. Signs in as the admin, then
//! for each page sends the same request N times one after another on one keep-alive
//! connection and reads the app's CPU time (user + system, `/proc/<pid>/stat`) before and
//! after. The floor is the page's own data reads made directly against the same database
//! through the same store code, one after another, N times (wall time per page: on
//! SQLite the SQL runs in that time, on PostgreSQL its round trips are in it); the ratio
//! says how much more the page costs than reading its data. A figure per request that
//! does not depend on how many clients share the cores.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Args;
use dashboard_core::{
    orders::list::{OrderFilter, OrderLine},
    store::Store,
    webhooks::store::WebhookFilter,
};
use dashboard_status::OrderGroup;
use reqwest::header::COOKIE;
use serde_json::json;

use crate::seed::order_id;

#[derive(Debug, Args)]
pub struct CpuArgs {
    /// The app's base URL, e.g. http://127.0.0.1:3000.
    #[arg(long)]
    url: String,
    /// The app's process id, whose CPU time is read.
    #[arg(long)]
    pid: u32,
    /// The database the app serves, for the floor.
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value = "admin")]
    username: String,
    #[arg(long, env = "DASHBOARD_ADMIN__PASSWORD")]
    password: String,
    /// How many orders `loadgen seed-orders` inserted (ids to pick from).
    #[arg(long)]
    orders: u64,
    /// Requests per page (and floor runs per page).
    #[arg(long, default_value_t = 300)]
    requests: u32,
    /// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`).
    #[arg(long, default_value_t = 100)]
    clock_ticks: u64,
    /// One JSON object instead of the human lines.
    #[arg(long)]
    json: bool,
}

/// The pages measured: (case, path).
fn pages(searched: &str, detail: &str) -> Vec<(&'static str, String)> {
    vec![
        ("orders list", "/orders".to_owned()),
        ("orders pending", "/orders?group=pending".to_owned()),
        // The list searched for one order id (the top bar's search redirects to the hit).
        ("search", format!("/orders?q={searched}")),
        ("order detail", format!("/orders/{detail}")),
        ("webhook log", "/webhooks".to_owned()),
        ("health (day)", "/health?window=day".to_owned()),
    ]
}

/// User plus system time of process `pid` so far.
fn cpu_time(pid: u32, clock_ticks: u64) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) in parentheses; utime and stime
    // are the 14th and 15th fields of the line, the 12th and 13th after it.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> {
        fields
            .get(i)
            .context("short /proc stat line")?
            .parse()
            .context("a /proc stat field")
    };
    let total = ticks(11)? + ticks(12)?;
    Ok(Duration::from_secs_f64(total as f64 / clock_ticks as f64))
}

/// The page's own data reads, as its server functions make them per request (the orders
/// filters' menus are read at most once a minute, so not here).
async fn read_page_data(
    store: &Store,
    case: &str,
    searched: &str,
    detail: &str,
) -> anyhow::Result<()> {
    let list = |filter: OrderFilter| async move {
        store.list_orders::<OrderLine>(&filter, None, 51).await?;
        store.total_orders(&filter).await?;
        anyhow::Ok(())
    };
    match case {
        "orders list" => list(OrderFilter::default()).await?,
        "orders pending" => {
            list(OrderFilter {
                group: Some(OrderGroup::Pending),
                ..OrderFilter::default()
            })
            .await?
        }
        "search" => {
            list(OrderFilter {
                search: Some(searched.to_owned()),
                ..OrderFilter::default()
            })
            .await?
        }
        "order detail" => {
            store.find_order(detail).await?;
            store.list_order_events(detail).await?;
            let filter = WebhookFilter {
                order_id: Some(detail.to_owned()),
                ..WebhookFilter::default()
            };
            store.list_webhook_events(&filter, 500).await?;
            store.list_audit_for(detail, 500).await?;
            store.list_refunds_of_order(detail).await?;
            store.list_disputes_of_order(detail).await?;
        }
        "webhook log" => {
            store
                .list_webhook_events(&WebhookFilter::default(), 51)
                .await?;
        }
        "health (day)" => {
            let until = dashboard_core::clock::now_millis();
            let from = until - 86_400_000;
            store.health(from, until).await?;
            store.recent_alerts(20).await?;
            store.dispute_counts(from, until).await?;
        }
        other => bail!("no floor for {other}"),
    }
    Ok(())
}

pub async fn run(args: &CpuArgs) -> anyhow::Result<bool> {
    let base = args.url.trim_end_matches('/').to_owned();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")?;
    let cookie = crate::app::sign_in(&http, &base, &args.username, &args.password).await?;
    let store = Store::connect(&args.database_url, 1)
        .await
        .context("connecting to the database for the floor")?;
    let searched = order_id(args.orders / 2);
    let detail = order_id(args.orders / 3);
    let n = args.requests.max(1);
    let mut results = Vec::new();
    let mut human = format!(
        "server CPU per request at {} ({} orders), {n} sequential requests per page",
        args.url, args.orders
    );
    for (case, path) in pages(&searched, &detail) {
        let get = || http.get(format!("{base}{path}")).header(COOKIE, &cookie);
        let check = get().send().await?;
        if check.status() != reqwest::StatusCode::OK {
            bail!("{case}: HTTP {} for {path}", check.status());
        }
        check.bytes().await?;
        for _ in 0..n.min(20) {
            get().send().await?.bytes().await?;
        }
        let before = cpu_time(args.pid, args.clock_ticks)?;
        let mut bytes = 0usize;
        for _ in 0..n {
            bytes += get().send().await?.bytes().await?.len();
        }
        let app_ms =
            (cpu_time(args.pid, args.clock_ticks)? - before).as_secs_f64() * 1000.0 / f64::from(n);

        read_page_data(&store, case, &searched, &detail).await?;
        let started = Instant::now();
        for _ in 0..n {
            read_page_data(&store, case, &searched, &detail).await?;
        }
        let floor_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(n);
        let ratio = if floor_ms > 0.0 {
            app_ms / floor_ms
        } else {
            f64::NAN
        };
        human.push_str(&format!(
            "\n{case}: app CPU {app_ms:.2} ms/request, floor {floor_ms:.2} ms, ratio {ratio:.1}, {} bytes",
            bytes / n as usize
        ));
        results.push(json!({
            "case": case,
            "path": path,
            "app_cpu_ms": app_ms,
            "floor_ms": floor_ms,
            "ratio": ratio,
            "bytes": bytes / n as usize,
        }));
    }
    store.close().await;
    let value = json!({
        "kind": "cpu",
        "orders": args.orders,
        "requests": n,
        "cases": results,
    });
    crate::print_report(args.json, &value, &human)?;
    Ok(true)
}

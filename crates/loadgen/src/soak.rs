//! `loadgen browse`: staff browsing the dashboard for a long time, for `scripts/soak`.
//! Each client signs in as the admin and walks the pages a person on duty opens — the
//! orders list, its pending group, the order page of an order the list showed, refunds,
//! webhooks, disputes, mandates and the health page — one request after another with a
//! short pause, until the time is up. It reports requests, failures and the first failure,
//! so that a soak run's memory and file figures come with the app's pages in use.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use serde_json::{Value, json};

use crate::app::Staff;

#[derive(Debug, Args)]
pub struct BrowseArgs {
    /// The app's base URL.
    #[arg(long)]
    url: String,
    #[arg(long, default_value = "admin")]
    username: String,
    #[arg(long, env = "DASHBOARD_ADMIN__PASSWORD")]
    password: String,
    /// Browsing clients.
    #[arg(long, default_value_t = 2)]
    clients: usize,
    /// How long to browse, in seconds.
    #[arg(long, default_value_t = 60.0)]
    seconds: f64,
    /// Pause between one client's requests, in milliseconds.
    #[arg(long, default_value_t = 250)]
    pause_ms: u64,
    /// One JSON object instead of the human line.
    #[arg(long)]
    json: bool,
}

/// The pages a client walks, in turn; `{order}` is an order the list just showed.
const PAGES: [&str; 9] = [
    "/orders",
    "/orders?group=pending",
    "/orders/{order}",
    "/refunds",
    "/webhooks",
    "/health?window=hour",
    "/disputes",
    "/mandates",
    "/health?window=day",
];

#[derive(Debug, Default)]
struct Tally {
    requests: u64,
    failed: u64,
    first_failure: Option<String>,
}

impl Tally {
    fn fail(&mut self, what: String) {
        self.failed += 1;
        self.first_failure.get_or_insert(what);
    }
}

async fn browse(staff: Staff, until: Instant, pause: Duration) -> Tally {
    let mut tally = Tally::default();
    let mut order = None::<String>;
    for page in PAGES.iter().cycle() {
        if Instant::now() >= until {
            break;
        }
        if page.contains("{order}") {
            tally.requests += 1;
            match staff.call("list_orders", &[]).await {
                Ok(response) if response.status().is_success() => {
                    let list: Value = response.json().await.unwrap_or(Value::Null);
                    if let Some(id) = list["rows"][0]["order_id"].as_str() {
                        order = Some(id.to_owned());
                    }
                }
                Ok(response) => tally.fail(format!("list_orders: HTTP {}", response.status())),
                Err(error) => tally.fail(format!("list_orders: {error}")),
            }
        }
        let path = match (page.contains("{order}"), &order) {
            (true, Some(id)) => page.replace("{order}", id),
            (true, None) => continue,
            (false, _) => (*page).to_owned(),
        };
        tally.requests += 1;
        match staff.get(&path).await {
            Ok(response) => {
                let status = response.status();
                let read = response.bytes().await;
                if !status.is_success() {
                    tally.fail(format!("GET {path}: HTTP {status}"));
                } else if let Err(error) = read {
                    tally.fail(format!("GET {path}: {error}"));
                }
            }
            Err(error) => tally.fail(format!("GET {path}: {error}")),
        }
        tokio::time::sleep(pause).await;
    }
    tally
}

pub async fn run(args: &BrowseArgs) -> anyhow::Result<bool> {
    let http = crate::app::staff_client()?;
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(args.seconds);
    let pause = Duration::from_millis(args.pause_ms);
    let mut clients = Vec::new();
    for _ in 0..args.clients.max(1) {
        let staff = Staff::sign_in(http.clone(), &args.url, &args.username, &args.password).await?;
        clients.push(tokio::spawn(browse(staff, until, pause)));
    }
    let mut total = Tally::default();
    for client in clients {
        let tally = client.await.context("a browsing client panicked")?;
        total.requests += tally.requests;
        total.failed += tally.failed;
        if total.first_failure.is_none() {
            total.first_failure = tally.first_failure;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let value = json!({
        "kind": "browse",
        "clients": args.clients,
        "requests": total.requests,
        "failed": total.failed,
        "first_failure": total.first_failure,
        "seconds": (elapsed * 10.0).round() / 10.0,
    });
    let human = format!(
        "clients={} requests={} failed={} seconds={elapsed:.0}{}",
        args.clients,
        total.requests,
        total.failed,
        total
            .first_failure
            .as_deref()
            .map(|f| format!(" first_failure={f}"))
            .unwrap_or_default()
    );
    crate::print_report(args.json, &value, &human)?;
    Ok(total.failed == 0)
}

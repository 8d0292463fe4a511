//! `loadgen orders`: how fast staff can browse orders. Signs in as the admin (the
//! server-function login, with our Origin header, keeping the `dashboard_session`
//! cookie), then for each case runs N clients back to back for a fixed time and reports
//! the latency from sending the request to having read the whole answer, and the app's own
//! time from its `Server-Timing` header (the round trip also holds the client's waiting
//! for a core, which on a small machine shared with the app is not small). Cases:
//! the list page unfiltered, with a status group (`?group=pending`), with a search for an
//! existing order id, the detail page of random existing orders, and the list's server
//! function (`POST /api/list_orders`, rows plus per-currency totals) unfiltered and with
//! the same group, to separate the query from the page; and, when named, the health page
//! over the last hour, day and week. The orders are the ones
//! `loadgen seed-orders --count N` inserted, whose ids [`crate::seed::order_id`] gives.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, ORIGIN};
use serde_json::{Value, json};

use crate::load::{Attempt, Window, read_server_time, run_closed_loop};
use crate::seed::{mix, order_id};

#[derive(Debug, Args)]
pub struct OrdersArgs {
    /// The app's base URL, e.g. http://127.0.0.1:3000.
    #[arg(long)]
    url: String,
    #[arg(long, default_value = "admin")]
    username: String,
    #[arg(long, env = "DASHBOARD_ADMIN__PASSWORD")]
    password: String,
    /// How many orders `loadgen seed-orders` inserted (ids to pick from).
    #[arg(long)]
    orders: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 50)]
    concurrency: usize,
    /// Measured seconds per case.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Seconds of the same load before measuring each case (not counted).
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Comma-separated cases to run (default the six orders cases): list, pending,
    /// search, detail, api-list, api-pending; health-hour, health-day, health-week (the
    /// health page over that window).
    #[arg(long, value_delimiter = ',')]
    cases: Vec<String>,
    /// One JSON object instead of the human lines.
    #[arg(long)]
    json: bool,
}

const ALL_CASES: [&str; 9] = [
    "list",
    "pending",
    "search",
    "detail",
    "api-list",
    "api-pending",
    "health-hour",
    "health-day",
    "health-week",
];

/// The orders cases, run when none are named.
const ORDERS_CASES: usize = 6;

struct Client {
    http: reqwest::Client,
    base: String,
    origin: String,
    cookie: String,
    orders: u64,
    /// The order searched for, the same in every request of the run.
    searched: String,
    next: AtomicU64,
}

impl Client {
    fn random_order(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        order_id(mix(n ^ 0x5EED) % self.orders.max(1))
    }

    fn request(&self, case: &str) -> reqwest::RequestBuilder {
        let get = |path: String| {
            self.http
                .get(format!("{}{path}", self.base))
                .header(COOKIE, &self.cookie)
        };
        let api = |form: &'static str| {
            self.http
                .post(format!("{}/api/list_orders", self.base))
                .header(COOKIE, &self.cookie)
                .header(ORIGIN, &self.origin)
                .header(ACCEPT, "application/json")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form)
        };
        match case {
            "list" => get("/orders".to_owned()),
            "pending" => get("/orders?group=pending".to_owned()),
            "search" => get(format!("/orders?q={}", self.searched)),
            "detail" => get(format!("/orders/{}", self.random_order())),
            "api-pending" => api("group=pending"),
            "health-hour" => get("/health?window=hour".to_owned()),
            "health-day" => get("/health?window=day".to_owned()),
            "health-week" => get("/health?window=week".to_owned()),
            _ => api(""),
        }
    }

    async fn once(&self, case: &str) -> Attempt {
        match self.request(case).send().await {
            Ok(response) => {
                let status = response.status();
                let server = read_server_time(response.headers());
                if let Err(error) = response.bytes().await {
                    return Attempt::Errored(error.to_string());
                }
                if status == reqwest::StatusCode::OK {
                    Attempt::Succeeded(server)
                } else {
                    Attempt::Errored(format!("HTTP {status}"))
                }
            }
            Err(error) => Attempt::Errored(error.to_string()),
        }
    }
}

/// One request per case before measuring: the answer must be 200 and, for the search
/// and detail pages, must show the order asked for.
async fn check(client: &Client, cases: &[String]) -> anyhow::Result<()> {
    for case in cases {
        let response = client.request(case).send().await?;
        let status = response.status();
        let body = response.text().await?;
        if status != reqwest::StatusCode::OK {
            bail!(
                "{case}: HTTP {status}: {}",
                body.chars().take(300).collect::<String>()
            );
        }
        if case == "search" && !body.contains(&client.searched) {
            bail!("{case}: the page does not show {}", client.searched);
        }
    }
    Ok(())
}

pub async fn run(args: &OrdersArgs) -> anyhow::Result<bool> {
    let base = args.url.trim_end_matches('/').to_owned();
    let origin = base.clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")?;
    let cookie = crate::app::sign_in(&http, &base, &args.username, &args.password).await?;
    let cases: Vec<String> = if args.cases.is_empty() {
        ALL_CASES[..ORDERS_CASES]
            .iter()
            .map(|c| (*c).to_owned())
            .collect()
    } else {
        args.cases.clone()
    };
    if let Some(unknown) = cases.iter().find(|c| !ALL_CASES.contains(&c.as_str())) {
        bail!("unknown case {unknown}; cases are {}", ALL_CASES.join(", "));
    }
    let client = Arc::new(Client {
        http,
        base,
        origin,
        cookie,
        orders: args.orders,
        searched: order_id(args.orders / 2),
        next: AtomicU64::new(0),
    });
    check(&client, &cases).await?;
    let window = Window {
        warmup: Duration::from_secs_f64(args.warmup),
        measure: Duration::from_secs_f64(args.seconds),
    };
    let mut results = Vec::new();
    let mut human = format!(
        "orders at {} ({} orders), {} clients, {} s per case",
        args.url, args.orders, args.concurrency, args.seconds
    );
    let mut all_ok = true;
    for case in &cases {
        let c = Arc::clone(&client);
        let name: Arc<str> = Arc::from(case.as_str());
        let summary = run_closed_loop(args.concurrency, window, move || {
            let c = Arc::clone(&c);
            let name = Arc::clone(&name);
            async move { c.once(&name).await }
        })
        .await;
        all_ok &= summary.succeeded > 0;
        let mut value: Value = summary.to_json();
        value["case"] = json!(case);
        value["requests_per_sec"] = value["events_per_sec"].take();
        if let Some(map) = value.as_object_mut() {
            map.remove("events_per_sec");
        }
        results.push(value);
        human.push_str(&format!(
            "\n{case}: {}",
            summary
                .describe("requests", "failed")
                .replace("events/s", "requests/s")
        ));
    }
    let value = json!({
        "kind": "orders",
        "orders": args.orders,
        "concurrency": args.concurrency,
        "cases": results,
    });
    crate::print_report(args.json, &value, &human)?;
    Ok(all_ok)
}

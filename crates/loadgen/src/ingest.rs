//! `loadgen ingest`: N senders post fresh, unique webhook events to the app's webhook
//! endpoint back to back over keep-alive connections for a fixed time. Only a 200 counts
//! as acknowledged, as for Juspay (§9.4); the latency is from sending the request to
//! having read the whole answer.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;

use crate::event::EventSource;
use crate::load::{Attempt, Window, read_server_time, run_closed_loop};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The app's base URL, e.g. http://127.0.0.1:3000.
    #[arg(long)]
    url: String,
    /// Webhook Basic-auth username (the app's webhook.username).
    #[arg(long, env = "DASHBOARD_WEBHOOK__USERNAME", default_value = "juspay")]
    username: String,
    /// Webhook Basic-auth password (the app's webhook.password).
    #[arg(long, env = "DASHBOARD_WEBHOOK__PASSWORD")]
    password: String,
    /// Concurrent senders, each with its own keep-alive connection.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
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

struct Target {
    client: reqwest::Client,
    endpoint: String,
    username: String,
    password: String,
    events: EventSource,
}

impl Target {
    async fn post_one(&self) -> Attempt {
        let event = self.events.next_event();
        let sent = self
            .client
            .post(&self.endpoint)
            .basic_auth(&self.username, Some(&self.password))
            .header(CONTENT_TYPE, "application/json")
            .body(event.body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status();
                let server = read_server_time(response.headers());
                // Reading the body to the end lets the connection go back to the pool.
                if let Err(error) = response.bytes().await {
                    return Attempt::Errored(error.to_string());
                }
                if status == reqwest::StatusCode::OK {
                    Attempt::Succeeded(server)
                } else {
                    Attempt::Refused
                }
            }
            Err(error) => Attempt::Errored(error.to_string()),
        }
    }
}

pub async fn run(args: &IngestArgs) -> anyhow::Result<bool> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")?;
    let target = Arc::new(Target {
        client,
        endpoint: format!("{}/webhooks/juspay", args.url.trim_end_matches('/')),
        username: args.username.clone(),
        password: args.password.clone(),
        events: EventSource::new(),
    });
    let window = Window {
        warmup: Duration::from_secs_f64(args.warmup),
        measure: Duration::from_secs_f64(args.seconds),
    };
    let summary = run_closed_loop(args.concurrency, window, move || {
        let target = Arc::clone(&target);
        async move { target.post_one().await }
    })
    .await;
    let mut value = summary.to_json();
    value["kind"] = json!("ingest");
    value["concurrency"] = json!(args.concurrency);
    let human = format!(
        "ingest at {} with {} senders\n{}",
        args.url,
        args.concurrency,
        summary.describe("acknowledged", "not acknowledged")
    );
    crate::print_report(args.json, &value, &human)?;
    Ok(summary.succeeded > 0)
}

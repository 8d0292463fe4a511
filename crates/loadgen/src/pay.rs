//! `loadgen pay`: creates orders at the Juspay simulator and pays them through its control
//! API, a fixed number in flight and optionally at a fixed pace, so that the simulator
//! sends one webhook per order to the app while a chaos run kills it. Every fifth
//! payment fails, so both ORDER_SUCCEEDED and ORDER_FAILED are in the mix. With `--app`
//! the orders are created through the app's merchant API (`POST /merchant-api/session`) as
//! a merchant's shop would, so the app knows each order before Juspay's webhooks (which a
//! fault storm may drop) and its reconciler can close the gap.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Args;
use juspay_sim::{FailureReason, PaymentMethod, PaymentRequest};
use serde_json::json;

#[derive(Debug, Args)]
pub struct PayArgs {
    /// The simulator's base URL, e.g. http://127.0.0.1:8085.
    #[arg(long)]
    sim: String,
    /// The simulator's API key (its --api-key).
    #[arg(long, env = "JUSPAY_SIM_API_KEY", default_value = "sim_api_key")]
    api_key: String,
    /// Orders to create and pay.
    #[arg(long, default_value_t = 300)]
    orders: usize,
    /// Orders in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Orders started per second at most (spreads the load over time); unlimited if absent.
    #[arg(long)]
    per_second: Option<f64>,
    /// Create the orders through this app's merchant API instead of at the simulator.
    #[arg(long)]
    app: Option<String>,
    /// The app's merchant API token (its `merchant_api.token`), with `--app`.
    #[arg(long, env = "DASHBOARD_MERCHANT_API__TOKEN", default_value = "")]
    app_token: String,
    /// Prefix of the merchant order ids.
    #[arg(long, default_value = "chaos")]
    prefix: String,
    /// One JSON object instead of the human line.
    #[arg(long)]
    json: bool,
}

struct Plan {
    client: reqwest::Client,
    sim: String,
    api_key: String,
    app: Option<String>,
    app_token: String,
    prefix: String,
    orders: usize,
    gap: Option<Duration>,
    started: Instant,
    next: AtomicUsize,
}

impl Plan {
    fn choose_payment(index: usize) -> PaymentRequest {
        let method = PaymentMethod::ALL[index % PaymentMethod::ALL.len()];
        if index % 5 == 4 {
            PaymentRequest {
                method,
                ..PaymentRequest::failed(FailureReason::Declined)
            }
        } else {
            PaymentRequest::charged(method)
        }
    }

    async fn create_and_pay(&self, index: usize) -> anyhow::Result<()> {
        let order_id = format!("{}-{index}", self.prefix);
        let order = json!({"order_id": order_id, "amount": "100.00", "currency": "INR"});
        let created = match &self.app {
            Some(app) => {
                self.client
                    .post(format!("{app}/merchant-api/session"))
                    .bearer_auth(&self.app_token)
                    .json(&order)
                    .send()
                    .await?
            }
            None => {
                self.client
                    .post(format!("{}/orders", self.sim))
                    .basic_auth(&self.api_key, Some(""))
                    .json(&order)
                    .send()
                    .await?
            }
        };
        if !created.status().is_success() {
            bail!("creating {order_id}: HTTP {}", created.status());
        }
        let paid = self
            .client
            .post(format!("{}/__sim/orders/{order_id}/pay", self.sim))
            .json(&Self::choose_payment(index))
            .send()
            .await?;
        if !paid.status().is_success() {
            bail!("paying {order_id}: HTTP {}", paid.status());
        }
        Ok(())
    }

    /// Takes order after order until none is left; returns (paid, failed, first error).
    async fn work(&self) -> (usize, usize, Option<String>) {
        let (mut paid, mut failed, mut first_error) = (0, 0, None);
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            if index >= self.orders {
                break;
            }
            if let Some(gap) = self.gap {
                let due =
                    self.started + gap.saturating_mul(u32::try_from(index).unwrap_or(u32::MAX));
                tokio::time::sleep_until(due.into()).await;
            }
            match self.create_and_pay(index).await {
                Ok(()) => paid += 1,
                Err(error) => {
                    failed += 1;
                    first_error.get_or_insert_with(|| format!("{error:#}"));
                }
            }
        }
        (paid, failed, first_error)
    }
}

pub async fn run(args: &PayArgs) -> anyhow::Result<bool> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")?;
    let gap = args
        .per_second
        .filter(|rate| *rate > 0.0)
        .map(|rate| Duration::from_secs_f64(1.0 / rate));
    let plan = Arc::new(Plan {
        client,
        sim: args.sim.trim_end_matches('/').to_owned(),
        api_key: args.api_key.clone(),
        app: args
            .app
            .as_deref()
            .map(|a| a.trim_end_matches('/').to_owned()),
        app_token: args.app_token.clone(),
        prefix: args.prefix.clone(),
        orders: args.orders,
        gap,
        started: Instant::now(),
        next: AtomicUsize::new(0),
    });
    let workers: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| {
            let plan = Arc::clone(&plan);
            tokio::spawn(async move { plan.work().await })
        })
        .collect();
    let (mut paid, mut failed, mut first_error) = (0, 0, None);
    for worker in workers {
        let (p, f, e) = worker.await.context("a worker panicked")?;
        paid += p;
        failed += f;
        if first_error.is_none() {
            first_error = e;
        }
    }
    let elapsed = plan.started.elapsed().as_secs_f64();
    let value = json!({
        "kind": "pay",
        "orders": args.orders,
        "paid": paid,
        "failed": failed,
        "first_error": first_error,
        "seconds": (elapsed * 100.0).round() / 100.0,
    });
    let human = format!(
        "orders={} paid={paid} failed={failed} seconds={elapsed:.1}{}",
        args.orders,
        first_error
            .as_deref()
            .map(|e| format!(" first_error={e}"))
            .unwrap_or_default()
    );
    crate::print_report(args.json, &value, &human)?;
    Ok(failed == 0)
}

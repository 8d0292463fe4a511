//! `loadgen refund`: staff refunding orders while a chaos run kills the app. Signs in as
//! the admin, takes the charged orders of a run from the simulator's list (every
//! `--every`-th one, by order id), and for each one, as an operator would: opens the order
//! (`get_order`) until it offers a refund form, keeps that form's `unique_request_id`, and
//! submits `refund_order` with it — pressing again with the same form after a dropped
//! connection or a 5xx until the app answers. It writes every request made (order, request
//! id, amount in minor units, answered or refused) to `--out`, which `loadgen
//! state-verify --refunds` checks against the simulator: each must exist there once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::Staff;
use crate::reconcile::fetch_sim_orders;

#[derive(Debug, Args)]
pub struct RefundArgs {
    /// The app's base URL.
    #[arg(long)]
    url: String,
    /// The simulator's base URL (where the run's orders are listed).
    #[arg(long)]
    sim: String,
    #[arg(long, default_value = "admin")]
    username: String,
    #[arg(long, env = "DASHBOARD_ADMIN__PASSWORD")]
    password: String,
    /// Only orders whose id starts with this.
    #[arg(long, default_value = "")]
    prefix: String,
    /// Refund every N-th charged order (in order id order).
    #[arg(long, default_value_t = 1)]
    every: usize,
    /// Amount of each refund, major units of the order's currency.
    #[arg(long, default_value = "10.00")]
    amount: String,
    /// The same amount in minor units, as recorded for the check.
    #[arg(long, default_value_t = 1000)]
    amount_minor: i64,
    /// Refunds in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Seconds to give up after, for the whole run.
    #[arg(long, default_value_t = 300.0)]
    deadline: f64,
    /// Where to write the requests made (JSON array).
    #[arg(long)]
    out: String,
    /// One JSON object instead of the human line.
    #[arg(long)]
    json: bool,
}

/// One refund a staff member asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Requested {
    pub order_id: String,
    pub unique_request_id: Option<String>,
    pub amount: i64,
    /// The app answered 200 to a submit of the form.
    pub answered: bool,
    /// The app refused it (4xx), with its message.
    pub refused: Option<String>,
    /// Submits of the form, the first included.
    pub submits: u32,
    /// Connection errors and 5xx answers met on the way (the app down or its database).
    pub errors: u32,
}

struct Plan {
    staff: Staff,
    username: String,
    password: String,
    amount: String,
    amount_minor: i64,
    deadline: Instant,
    orders: Vec<String>,
    next: AtomicUsize,
}

/// What one submit or page request came to.
enum Answer {
    Ok(Value),
    /// Try again: the connection failed, the app answered 5xx, or the session was lost.
    Retry,
    Refused(String),
}

impl Plan {
    async fn call(&self, staff: &mut Staff, function: &str, form: &[(&str, &str)]) -> Answer {
        let Ok(response) = staff.call(function, form).await else {
            return Answer::Retry;
        };
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if status.is_success() {
            return Answer::Ok(serde_json::from_str(&body).unwrap_or(Value::Null));
        }
        if status.as_u16() == 401 || status.as_u16() == 403 {
            if let Ok(fresh) = Staff::sign_in(
                staff.http.clone(),
                &staff.base,
                &self.username,
                &self.password,
            )
            .await
            {
                *staff = fresh;
            }
            return Answer::Retry;
        }
        if status.is_server_error() || status.as_u16() == 429 {
            return Answer::Retry;
        }
        Answer::Refused(format!(
            "HTTP {status}: {}",
            body.chars().take(200).collect::<String>()
        ))
    }

    async fn refund_one(&self, staff: &mut Staff, order_id: &str) -> Requested {
        let mut done = Requested {
            order_id: order_id.to_owned(),
            unique_request_id: None,
            amount: self.amount_minor,
            answered: false,
            refused: None,
            submits: 0,
            errors: 0,
        };
        let pause = || tokio::time::sleep(Duration::from_millis(300));
        // The order page offers a refund form once the app has the payment.
        let key = loop {
            if Instant::now() >= self.deadline {
                return done;
            }
            match self
                .call(staff, "get_order", &[("order_id", order_id)])
                .await
            {
                Answer::Ok(detail) => {
                    if let Some(key) = detail["refund_form"]["unique_request_id"].as_str() {
                        break key.to_owned();
                    }
                }
                Answer::Retry => done.errors += 1,
                Answer::Refused(_) => {}
            }
            pause().await;
        };
        done.unique_request_id = Some(key.clone());
        while Instant::now() < self.deadline {
            done.submits += 1;
            let form = [
                ("order_id", order_id),
                ("unique_request_id", key.as_str()),
                ("amount", self.amount.as_str()),
            ];
            match self.call(staff, "refund_order", &form).await {
                Answer::Ok(_) => {
                    done.answered = true;
                    break;
                }
                Answer::Refused(message) => {
                    done.refused = Some(message);
                    break;
                }
                Answer::Retry => done.errors += 1,
            }
            pause().await;
        }
        done
    }

    async fn work(&self) -> Vec<Requested> {
        let mut staff = self.staff.clone();
        let mut requested = Vec::new();
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(order_id) = self.orders.get(index) else {
                break;
            };
            requested.push(self.refund_one(&mut staff, order_id).await);
        }
        requested
    }
}

pub async fn run(args: &RefundArgs) -> anyhow::Result<bool> {
    let http = crate::app::staff_client()?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.deadline);
    let staff =
        Staff::sign_in_before(&http, &args.url, &args.username, &args.password, deadline).await?;
    let mut orders: Vec<String> = fetch_sim_orders(&http, &args.sim)
        .await?
        .into_iter()
        .filter(|o| o.order_id.starts_with(&args.prefix) && o.status == "CHARGED")
        .map(|o| o.order_id)
        .collect();
    orders.sort();
    let orders: Vec<String> = orders.into_iter().step_by(args.every.max(1)).collect();
    let plan = Arc::new(Plan {
        staff,
        username: args.username.clone(),
        password: args.password.clone(),
        amount: args.amount.clone(),
        amount_minor: args.amount_minor,
        deadline,
        orders,
        next: AtomicUsize::new(0),
    });
    let workers: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| {
            let plan = Arc::clone(&plan);
            tokio::spawn(async move { plan.work().await })
        })
        .collect();
    let mut requested = Vec::new();
    for worker in workers {
        requested.extend(worker.await.context("a refund worker panicked")?);
    }
    requested.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    std::fs::write(&args.out, serde_json::to_vec_pretty(&requested)?)
        .with_context(|| format!("writing {}", args.out))?;
    let answered = requested.iter().filter(|r| r.answered).count();
    let refused = requested.iter().filter(|r| r.refused.is_some()).count();
    let errors: u32 = requested.iter().map(|r| r.errors).sum();
    let submits: u32 = requested.iter().map(|r| r.submits).sum();
    let elapsed = started.elapsed().as_secs_f64();
    let value = json!({
        "kind": "refund",
        "orders": plan.orders.len(),
        "answered": answered,
        "refused": refused,
        "unanswered": plan.orders.len() - answered - refused,
        "submits": submits,
        "errors": errors,
        "seconds": (elapsed * 100.0).round() / 100.0,
    });
    let human = format!(
        "orders={} answered={answered} refused={refused} submits={submits} errors={errors} seconds={elapsed:.1}",
        plan.orders.len()
    );
    crate::print_report(args.json, &value, &human)?;
    Ok(answered == plan.orders.len())
}

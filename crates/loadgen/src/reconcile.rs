//! `loadgen state-verify`: after a chaos or fault-storm run, compares every order (and
//! refund) in the app's database with the simulator's own state (`GET /__sim/orders`), as
//! a reconciliation would. Orders must be in both with the same status and amount; every
//! refund at the simulator must be in the app with the same amount and status; every
//! refund staff asked for (`loadgen refund --out`, or the app's own requests) must exist at
//! the simulator exactly once — a second refund at the simulator for one request counts as
//! double-applied, an answered request missing on either side as lost. With `--wait` it
//! polls until the two states are equal (bounded) and reports how long that took.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use juspay_sim::control::OrderSummary;
use serde_json::json;

use crate::db::{Db, on_db};
use crate::refund::Requested;

#[derive(Debug, Args)]
pub struct StateVerifyArgs {
    /// The simulator's base URL.
    #[arg(long)]
    sim: String,
    /// The app's database.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Only orders whose id starts with this.
    #[arg(long, default_value = "")]
    prefix: String,
    /// The requests `loadgen refund --out` wrote; without it, the refunds the app itself
    /// records as requested.
    #[arg(long)]
    refunds: Option<String>,
    /// Seconds to wait at most for the states to become equal.
    #[arg(long, default_value_t = 0.0)]
    wait: f64,
    /// One JSON object instead of the human line.
    #[arg(long)]
    json: bool,
}

/// An order row of the app: id, status, amount, currency.
type AppOrder = (String, String, i64, String);
/// A refund row of the app: request id, order id, amount, status, request state.
type AppRefund = (String, String, i64, String, Option<String>);

/// The figures of one comparison.
#[derive(Debug, Default, Clone)]
struct Comparison {
    orders: usize,
    app_orders: usize,
    missing_in_app: usize,
    unknown_at_sim: usize,
    status_differs: usize,
    amount_differs: usize,
    requested: usize,
    answered: usize,
    sim_refunds: usize,
    app_refunds: usize,
    refunds_missing_in_app: usize,
    refund_differs: usize,
    refunds_unsettled_here: usize,
    refunds_lost: usize,
    double_applied: usize,
    examples: Vec<String>,
}

impl Comparison {
    fn equal(&self) -> bool {
        self.missing_in_app == 0
            && self.unknown_at_sim == 0
            && self.status_differs == 0
            && self.amount_differs == 0
            && self.refunds_missing_in_app == 0
            && self.refund_differs == 0
            && self.refunds_unsettled_here == 0
            && self.refunds_lost == 0
    }

    fn passed(&self) -> bool {
        self.equal() && self.double_applied == 0
    }

    fn example(&mut self, text: String) {
        if self.examples.len() < 8 {
            self.examples.push(text);
        }
    }

    fn compare(
        sim: &[OrderSummary],
        orders: &[AppOrder],
        refunds: &[AppRefund],
        requested: &[Requested],
    ) -> Self {
        let mut c = Self {
            orders: sim.len(),
            app_orders: orders.len(),
            app_refunds: refunds.len(),
            ..Self::default()
        };
        let app: BTreeMap<&str, &AppOrder> = orders.iter().map(|o| (o.0.as_str(), o)).collect();
        let at_sim: BTreeSet<&str> = sim.iter().map(|o| o.order_id.as_str()).collect();
        for o in sim {
            match app.get(o.order_id.as_str()) {
                None => {
                    c.missing_in_app += 1;
                    c.example(format!(
                        "{}: {} at the simulator, not in the app",
                        o.order_id, o.status
                    ));
                }
                Some(ours) => {
                    if ours.1 != o.status {
                        c.status_differs += 1;
                        c.example(format!(
                            "{}: app {} simulator {}",
                            o.order_id, ours.1, o.status
                        ));
                    }
                    if ours.2 != o.amount || ours.3 != o.currency {
                        c.amount_differs += 1;
                        c.example(format!(
                            "{}: app {} {} simulator {} {}",
                            o.order_id, ours.2, ours.3, o.amount, o.currency
                        ));
                    }
                }
            }
        }
        c.unknown_at_sim = orders
            .iter()
            .filter(|o| !at_sim.contains(o.0.as_str()))
            .count();

        let ours: BTreeMap<&str, &AppRefund> = refunds.iter().map(|r| (r.0.as_str(), r)).collect();
        let mut sim_ids: BTreeMap<&str, usize> = BTreeMap::new();
        let mut sim_per_order: BTreeMap<&str, usize> = BTreeMap::new();
        for o in sim {
            for r in &o.refunds {
                c.sim_refunds += 1;
                *sim_ids.entry(r.unique_request_id.as_str()).or_default() += 1;
                if !r.auto {
                    *sim_per_order.entry(o.order_id.as_str()).or_default() += 1;
                }
                match ours.get(r.unique_request_id.as_str()) {
                    None => {
                        c.refunds_missing_in_app += 1;
                        c.example(format!(
                            "refund {} of {}: at the simulator, not in the app",
                            r.unique_request_id, o.order_id
                        ));
                    }
                    Some(mine) if mine.2 != r.amount || mine.3 != r.status => {
                        c.refund_differs += 1;
                        c.example(format!(
                            "refund {}: app {} {} simulator {} {}",
                            r.unique_request_id, mine.2, mine.3, r.amount, r.status
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        // Our requests still being resent are not settled here yet.
        c.refunds_unsettled_here = refunds
            .iter()
            .filter(|r| matches!(r.4.as_deref(), Some("sending" | "unknown")))
            .count();
        // Every request: from the file, or the app's own record of what it asked for.
        let asked: Vec<(String, Option<String>, bool)> = if requested.is_empty() {
            refunds
                .iter()
                .filter(|r| r.4.is_some())
                .map(|r| {
                    (
                        r.1.clone(),
                        Some(r.0.clone()),
                        r.4.as_deref() != Some("refused"),
                    )
                })
                .collect()
        } else {
            requested
                .iter()
                .map(|r| (r.order_id.clone(), r.unique_request_id.clone(), r.answered))
                .collect()
        };
        c.requested = asked.iter().filter(|a| a.1.is_some()).count();
        c.answered = asked.iter().filter(|a| a.2).count();
        let mut asked_per_order: BTreeMap<&str, usize> = BTreeMap::new();
        for (order_id, key, answered) in &asked {
            let Some(key) = key else { continue };
            *asked_per_order.entry(order_id.as_str()).or_default() += 1;
            let refused_here = ours
                .get(key.as_str())
                .is_some_and(|r| r.4.as_deref() == Some("refused"));
            if *answered
                && !refused_here
                && (!sim_ids.contains_key(key.as_str()) || !ours.contains_key(key.as_str()))
            {
                c.refunds_lost += 1;
                c.example(format!(
                    "refund {key} of {order_id}: answered, but at the simulator: {}, in the app: {}",
                    sim_ids.contains_key(key.as_str()),
                    ours.contains_key(key.as_str())
                ));
            }
        }
        for (order_id, &made) in &sim_per_order {
            let asked = asked_per_order.get(order_id).copied().unwrap_or(0);
            if made > asked {
                c.double_applied += made - asked;
                c.example(format!(
                    "{order_id}: {made} refunds at the simulator for {asked} requests"
                ));
            }
        }
        c.double_applied += sim_ids
            .values()
            .filter(|&&n| n > 1)
            .map(|n| n - 1)
            .sum::<usize>();
        c
    }
}

/// Every order of the simulator's primary merchant.
pub async fn fetch_sim_orders(
    client: &reqwest::Client,
    sim: &str,
) -> anyhow::Result<Vec<OrderSummary>> {
    let url = format!("{}/__sim/orders", sim.trim_end_matches('/'));
    let response = client
        .get(&url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?
        .error_for_status()?;
    Ok(response.json().await?)
}

async fn read_app(db: &Db) -> anyhow::Result<(Vec<AppOrder>, Vec<AppRefund>)> {
    let orders: Vec<AppOrder> = on_db!(db, p => {
        sqlx::query_as("SELECT order_id, status, amount, currency FROM orders")
            .fetch_all(p)
            .await
    })
    .context("reading orders")?;
    let refunds: Vec<AppRefund> = on_db!(db, p => {
        sqlx::query_as(
            "SELECT unique_request_id, order_id, amount, status, request_state FROM refunds",
        )
        .fetch_all(p)
        .await
    })
    .context("reading refunds")?;
    Ok((orders, refunds))
}

pub async fn run(args: &StateVerifyArgs) -> anyhow::Result<bool> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let requested: Vec<Requested> = match &args.refunds {
        Some(path) => {
            serde_json::from_slice(&std::fs::read(path).with_context(|| format!("reading {path}"))?)
                .with_context(|| format!("parsing {path}"))?
        }
        None => Vec::new(),
    };
    let db = Db::connect(&args.database_url, 2).await?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.wait);
    let ours = |id: &str| id.starts_with(&args.prefix);
    let (comparison, converged) = loop {
        let sim: Vec<OrderSummary> = fetch_sim_orders(&client, &args.sim)
            .await?
            .into_iter()
            .filter(|o| ours(&o.order_id))
            .collect();
        // The database may be down for a moment (a chaos run restarting it): try again.
        let (orders, refunds) = match read_app(&db).await {
            Ok(read) => read,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(error) => return Err(error),
        };
        let orders: Vec<AppOrder> = orders.into_iter().filter(|o| ours(&o.0)).collect();
        let refunds: Vec<AppRefund> = refunds.into_iter().filter(|r| ours(&r.1)).collect();
        let comparison = Comparison::compare(&sim, &orders, &refunds, &requested);
        if comparison.equal() {
            break (comparison, Some(started.elapsed().as_secs_f64()));
        }
        if Instant::now() >= deadline {
            break (comparison, None);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    db.close().await;
    let c = &comparison;
    let value = json!({
        "kind": "state-verify",
        "orders": c.orders,
        "app_orders": c.app_orders,
        "missing_in_app": c.missing_in_app,
        "unknown_at_sim": c.unknown_at_sim,
        "status_differs": c.status_differs,
        "amount_differs": c.amount_differs,
        "refunds_requested": c.requested,
        "refunds_answered": c.answered,
        "sim_refunds": c.sim_refunds,
        "app_refunds": c.app_refunds,
        "refunds_missing_in_app": c.refunds_missing_in_app,
        "refund_differs": c.refund_differs,
        "refunds_unsettled_here": c.refunds_unsettled_here,
        "refunds_lost": c.refunds_lost,
        "double_applied": c.double_applied,
        "equal": c.equal(),
        "converged_seconds": converged.map(|s| (s * 10.0).round() / 10.0),
        "examples": c.examples,
        "passed": c.passed(),
    });
    let human = format!(
        "orders={} app_orders={} missing_in_app={} unknown_at_sim={} status_differs={} \
         amount_differs={} refunds_requested={} sim_refunds={} app_refunds={} refunds_lost={} \
         refund_differs={} double_applied={} converged_seconds={} => {}{}",
        c.orders,
        c.app_orders,
        c.missing_in_app,
        c.unknown_at_sim,
        c.status_differs,
        c.amount_differs,
        c.requested,
        c.sim_refunds,
        c.app_refunds,
        c.refunds_lost,
        c.refund_differs,
        c.double_applied,
        converged.map_or("never".to_owned(), |s| format!("{s:.1}")),
        if c.passed() { "PASS" } else { "FAIL" },
        if c.examples.is_empty() {
            String::new()
        } else {
            format!("\n  {}", c.examples.join("\n  "))
        }
    );
    crate::print_report(args.json, &value, &human)?;
    Ok(c.passed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use juspay_sim::control::RefundSummary;

    fn sim_order(id: &str, status: &str, refunds: &[(&str, &str)]) -> OrderSummary {
        OrderSummary {
            order_id: id.to_owned(),
            status: status.to_owned(),
            amount: 10_000,
            currency: "INR".to_owned(),
            refunds: refunds
                .iter()
                .map(|(key, status)| RefundSummary {
                    unique_request_id: (*key).to_owned(),
                    amount: 1_000,
                    status: (*status).to_owned(),
                    auto: false,
                })
                .collect(),
        }
    }

    fn app_order(id: &str, status: &str) -> AppOrder {
        (id.to_owned(), status.to_owned(), 10_000, "INR".to_owned())
    }

    fn app_refund(key: &str, order: &str, status: &str, state: &str) -> AppRefund {
        (
            key.to_owned(),
            order.to_owned(),
            1_000,
            status.to_owned(),
            Some(state.to_owned()),
        )
    }

    fn asked(order: &str, key: &str) -> Requested {
        Requested {
            order_id: order.to_owned(),
            unique_request_id: Some(key.to_owned()),
            amount: 1_000,
            answered: true,
            refused: None,
            submits: 1,
            errors: 0,
        }
    }

    #[test]
    fn equal_states_pass_and_a_status_gap_does_not() {
        let sim = [sim_order("a", "CHARGED", &[("rf_1", "SUCCESS")])];
        let refunds = [app_refund("rf_1", "a", "SUCCESS", "sent")];
        let equal = Comparison::compare(
            &sim,
            &[app_order("a", "CHARGED")],
            &refunds,
            &[asked("a", "rf_1")],
        );
        assert!(equal.passed(), "{equal:?}");
        let behind = Comparison::compare(
            &sim,
            &[app_order("a", "PENDING_VBV")],
            &refunds,
            &[asked("a", "rf_1")],
        );
        assert_eq!(behind.status_differs, 1);
        assert!(!behind.equal());
    }

    #[test]
    fn a_second_refund_at_the_simulator_for_one_request_is_double_applied() {
        let sim = [sim_order(
            "a",
            "CHARGED",
            &[("rf_1", "SUCCESS"), ("rf_2", "SUCCESS")],
        )];
        let c = Comparison::compare(
            &sim,
            &[app_order("a", "CHARGED")],
            &[
                app_refund("rf_1", "a", "SUCCESS", "sent"),
                app_refund("rf_2", "a", "SUCCESS", "sent"),
            ],
            &[asked("a", "rf_1")],
        );
        assert_eq!(c.double_applied, 1);
        assert!(c.equal() && !c.passed());
    }

    #[test]
    fn an_answered_request_missing_at_the_simulator_is_lost() {
        let c = Comparison::compare(
            &[sim_order("a", "CHARGED", &[])],
            &[app_order("a", "CHARGED")],
            &[app_refund("rf_1", "a", "PENDING", "sent")],
            &[asked("a", "rf_1")],
        );
        assert_eq!(c.refunds_lost, 1);
        assert!(!c.passed());
    }
}

//! `loadgen mandates` and `loadgen mandate-verify`: mandates handled by staff while a fault
//! storm answers the app's mandate calls with 5xx, 429 and timeouts.
//!
//! `mandates` registers `--count` mandates at the simulator the way customers do (a
//! mandate registration order per customer, paid), so the app learns of each one from
//! Juspay's webhooks, which the storm may drop. Signed in as the admin, staff then work
//! through every mandate as a person would: open it (`get_mandate`) until the app shows
//! it, asking Juspay for the customer's mandates (`refresh_customer_mandates`) when it
//! stays missing; then follow the mandate's plan — some are paused, some paused and
//! resumed, some revoked, some paused and revoked, some debited once, the rest only
//! checked — and end with a status check (`check_mandate`). After an answer that is not a
//! success, staff check the mandate's status with Juspay and look again before pressing
//! anything, since the action may have happened even though the answer was lost. A debit
//! moves money and its form carries no key of its own (the app mints a fresh order id per
//! submit), so after an unclear answer staff resubmit it only when the mandate's debits
//! list shows nothing new; every debit the app recorded for staff goes to `--out`.
//!
//! `mandate-verify` then compares every mandate of the run (by registration order prefix)
//! in the app's database with the simulator's (`GET /__sim/mandates`): the same status,
//! each debit at the simulator known to the app with the same status, and no mandate
//! debited at the simulator more often than staff asked. With `--wait` it polls until the
//! two agree (bounded) and reports how long that took.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use juspay_sim::control::MandateSummary;
use juspay_sim::{PaymentMethod, PaymentRequest};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::Staff;
use crate::db::{Db, on_db};

#[derive(Debug, Args)]
pub struct MandatesArgs {
    /// The app's base URL.
    #[arg(long)]
    url: String,
    /// The simulator's base URL.
    #[arg(long)]
    sim: String,
    /// The simulator's API key (its --api-key), to create the registration orders.
    #[arg(long, env = "JUSPAY_SIM_API_KEY", default_value = "sim_api_key")]
    api_key: String,
    #[arg(long, default_value = "admin")]
    username: String,
    #[arg(long, env = "DASHBOARD_ADMIN__PASSWORD")]
    password: String,
    /// Mandates to register and handle.
    #[arg(long, default_value_t = 40)]
    count: usize,
    /// Prefix of the registration order ids (and of the customer ids).
    #[arg(long, default_value = "mreg")]
    prefix: String,
    /// Amount of each debit, major units of the mandate's currency (INR).
    #[arg(long, default_value = "10.00")]
    debit_amount: String,
    /// Mandates handled at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Seconds to give up after, for the whole run.
    #[arg(long, default_value_t = 300.0)]
    deadline: f64,
    /// Where to write what was done to each mandate (JSON array).
    #[arg(long)]
    out: String,
    /// One JSON object instead of the human line.
    #[arg(long)]
    json: bool,
}

/// A staff action in a mandate's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Pause,
    Resume,
    Revoke,
    Debit,
    Check,
}

impl Step {
    /// The mandate's status once the step took effect; `None` for steps that leave it.
    fn target(self) -> Option<&'static str> {
        match self {
            Self::Pause => Some("PAUSED"),
            Self::Resume => Some("ACTIVE"),
            Self::Revoke => Some("REVOKED"),
            Self::Debit | Self::Check => None,
        }
    }
}

/// The plan of the `index`-th mandate: every kind of change, each ending with a check.
fn plan(index: usize) -> Vec<Step> {
    use Step::{Check, Debit, Pause, Resume, Revoke};
    match index % 6 {
        0 => vec![Check],
        1 => vec![Pause, Check],
        2 => vec![Pause, Resume, Check],
        3 => vec![Revoke, Check],
        4 => vec![Debit, Check],
        _ => vec![Pause, Revoke, Check],
    }
}

/// What staff did to one mandate.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Handled {
    pub registration_order_id: String,
    pub customer_id: String,
    pub mandate_id: Option<String>,
    pub plan: Vec<Step>,
    /// Steps carried out (the app answered or shows the result).
    pub done: Vec<Step>,
    /// A step given up on, with the app's last refusal.
    pub refused: Option<String>,
    /// Debit orders the app recorded for staff's debit submits.
    pub debits: Vec<String>,
    /// Debit forms submitted, resubmits included.
    pub debit_submits: u32,
    /// Action submits of every kind, resubmits included.
    pub submits: u32,
    /// 5xx, 429, lost connections and sessions met on the way.
    pub errors: u32,
    /// `refresh_customer_mandates` calls made because the app did not show the mandate.
    pub refreshes: u32,
    /// The app's status for the mandate after the last step.
    pub app_status: Option<String>,
}

/// One server-function answer.
enum Answer {
    Ok(Value),
    /// The app wants the password again (step-up) before this action.
    StepUp,
    /// Worth pressing again: a 5xx or 429, a lost connection or session.
    Retry,
    /// 404: the app does not know the mandate.
    NotFound,
    /// Refused for good (4xx), with the app's message.
    Refused(String),
}

struct Plan {
    client: reqwest::Client,
    staff: Staff,
    sim: String,
    api_key: String,
    username: String,
    password: String,
    prefix: String,
    debit_amount: String,
    count: usize,
    deadline: Instant,
    next: AtomicUsize,
}

fn pause() -> tokio::time::Sleep {
    tokio::time::sleep(Duration::from_millis(300))
}

/// `YYYY-MM-DD`, UTC, `days` from today.
fn utc_day(days: i64) -> String {
    let at = dashboard_core::clock::now_millis() + days * 86_400_000;
    dashboard_core::clock::format_utc(at)
        .chars()
        .take(10)
        .collect()
}

impl Plan {
    fn late(&self) -> bool {
        Instant::now() >= self.deadline
    }

    async fn call(&self, staff: &mut Staff, function: &str, form: &[(&str, &str)]) -> Answer {
        let Ok(response) = staff.call(function, form).await else {
            return Answer::Retry;
        };
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        match status {
            200..=299 => Answer::Ok(serde_json::from_str(&body).unwrap_or(Value::Null)),
            403 if body.contains("StepUpRequired") => Answer::StepUp,
            401 | 403 => {
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
                Answer::Retry
            }
            404 => Answer::NotFound,
            429 | 500..=599 => Answer::Retry,
            _ => Answer::Refused(format!(
                "HTTP {status}: {}",
                body.chars().take(200).collect::<String>()
            )),
        }
    }

    /// Confirms the admin's identity for the sensitive actions of the next minutes.
    async fn step_up(&self, staff: &mut Staff, done: &mut Handled) {
        while !self.late() {
            let form = [("confirm_password", self.password.as_str())];
            match self.call(staff, "confirm_identity", &form).await {
                Answer::Ok(_) => return,
                _ => done.errors += 1,
            }
            pause().await;
        }
    }

    /// Creates the registration order at the simulator and pays it; returns the mandate id.
    async fn register(&self, index: usize, done: &Handled) -> anyhow::Result<String> {
        let order_id = done.registration_order_id.as_str();
        let form = [
            ("order_id", order_id),
            ("amount", "1.00"),
            ("currency", "INR"),
            ("customer_id", done.customer_id.as_str()),
            ("options.create_mandate", "REQUIRED"),
            ("mandate.max_amount", "5000.00"),
            ("mandate.amount_rule", "VARIABLE"),
            ("mandate.frequency", "MONTHLY"),
        ];
        self.client
            .post(format!("{}/orders", self.sim))
            .basic_auth(&self.api_key, Some(""))
            .form(&form)
            .send()
            .await?
            .error_for_status()
            .with_context(|| format!("creating {order_id}"))?;
        let method = if index.is_multiple_of(2) {
            PaymentMethod::Upi
        } else {
            PaymentMethod::Card
        };
        self.client
            .post(format!("{}/__sim/orders/{order_id}/pay", self.sim))
            .json(&PaymentRequest::charged(method))
            .send()
            .await?
            .error_for_status()
            .with_context(|| format!("paying {order_id}"))?;
        let order: Value = self
            .client
            .get(format!("{}/__sim/orders/{order_id}", self.sim))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        order["mandate"]["mandate_id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("{order_id} registered no mandate: {order}"))
    }

    /// The app's view of the mandate, once it shows it; `None` past the deadline. Asks
    /// Juspay for the customer's mandates when the app has not shown it for a while (its
    /// webhooks may have been dropped).
    async fn open(&self, staff: &mut Staff, mandate_id: &str, done: &mut Handled) -> Option<Value> {
        let mut missing_since: Option<Instant> = None;
        while !self.late() {
            match self
                .call(staff, "get_mandate", &[("mandate_id", mandate_id)])
                .await
            {
                Answer::Ok(detail) => return Some(detail),
                Answer::NotFound => {
                    let since = *missing_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= Duration::from_secs(5) {
                        done.refreshes += 1;
                        let form = [("customer_id", done.customer_id.as_str())];
                        if !matches!(
                            self.call(staff, "refresh_customer_mandates", &form).await,
                            Answer::Ok(_)
                        ) {
                            done.errors += 1;
                        }
                        missing_since = Some(Instant::now());
                    }
                }
                Answer::StepUp => self.step_up(staff, done).await,
                Answer::Retry | Answer::Refused(_) => done.errors += 1,
            }
            pause().await;
        }
        None
    }

    /// Asks Juspay for the mandate's status through the app, pressing again until answered;
    /// `false` if the app refused for good.
    async fn check(&self, staff: &mut Staff, mandate_id: &str, done: &mut Handled) -> bool {
        while !self.late() {
            done.submits += 1;
            match self
                .call(staff, "check_mandate", &[("mandate_id", mandate_id)])
                .await
            {
                Answer::Ok(_) => return true,
                Answer::StepUp => self.step_up(staff, done).await,
                Answer::Retry | Answer::NotFound => done.errors += 1,
                Answer::Refused(message) => {
                    done.refused = Some(message);
                    return false;
                }
            }
            pause().await;
        }
        false
    }

    /// Pause, resume or revoke, until the app shows the mandate in the step's status.
    async fn change(
        &self,
        staff: &mut Staff,
        mandate_id: &str,
        step: Step,
        target: &str,
        done: &mut Handled,
    ) -> bool {
        let (start, end) = (utc_day(0), utc_day(30));
        let mut refusals = 0;
        while !self.late() {
            let Some(detail) = self.open(staff, mandate_id, done).await else {
                return false;
            };
            let status = detail["status"].as_str().unwrap_or_default().to_owned();
            if status == target {
                return true;
            }
            if matches!(status.as_str(), "REVOKED" | "FAILURE" | "EXPIRED") {
                done.refused = Some(format!("{step:?}: the mandate is {status}"));
                return false;
            }
            let form: Vec<(&str, &str)> = match step {
                Step::Pause => vec![("mandate_id", mandate_id), ("start", &start), ("end", &end)],
                Step::Revoke => vec![
                    ("mandate_id", mandate_id),
                    ("confirm", mandate_id),
                    ("reason", "storm: customer asked"),
                ],
                Step::Resume | Step::Debit | Step::Check => vec![("mandate_id", mandate_id)],
            };
            let function = match step {
                Step::Pause => "pause_mandate",
                Step::Revoke => "revoke_mandate",
                Step::Resume | Step::Debit | Step::Check => "resume_mandate",
            };
            done.submits += 1;
            match self.call(staff, function, &form).await {
                Answer::Ok(_) => continue,
                Answer::StepUp => {
                    self.step_up(staff, done).await;
                    continue;
                }
                Answer::Retry | Answer::NotFound => done.errors += 1,
                // Refused, perhaps because Juspay already made the change whose answer
                // was lost: the status check below shows which. A refusal that stays is
                // the app's last word.
                Answer::Refused(message) => {
                    refusals += 1;
                    if refusals >= 10 {
                        done.refused = Some(format!("{step:?}: {message}"));
                        return false;
                    }
                }
            }
            // The answer was lost or refused: what does Juspay say now?
            if !self.check(staff, mandate_id, done).await {
                return false;
            }
            pause().await;
        }
        false
    }

    /// One debit: submitted again only while the app's debits list shows nothing new.
    async fn debit(&self, staff: &mut Staff, mandate_id: &str, done: &mut Handled) -> bool {
        let executions = |detail: &Value| -> BTreeSet<String> {
            detail["executions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e[0].as_str().map(str::to_owned))
                .collect()
        };
        let Some(detail) = self.open(staff, mandate_id, done).await else {
            return false;
        };
        let before = executions(&detail);
        let mut refusals = 0;
        while !self.late() {
            done.debit_submits += 1;
            done.submits += 1;
            let form = [
                ("mandate_id", mandate_id),
                ("amount", self.debit_amount.as_str()),
            ];
            match self.call(staff, "execute_mandate", &form).await {
                Answer::Ok(created) => {
                    if let Some(id) = created["id"].as_str() {
                        done.debits.push(id.to_owned());
                    }
                    return true;
                }
                Answer::StepUp => {
                    self.step_up(staff, done).await;
                    continue;
                }
                // A mandate learned from its registration order alone may not name its
                // customer yet; the app asks for a refresh, as staff then do.
                Answer::Refused(message) if message.contains("refresh it first") => {
                    refusals += 1;
                    if refusals >= 10 || !self.check(staff, mandate_id, done).await {
                        done.refused = Some(message);
                        return false;
                    }
                    continue;
                }
                Answer::Refused(message) => {
                    done.refused = Some(message);
                    return false;
                }
                Answer::Retry | Answer::NotFound => done.errors += 1,
            }
            // An unclear answer: the debit may have been made. Look before pressing again.
            pause().await;
            let Some(detail) = self.open(staff, mandate_id, done).await else {
                return false;
            };
            let new: Vec<String> = executions(&detail).difference(&before).cloned().collect();
            if !new.is_empty() {
                done.debits.extend(new);
                return true;
            }
        }
        false
    }

    async fn handle(&self, staff: &mut Staff, index: usize) -> Handled {
        let mut done = Handled {
            registration_order_id: format!("{}-{index}", self.prefix),
            customer_id: format!("{}-cust-{index}", self.prefix),
            plan: plan(index),
            ..Handled::default()
        };
        let mandate_id = match self.register(index, &done).await {
            Ok(id) => id,
            Err(error) => {
                done.refused = Some(format!("registration: {error:#}"));
                return done;
            }
        };
        done.mandate_id = Some(mandate_id.clone());
        for step in done.plan.clone() {
            let ok = match step.target() {
                Some(target) => {
                    self.change(staff, &mandate_id, step, target, &mut done)
                        .await
                }
                None if step == Step::Debit => self.debit(staff, &mandate_id, &mut done).await,
                None => self.check(staff, &mandate_id, &mut done).await,
            };
            if !ok {
                break;
            }
            done.done.push(step);
        }
        if let Some(detail) = self.open(staff, &mandate_id, &mut done).await {
            done.app_status = detail["status"].as_str().map(str::to_owned);
        }
        done
    }

    async fn work(&self) -> Vec<Handled> {
        let mut staff = self.staff.clone();
        let mut handled = Vec::new();
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            if index >= self.count {
                break;
            }
            handled.push(self.handle(&mut staff, index).await);
        }
        handled
    }
}

pub async fn run(args: &MandatesArgs) -> anyhow::Result<bool> {
    let http = crate::app::staff_client()?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.deadline);
    let staff =
        Staff::sign_in_before(&http, &args.url, &args.username, &args.password, deadline).await?;
    let plan = Arc::new(Plan {
        client: http,
        staff,
        sim: args.sim.trim_end_matches('/').to_owned(),
        api_key: args.api_key.clone(),
        username: args.username.clone(),
        password: args.password.clone(),
        prefix: args.prefix.clone(),
        debit_amount: args.debit_amount.clone(),
        count: args.count,
        deadline,
        next: AtomicUsize::new(0),
    });
    let workers: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| {
            let plan = Arc::clone(&plan);
            tokio::spawn(async move { plan.work().await })
        })
        .collect();
    let mut handled = Vec::new();
    for worker in workers {
        handled.extend(worker.await.context("a mandate worker panicked")?);
    }
    handled.sort_by_key(|h| {
        h.registration_order_id
            .rsplit('-')
            .next()
            .and_then(|n| n.parse::<usize>().ok())
    });
    std::fs::write(&args.out, serde_json::to_vec_pretty(&handled)?)
        .with_context(|| format!("writing {}", args.out))?;
    let registered = handled.iter().filter(|h| h.mandate_id.is_some()).count();
    let completed = handled.iter().filter(|h| h.done == h.plan).count();
    let refused = handled.iter().filter(|h| h.refused.is_some()).count();
    let steps: usize = handled.iter().map(|h| h.done.len()).sum();
    let submits: u32 = handled.iter().map(|h| h.submits).sum();
    let errors: u32 = handled.iter().map(|h| h.errors).sum();
    let refreshes: u32 = handled.iter().map(|h| h.refreshes).sum();
    let debits: usize = handled.iter().map(|h| h.debits.len()).sum();
    let debit_submits: u32 = handled.iter().map(|h| h.debit_submits).sum();
    let elapsed = started.elapsed().as_secs_f64();
    let value = json!({
        "kind": "mandates",
        "mandates": args.count,
        "registered": registered,
        "completed": completed,
        "refused": refused,
        "steps": steps,
        "submits": submits,
        "errors": errors,
        "refreshes": refreshes,
        "debits": debits,
        "debit_submits": debit_submits,
        "seconds": (elapsed * 100.0).round() / 100.0,
    });
    let human = format!(
        "mandates={} registered={registered} completed={completed} refused={refused} \
         steps={steps} submits={submits} errors={errors} refreshes={refreshes} \
         debits={debits} debit_submits={debit_submits} seconds={elapsed:.1}",
        args.count
    );
    crate::print_report(args.json, &value, &human)?;
    Ok(completed == args.count)
}

#[derive(Debug, Args)]
pub struct MandateVerifyArgs {
    /// The simulator's base URL.
    #[arg(long)]
    sim: String,
    /// The app's database.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Only mandates whose registration order id starts with this.
    #[arg(long, default_value = "mreg")]
    prefix: String,
    /// What `loadgen mandates --out` wrote: the debits staff asked for.
    #[arg(long)]
    handled: Option<String>,
    /// Seconds to wait at most for the states to become equal.
    #[arg(long, default_value_t = 0.0)]
    wait: f64,
    /// One JSON object instead of the human line.
    #[arg(long)]
    json: bool,
}

/// The figures of one comparison.
#[derive(Debug, Default, Clone)]
struct Comparison {
    mandates: usize,
    missing_in_app: usize,
    status_differs: usize,
    debits: usize,
    debits_missing_in_app: usize,
    debit_status_differs: usize,
    /// Debits the app recorded for staff that Juspay never made (refused or lost calls).
    app_debits_not_at_sim: usize,
    double_applied: usize,
    examples: Vec<String>,
}

impl Comparison {
    fn equal(&self) -> bool {
        self.missing_in_app == 0
            && self.status_differs == 0
            && self.debits_missing_in_app == 0
            && self.debit_status_differs == 0
    }

    fn passed(&self) -> bool {
        self.equal() && self.double_applied == 0
    }

    fn example(&mut self, text: String) {
        if self.examples.len() < 8 {
            self.examples.push(text);
        }
    }

    /// `mandates` and `orders`: the app's status by id; `asked`: debits staff meant to
    /// make per mandate id, and the debit orders the app recorded for them.
    fn compare(
        sim: &[MandateSummary],
        mandates: &BTreeMap<String, String>,
        orders: &BTreeMap<String, String>,
        asked: &BTreeMap<String, (usize, Vec<String>)>,
    ) -> Self {
        let mut c = Self {
            mandates: sim.len(),
            ..Self::default()
        };
        for m in sim {
            match mandates.get(&m.mandate_id) {
                None => {
                    c.missing_in_app += 1;
                    c.example(format!(
                        "mandate {} ({}): {} at the simulator, not in the app",
                        m.mandate_id, m.order_id, m.status
                    ));
                }
                Some(ours) if *ours != m.status => {
                    c.status_differs += 1;
                    c.example(format!(
                        "mandate {} ({}): app {ours} simulator {}",
                        m.mandate_id, m.order_id, m.status
                    ));
                }
                Some(_) => {}
            }
            for d in &m.debits {
                c.debits += 1;
                match orders.get(&d.order_id) {
                    None => {
                        c.debits_missing_in_app += 1;
                        c.example(format!(
                            "debit {} of {}: {} at the simulator, not in the app",
                            d.order_id, m.mandate_id, d.status
                        ));
                    }
                    Some(ours) if *ours != d.status => {
                        c.debit_status_differs += 1;
                        c.example(format!(
                            "debit {} of {}: app {ours} simulator {}",
                            d.order_id, m.mandate_id, d.status
                        ));
                    }
                    Some(_) => {}
                }
            }
            let (meant, recorded) = asked
                .get(&m.mandate_id)
                .map_or((0, &[][..]), |(n, ids)| (*n, ids.as_slice()));
            if m.debits.len() > meant {
                c.double_applied += m.debits.len() - meant;
                c.example(format!(
                    "mandate {}: debited {} times at the simulator for {meant} debits asked",
                    m.mandate_id,
                    m.debits.len()
                ));
            }
            let at_sim: BTreeSet<&str> = m.debits.iter().map(|d| d.order_id.as_str()).collect();
            c.app_debits_not_at_sim += recorded
                .iter()
                .filter(|id| !at_sim.contains(id.as_str()))
                .count();
        }
        c
    }
}

/// Every mandate of the simulator's primary merchant.
async fn fetch_sim_mandates(
    client: &reqwest::Client,
    sim: &str,
) -> anyhow::Result<Vec<MandateSummary>> {
    let url = format!("{}/__sim/mandates", sim.trim_end_matches('/'));
    let response = client
        .get(&url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?
        .error_for_status()?;
    Ok(response.json().await?)
}

type StatusById = BTreeMap<String, String>;

async fn read_app(db: &Db) -> anyhow::Result<(StatusById, StatusById)> {
    let mandates: Vec<(String, String)> = on_db!(db, p => {
        sqlx::query_as("SELECT mandate_id, status FROM mandates")
            .fetch_all(p)
            .await
    })
    .context("reading mandates")?;
    let orders: Vec<(String, String)> = on_db!(db, p => {
        sqlx::query_as("SELECT order_id, status FROM orders")
            .fetch_all(p)
            .await
    })
    .context("reading orders")?;
    Ok((mandates.into_iter().collect(), orders.into_iter().collect()))
}

pub async fn verify(args: &MandateVerifyArgs) -> anyhow::Result<bool> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let handled: Vec<Handled> = match &args.handled {
        Some(path) => {
            serde_json::from_slice(&std::fs::read(path).with_context(|| format!("reading {path}"))?)
                .with_context(|| format!("parsing {path}"))?
        }
        None => Vec::new(),
    };
    let asked: BTreeMap<String, (usize, Vec<String>)> = handled
        .iter()
        .filter_map(|h| {
            let meant = h.plan.iter().filter(|s| **s == Step::Debit).count();
            h.mandate_id
                .clone()
                .map(|id| (id, (meant, h.debits.clone())))
        })
        .collect();
    let db = Db::connect(&args.database_url, 2).await?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.wait);
    let (comparison, converged) = loop {
        let sim: Vec<MandateSummary> = fetch_sim_mandates(&client, &args.sim)
            .await?
            .into_iter()
            .filter(|m| m.order_id.starts_with(&args.prefix))
            .collect();
        let (mandates, orders) = match read_app(&db).await {
            Ok(read) => read,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(error) => return Err(error),
        };
        let comparison = Comparison::compare(&sim, &mandates, &orders, &asked);
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
        "kind": "mandate-verify",
        "mandates": c.mandates,
        "missing_in_app": c.missing_in_app,
        "status_differs": c.status_differs,
        "debits": c.debits,
        "debits_missing_in_app": c.debits_missing_in_app,
        "debit_status_differs": c.debit_status_differs,
        "app_debits_not_at_sim": c.app_debits_not_at_sim,
        "double_applied": c.double_applied,
        "equal": c.equal(),
        "converged_seconds": converged.map(|s| (s * 10.0).round() / 10.0),
        "examples": c.examples,
        "passed": c.passed(),
    });
    let human = format!(
        "mandates={} missing_in_app={} status_differs={} debits={} debits_missing_in_app={} \
         debit_status_differs={} app_debits_not_at_sim={} double_applied={} \
         converged_seconds={} => {}{}",
        c.mandates,
        c.missing_in_app,
        c.status_differs,
        c.debits,
        c.debits_missing_in_app,
        c.debit_status_differs,
        c.app_debits_not_at_sim,
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
    use juspay_sim::control::DebitSummary;

    fn sim_mandate(id: &str, status: &str, debits: &[(&str, &str)]) -> MandateSummary {
        MandateSummary {
            mandate_id: id.to_owned(),
            status: status.to_owned(),
            order_id: format!("mreg-{id}"),
            customer_id: Some("c".to_owned()),
            debits: debits
                .iter()
                .map(|(order_id, status)| DebitSummary {
                    order_id: (*order_id).to_owned(),
                    status: (*status).to_owned(),
                    amount: 1_000,
                })
                .collect(),
        }
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn equal_mandates_pass_and_a_status_gap_does_not() {
        let sim = [sim_mandate("m1", "PAUSED", &[])];
        let none = BTreeMap::new();
        let equal = Comparison::compare(&sim, &map(&[("m1", "PAUSED")]), &none, &none_asked());
        assert!(equal.passed(), "{equal:?}");
        let behind = Comparison::compare(&sim, &map(&[("m1", "ACTIVE")]), &none, &none_asked());
        assert_eq!(behind.status_differs, 1);
        assert!(!behind.equal());
        let missing = Comparison::compare(&sim, &none, &none, &none_asked());
        assert_eq!(missing.missing_in_app, 1);
    }

    fn none_asked() -> BTreeMap<String, (usize, Vec<String>)> {
        BTreeMap::new()
    }

    #[test]
    fn a_second_debit_at_the_simulator_for_one_asked_is_double_applied() {
        let sim = [sim_mandate(
            "m1",
            "ACTIVE",
            &[("md_1", "CHARGED"), ("md_2", "CHARGED")],
        )];
        let asked = BTreeMap::from([("m1".to_owned(), (1, vec!["md_1".to_owned()]))]);
        let c = Comparison::compare(
            &sim,
            &map(&[("m1", "ACTIVE")]),
            &map(&[("md_1", "CHARGED"), ("md_2", "CHARGED")]),
            &asked,
        );
        assert_eq!(c.double_applied, 1);
        assert!(c.equal() && !c.passed());
    }

    #[test]
    fn a_debit_the_app_follows_with_another_status_differs_and_one_never_made_is_counted() {
        let sim = [sim_mandate("m1", "ACTIVE", &[("md_1", "CHARGED")])];
        let asked = BTreeMap::from([(
            "m1".to_owned(),
            (1, vec!["md_1".to_owned(), "md_0".to_owned()]),
        )]);
        let c = Comparison::compare(
            &sim,
            &map(&[("m1", "ACTIVE")]),
            &map(&[("md_1", "NEW"), ("md_0", "NEW")]),
            &asked,
        );
        assert_eq!(c.debit_status_differs, 1);
        assert_eq!(c.app_debits_not_at_sim, 1);
        assert!(!c.equal());
    }

    #[test]
    fn every_plan_ends_with_a_check_and_all_kinds_of_change_occur() {
        let plans: Vec<Vec<Step>> = (0..6).map(plan).collect();
        assert!(plans.iter().all(|p| p.last() == Some(&Step::Check)));
        for step in [Step::Pause, Step::Resume, Step::Revoke, Step::Debit] {
            assert!(plans.iter().any(|p| p.contains(&step)), "{step:?}");
        }
    }
}

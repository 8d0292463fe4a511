//! Mandates: the list with filters, one mandate's parameters, history and debits, and the
//! actions — revoke, pause and resume for admins; check status, pre-debit notification,
//! debit and customer refresh for operators.

use dashboard_status::MandateStatus;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateSummary {
    pub mandate_id: String,
    pub customer: String,
    pub status: MandateStatus,
    pub max_amount: String,
    pub frequency: String,
    pub amount_rule: String,
    pub created: super::Moment,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateHistoryEntry {
    pub at: String,
    pub kind: String,
    pub text: String,
    pub order_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateDetail {
    pub mandate_id: String,
    pub status: MandateStatus,
    pub facts: Vec<(String, String)>,
    pub history: Vec<MandateHistoryEntry>,
    /// Debits: order id, status, amount.
    pub executions: Vec<(String, String, String)>,
    /// The debit form's key, minted for this showing: submitting the form twice (or again
    /// after a timeout) debits at most once.
    pub debit_key: String,
    pub can_operate: bool,
    pub can_admin: bool,
}

#[server(prefix = "/api", endpoint = "list_mandates")]
pub async fn list_mandates(
    status: Option<String>,
    customer: Option<String>,
    frequency: Option<String>,
    rule: Option<String>,
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<Vec<MandateSummary>, AppError> {
    use crate::server::queries::{day_end, day_start};
    use dashboard_core::mandates::store::MandateFilter;
    use dashboard_core::money::format_minor;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let times = ctx.times();
    let text = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let invalid =
        |e: crate::server::queries::FieldError| ctx.fail(AppError::invalid(e.field, e.message));
    let filter = MandateFilter {
        status: crate::server::queries::picked("status", &status, |s| s.to_owned())
            .map_err(invalid)?
            .iter()
            .map(|s| MandateStatus::from(s.as_str()))
            .collect(),
        customer_id: text(customer),
        frequency: text(frequency).map(|s| s.to_ascii_uppercase()),
        amount_rule: text(rule).map(|s| s.to_ascii_uppercase()),
        search: text(q),
        from: day_start(times.zone(), "from", &from).map_err(invalid)?,
        until: day_end(times.zone(), "to", &to).map_err(invalid)?,
    };
    let rows = ctx
        .state
        .store
        .list_mandates(&filter, 200)
        .await
        .map_err(|e| ctx.internal(&e))?;
    Ok(rows
        .into_iter()
        .map(|m| MandateSummary {
            customer: m.customer_id.clone().unwrap_or_default(),
            max_amount: m
                .max_amount
                .map(|a| format_minor(a, m.currency.as_deref().unwrap_or("INR")))
                .unwrap_or_default(),
            frequency: m.frequency.clone().unwrap_or_default(),
            amount_rule: m.amount_rule.clone().unwrap_or_default(),
            created: times.moment(m.created_at),
            status: m.status,
            mandate_id: m.mandate_id,
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "get_mandate")]
pub async fn get_mandate(mandate_id: String) -> Result<MandateDetail, AppError> {
    use dashboard_core::money::format_minor;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?;
    let (can_operate, can_admin) = (me.role >= Role::Operator, me.role >= Role::Admin);
    let times = ctx.times();
    let store = &ctx.state.store;
    let m = match store.find_mandate(&mandate_id).await {
        Ok(Some(m)) => m,
        Ok(None) => return Err(ctx.fail(AppError::NotFound)),
        Err(e) => return Err(ctx.internal(&e)),
    };
    let events = store
        .list_mandate_events(&mandate_id)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let currency = m.currency.clone().unwrap_or_else(|| "INR".to_owned());
    let day = |secs_ms: Option<i64>| secs_ms.map(|at| times.text(at));
    let yes_no = |v: Option<bool>| v.map(|b| if b { "yes" } else { "no" }.to_owned());
    let facts: Vec<(String, String)> = [
        ("Customer", m.customer_id.clone()),
        ("Registered with order", m.order_id.clone()),
        ("Type", m.mandate_type.clone()),
        (
            "Maximum amount",
            m.max_amount.map(|a| format_minor(a, &currency)),
        ),
        ("Amount rule", m.amount_rule.clone()),
        ("Frequency", m.frequency.clone()),
        (
            "Rule",
            m.rule_type.clone().map(|t| match m.rule_value {
                Some(v) => format!("{t} {v}"),
                None => t,
            }),
        ),
        ("Starts", day(m.start_date)),
        ("Ends", day(m.end_date)),
        ("Revokable by customer", yes_no(m.revokable_by_customer)),
        ("Blocks funds", yes_no(m.block_fund)),
        (
            "Payment method",
            m.payment_method_type
                .clone()
                .map(|t| match &m.payment_method {
                    Some(method) => format!("{t} · {method}"),
                    None => t,
                }),
        ),
        ("UPI address", m.payer_vpa.clone()),
        (
            "Last confirmed",
            m.confirmed_at.map(|at| {
                format!(
                    "{} via {}",
                    times.text(at),
                    m.confirmed_via.clone().unwrap_or_default()
                )
            }),
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
    .collect();
    let mut executions = Vec::new();
    // A debit sent in the last minutes whose outcome is still unknown (its answer may have
    // been lost): the form offers its key again, so pressing again cannot debit twice.
    let mut unsettled_debit = None;
    let recent = dashboard_core::clock::now_millis() - UNSETTLED_DEBIT_MS;
    for event in events.iter().filter(|e| e.kind == "execution") {
        if let Some(order_id) = &event.order_id {
            let order = store
                .find_order(order_id)
                .await
                .map_err(|e| ctx.internal(&e))?;
            if let Some(order) = order {
                if order.status == dashboard_status::OrderStatus::New && order.created_at > recent {
                    unsettled_debit = Some(order_id.clone());
                }
                executions.push((
                    order_id.clone(),
                    order.status.to_string(),
                    format_minor(order.amount, &order.currency),
                ));
            }
        }
    }
    let history = events
        .into_iter()
        .map(|e| {
            let change = match (&e.status_before, &e.status_after) {
                (Some(b), Some(a)) if b != a => format!("{b} → {a}"),
                (None, Some(a)) => format!("recorded as {a}"),
                _ => String::new(),
            };
            let text = [
                Some(format!(
                    "{} ({}, {})",
                    e.kind.replace('_', " "),
                    e.via,
                    e.outcome
                )),
                Some(change).filter(|c| !c.is_empty()),
                e.detail.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" — ");
            MandateHistoryEntry {
                at: times.text(e.at),
                kind: e.kind,
                text,
                order_id: e.order_id,
            }
        })
        .collect();
    Ok(MandateDetail {
        mandate_id: m.mandate_id,
        status: m.status,
        facts,
        history,
        executions,
        debit_key: unsettled_debit
            .unwrap_or_else(dashboard_core::mandates::actions::mint_debit_key),
        can_operate,
        can_admin,
    })
}

/// How long a debit without an outcome keeps its form's key: the reconciler learns the
/// outcome of a debit Juspay made within that time.
#[cfg(feature = "ssr")]
const UNSETTLED_DEBIT_MS: i64 = 10 * 60_000;

/// Revokes a mandate for good (admin), after the mandate id is typed to confirm.
#[server(prefix = "/api", endpoint = "revoke_mandate")]
pub async fn revoke_mandate(
    mandate_id: String,
    confirm: String,
    reason: String,
) -> Result<String, AppError> {
    use dashboard_core::mandates::actions::MandateAction;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    if confirm.trim() != mandate_id {
        return Err(ctx.fail(AppError::invalid(
            "confirm",
            "Type the mandate id exactly to confirm.",
        )));
    }
    let reason = reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ctx.fail(AppError::invalid(
            "reason",
            "Say why the mandate is revoked.",
        )));
    }
    ctx.require_step_up().await?;
    let audit = ctx.audit("mandate.revoke", &mandate_id, &format!("reason={reason}"))?;
    let applied = ctx
        .state
        .actions
        .command_mandate(&mandate_id, &MandateAction::Revoke { reason }, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    finish(
        &ctx,
        format!("Mandate {mandate_id} is now {}.", applied.status_after),
    )
    .await
}

/// Pauses a mandate between two UTC days (admin).
#[server(prefix = "/api", endpoint = "pause_mandate")]
pub async fn pause_mandate(
    mandate_id: String,
    start: String,
    end: String,
) -> Result<String, AppError> {
    use dashboard_core::mandates::actions::MandateAction;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let start = utc_day(&ctx, "start", &start)?;
    let end = utc_day(&ctx, "end", &end)?;
    ctx.require_step_up().await?;
    let audit = ctx.audit(
        "mandate.pause",
        &mandate_id,
        &format!("start={start} end={end}"),
    )?;
    let applied = ctx
        .state
        .actions
        .command_mandate(&mandate_id, &MandateAction::Pause { start, end }, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    finish(
        &ctx,
        format!("Mandate {mandate_id} is now {}.", applied.status_after),
    )
    .await
}

/// Resumes a paused mandate from today (admin).
#[server(prefix = "/api", endpoint = "resume_mandate")]
pub async fn resume_mandate(mandate_id: String) -> Result<String, AppError> {
    use dashboard_core::mandates::actions::MandateAction;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let audit = ctx.audit("mandate.resume", &mandate_id, "")?;
    let on = dashboard_core::clock::now_millis() / 1000;
    let applied = ctx
        .state
        .actions
        .command_mandate(&mandate_id, &MandateAction::Resume { on }, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    finish(
        &ctx,
        format!("Mandate {mandate_id} is now {}.", applied.status_after),
    )
    .await
}

/// Asks Juspay for the mandate's status now (operator+).
#[server(prefix = "/api", endpoint = "check_mandate")]
pub async fn check_mandate(mandate_id: String) -> Result<String, AppError> {
    use dashboard_core::mandates::actions::MandateAction;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let audit = ctx.audit("mandate.check_status", &mandate_id, "")?;
    let applied = ctx
        .state
        .actions
        .command_mandate(&mandate_id, &MandateAction::CheckStatus, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    finish(
        &ctx,
        format!(
            "Juspay says mandate {mandate_id} is {}.",
            applied.status_after
        ),
    )
    .await
}

/// Sends a pre-debit notification (operator+).
#[server(prefix = "/api", endpoint = "notify_mandate")]
pub async fn notify_mandate(
    mandate_id: String,
    amount: String,
    date: String,
) -> Result<String, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let currency = ctx.mandate_currency(&mandate_id).await?;
    let amount = ctx.amount("amount", &amount, &currency)?;
    let date = utc_day(&ctx, "date", &date)?;
    let audit = ctx.audit(
        "mandate.notify",
        &mandate_id,
        &format!("amount={amount} date={date}"),
    )?;
    let reference = ctx
        .state
        .actions
        .notify_pre_debit(&mandate_id, amount, date, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    finish(&ctx, format!("Pre-debit notification {reference} sent.")).await
}

/// Debits the mandate under the form's key (operator+): a key is debited at most once.
#[server(prefix = "/api", endpoint = "execute_mandate")]
pub async fn execute_mandate(
    mandate_id: String,
    amount: String,
    notification_id: Option<String>,
    debit_key: Option<String>,
) -> Result<super::Created, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let currency = ctx.mandate_currency(&mandate_id).await?;
    let amount = ctx.amount("amount", &amount, &currency)?;
    let notification_id = notification_id
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    ctx.require_step_up().await?;
    let audit = ctx.audit("mandate.execute", &mandate_id, &format!("amount={amount}"))?;
    let debit = ctx
        .state
        .actions
        .execute_mandate(&mandate_id, amount, notification_id, debit_key, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    let order_id = debit.order_id;
    let message = if debit.repeated {
        format!("This debit was already requested as order {order_id}; nothing was sent again.")
    } else {
        format!("Debit requested as order {order_id}; it is followed like any order.")
    };
    ctx.flash_for_forms(&message).await;
    Ok(super::Created {
        id: order_id,
        message,
    })
}

/// Reads every mandate of a customer from Juspay (operator+).
#[server(prefix = "/api", endpoint = "refresh_customer_mandates")]
pub async fn refresh_customer_mandates(customer_id: String) -> Result<String, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let customer_id = customer_id.trim().to_owned();
    if customer_id.is_empty() {
        return Err(ctx.fail(AppError::invalid("customer_id", "Enter a customer id.")));
    }
    let audit = ctx.audit("mandate.refresh", &customer_id, "")?;
    let count = ctx
        .state
        .actions
        .refresh_customer_mandates(&customer_id, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    finish(
        &ctx,
        format!("{count} mandate(s) of {customer_id} refreshed from Juspay."),
    )
    .await
}

#[cfg(feature = "ssr")]
fn utc_day(
    ctx: &crate::server::context::RequestCtx,
    field: &str,
    text: &str,
) -> Result<i64, AppError> {
    dashboard_core::clock::parse_utc_date(text.trim())
        .map(|ms| ms / 1000)
        .ok_or_else(|| ctx.fail(AppError::invalid(field, "Use a date like 2026-11-23.")))
}

#[cfg(feature = "ssr")]
async fn finish(
    ctx: &crate::server::context::RequestCtx,
    message: String,
) -> Result<String, AppError> {
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

//! Disputes: the ones waiting on the merchant (nearest deadline first), every dispute with
//! filters, and one dispute with its order, responses and evidence. Responses are posted
//! as a multipart form to `/disputes/{id}/responses` (files cannot travel through a
//! server function's URL-encoded body), handled in `server::dispute_responses`.

use dashboard_status::{DisputeDecision, DisputeStage, DisputeStatus};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const PAGE_SIZE: i64 = 50;

/// Where the evidence goes: Juspay publishes no API to submit it.
pub const WHERE_TO_SUBMIT: &str = "Juspay publishes no API for dispute evidence: submit it \
    through the Juspay dashboard (Disputes) or to the acquirer as its notice asks, then \
    record here what was decided and sent.";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeRowView {
    pub dispute_id: String,
    pub order_id: Option<String>,
    pub status: DisputeStatus,
    pub stage: DisputeStage,
    pub amount: String,
    pub reason: String,
    pub gateway: String,
    pub opened: super::Moment,
    /// The respond-by time with how far away it is ("in 5 h", "3 h ago").
    pub respond_by: Option<String>,
    /// The deadline is within `alerts.dispute_respond_hours`, or past.
    pub urgent: bool,
    pub decision: Option<DisputeDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputePage {
    /// Waiting on the merchant, nearest deadline first.
    pub awaiting: Vec<DisputeRowView>,
    pub rows: Vec<DisputeRowView>,
    pub next_before: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseView {
    pub at: String,
    pub actor: String,
    pub decision: Option<DisputeDecision>,
    pub note: String,
    /// (file name, size, download address).
    pub files: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeDetail {
    pub dispute: DisputeRowView,
    /// Facts about the dispute and its payment, label and value.
    pub facts: Vec<(String, String)>,
    pub order_status: Option<String>,
    pub responses: Vec<ResponseView>,
    /// The viewer may record a response (operator or admin).
    pub can_respond: bool,
    pub evidence_max: String,
    /// Juspay's last report of it, pretty-printed.
    pub last_report: String,
    /// What Juspay reported over time: (time, what changed, webhook log link).
    pub history: Vec<(String, String, Option<String>)>,
}

#[server(prefix = "/api", endpoint = "list_disputes")]
pub async fn list_disputes(
    status: Option<String>,
    order: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
) -> Result<DisputePage, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let filter = crate::server::queries::DisputeQuery {
        status,
        order,
        from,
        to,
    }
    .to_filter(ctx.times().zone())
    .map_err(|e| ctx.fail(AppError::invalid(e.field, e.message)))?;
    let cursor = super::read_cursor(before.as_deref());
    let store = &ctx.state.store;
    let mut rows = store
        .list_disputes(&filter, cursor, PAGE_SIZE + 1)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let next_before = super::cut_page(&mut rows, PAGE_SIZE, |r| {
        (r.created_at, r.dispute_id.as_str())
    });
    let awaiting = store
        .list_disputes_awaiting_response(200)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let hours = ctx.state.config.alerts.dispute_respond_hours;
    let now = dashboard_core::clock::now_millis();
    let times = ctx.times();
    Ok(DisputePage {
        awaiting: awaiting
            .iter()
            .map(|d| view_of(d, now, hours, &times))
            .collect(),
        rows: rows
            .iter()
            .map(|d| view_of(d, now, hours, &times))
            .collect(),
        next_before,
    })
}

#[server(prefix = "/api", endpoint = "get_dispute")]
pub async fn get_dispute(dispute_id: String) -> Result<DisputeDetail, AppError> {
    use dashboard_core::money::format_minor;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?;
    let times = ctx.times();
    let store = &ctx.state.store;
    let dispute = match store.find_dispute(&dispute_id).await {
        Ok(Some(d)) => d,
        Ok(None) => return Err(ctx.fail(AppError::NotFound)),
        Err(e) => return Err(ctx.internal(&e)),
    };
    let order = match &dispute.order_id {
        Some(id) => store.find_order(id).await.map_err(|e| ctx.internal(&e))?,
        None => None,
    };
    let history = match &dispute.order_id {
        Some(id) => store
            .list_order_events(id)
            .await
            .map_err(|e| ctx.internal(&e))?
            .into_iter()
            .filter(|e| {
                e.detail
                    .as_deref()
                    .is_some_and(|d| d.starts_with(&format!("dispute {dispute_id} ")))
            })
            .map(|e| {
                (
                    times.text(e.at),
                    format!("{} (via {})", e.detail.unwrap_or_default(), e.via),
                    e.webhook_event_id.map(|w| format!("/webhooks/{w}")),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let refunds = match &dispute.order_id {
        Some(id) => store
            .list_refunds_of_order(id)
            .await
            .map_err(|e| ctx.internal(&e))?,
        None => Vec::new(),
    };
    let responses = store
        .list_dispute_responses(&dispute_id)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let files = store
        .list_dispute_evidence(&dispute_id)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let mut facts: Vec<(String, String)> = [
        ("Reason", dispute.reason.clone()),
        ("Gateway", dispute.gateway.clone()),
        ("Transaction id", dispute.txn_id.clone()),
        (
            "Opened at Juspay",
            dispute.juspay_created_at.map(|at| times.text(at)),
        ),
        ("Resolved", dispute.resolved_at.map(|at| times.text(at))),
        ("First seen here", Some(times.text(dispute.created_at))),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
    .collect();
    if let Some(order) = &order {
        let paid = format_minor(order.amount, &order.currency);
        facts.push(("Order amount".to_owned(), paid));
        if order.amount_refunded > 0 {
            facts.push((
                "Refunded".to_owned(),
                format_minor(order.amount_refunded, &order.currency),
            ));
        }
        for (label, value) in [
            ("Payment method", order.payment_method.clone()),
            ("Customer email", order.customer_email.clone()),
            ("Customer phone", order.customer_phone.clone()),
            ("Customer id", order.customer_id.clone()),
        ] {
            if let Some(value) = value {
                facts.push((label.to_owned(), value));
            }
        }
    }
    if !refunds.is_empty() {
        facts.push((
            "Refunds of the order".to_owned(),
            refunds
                .iter()
                .map(|r| format!("{} {}", format_minor(r.amount, &r.currency), r.status))
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    let responses = responses
        .into_iter()
        .map(|r| ResponseView {
            at: times.text(r.at),
            actor: r.actor,
            decision: r.decision,
            note: r.note,
            files: files
                .iter()
                .filter(|f| f.response_id == r.id)
                .map(|f| {
                    (
                        f.file_name.clone(),
                        format_size(f.size_bytes),
                        format!(
                            "/disputes/{}/evidence/{}",
                            super::encode(&f.dispute_id),
                            f.id
                        ),
                    )
                })
                .collect(),
        })
        .collect();
    let last_report = serde_json::from_str::<serde_json::Value>(&dispute.last_report)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| dispute.last_report.clone());
    let hours = ctx.state.config.alerts.dispute_respond_hours;
    Ok(DisputeDetail {
        order_status: order.map(|o| o.status.to_string()),
        facts,
        responses,
        can_respond: me.role >= Role::Operator,
        evidence_max: format_size(ctx.state.config.disputes.evidence_max_bytes as i64),
        last_report,
        history,
        dispute: view_of(&dispute, dashboard_core::clock::now_millis(), hours, &times),
    })
}

#[cfg(feature = "ssr")]
fn format_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

#[cfg(feature = "ssr")]
fn view_of(
    d: &dashboard_core::disputes::model::DisputeRow,
    now: i64,
    urgent_hours: i64,
    times: &super::Times,
) -> DisputeRowView {
    use dashboard_core::money::format_minor;
    let awaiting = d.awaits_response();
    DisputeRowView {
        dispute_id: d.dispute_id.clone(),
        order_id: d.order_id.clone(),
        status: d.status.clone(),
        stage: d.stage.clone(),
        amount: d
            .amount
            .map(|a| format_minor(a, d.currency.as_deref().unwrap_or(juspay::DEFAULT_CURRENCY)))
            .unwrap_or_default(),
        reason: d.reason.clone().unwrap_or_default(),
        gateway: d.gateway.clone().unwrap_or_default(),
        opened: times.moment(d.juspay_created_at.unwrap_or(d.created_at)),
        respond_by: d.respond_by.map(|at| {
            let ago = dashboard_core::clock::format_ago(at, now);
            format!("{} ({ago})", times.text(at))
        }),
        urgent: awaiting
            && d.respond_by
                .is_some_and(|at| at - now <= urgent_hours * 3_600_000),
        decision: d.decision.clone(),
    }
}

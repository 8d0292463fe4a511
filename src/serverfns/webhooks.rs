//! The webhook log: every delivery with its verdict and outcome, filterable, newest first.

// `list_webhooks` takes each filter as its own argument so that a call with no filter still
// decodes; the server macro copies the arguments into generated items this allow must reach.
#![allow(clippy::too_many_arguments)]

use dashboard_status::{AuthVerdict, Outcome};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Filters as they appear in the page address (all optional; dates are UTC days).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookQuery {
    pub source: Option<String>,
    /// One event name or several separated by commas.
    pub event: Option<String>,
    pub verdict: Option<String>,
    pub outcome: Option<String>,
    pub order: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<i64>,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRow {
    pub id: i64,
    pub source: String,
    pub received: super::Moment,
    pub event_name: String,
    pub order_id: Option<String>,
    pub verdict: AuthVerdict,
    pub outcome: Outcome,
    pub duplicates: i64,
    pub lag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPage {
    pub rows: Vec<WebhookRow>,
    /// Pass as `before` to see older deliveries; `None` on the last page.
    pub next_before: Option<i64>,
}

/// Everything stored about one delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDetail {
    pub row: WebhookRow,
    pub event_id: Option<String>,
    pub dedup_key: String,
    pub created_at_juspay: Option<String>,
    pub last_duplicate: Option<String>,
    pub outcome_detail: Option<String>,
    /// Pretty-printed when the body is JSON, else the raw text.
    pub body: String,
    pub body_truncated: bool,
    /// When the raw body and headers were removed under the retention policy.
    pub raw_removed: Option<String>,
    pub headers: Vec<(String, String)>,
    pub processed: Option<String>,
    pub attempts: i64,
    /// The signed-in person may reprocess it (operator or admin, accepted event).
    pub can_reprocess: bool,
}

/// What reprocessing a delivery did, or in a dry run would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReprocessView {
    pub outcome: Outcome,
    pub detail: Option<String>,
    pub changes: Vec<String>,
}

pub const PAGE_SIZE: i64 = 50;

/// The event names the log's filter offers: every name Juspay sends that this product
/// knows, sorted. A fixed list, so the filter costs no read of the log and no write at
/// ingest; a name outside it (a JPSL response code, a name Juspay adds) is typed into the
/// address and stays listed while it is picked.
#[server(prefix = "/api", endpoint = "webhook_event_names")]
pub async fn webhook_event_names() -> Result<Vec<String>, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let mut names: Vec<String> = juspay::EventName::WIRE_NAMES
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// Flat arguments (not a struct) so that a call with no filter at all encodes to an empty
/// form that still decodes.
#[server(prefix = "/api", endpoint = "list_webhooks")]
pub async fn list_webhooks(
    source: Option<String>,
    event: Option<String>,
    verdict: Option<String>,
    outcome: Option<String>,
    order: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<WebhookPage, AppError> {
    use crate::server::queries::{day_end, day_start};
    use dashboard_core::webhooks::store::WebhookFilter;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let zone = ctx.times().zone().clone();
    let invalid =
        |e: crate::server::queries::FieldError| ctx.fail(AppError::invalid(e.field, e.message));
    let text = crate::server::queries::filter_text;
    let filter = WebhookFilter {
        source: text(&source),
        event_names: crate::server::queries::picked("event", &event, |e| e.to_ascii_uppercase())
            .map_err(invalid)?,
        auth_verdict: text(&verdict).map(|v| AuthVerdict::from(v.as_str())),
        outcome: text(&outcome).map(|o| Outcome::from(o.as_str())),
        order_id: text(&order),
        from: day_start(&zone, "from", &from).map_err(invalid)?,
        until: day_end(&zone, "to", &to).map_err(invalid)?,
        before,
    };
    let records = ctx
        .state
        .store
        .list_webhook_events(&filter, PAGE_SIZE + 1)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let more = records.len() > PAGE_SIZE as usize;
    let times = ctx.times();
    let rows: Vec<WebhookRow> = records
        .iter()
        .take(PAGE_SIZE as usize)
        .map(|r| row_of(r, &times))
        .collect();
    let next_before = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(WebhookPage { rows, next_before })
}

#[server(prefix = "/api", endpoint = "get_webhook")]
pub async fn get_webhook(id: i64) -> Result<WebhookDetail, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?;
    let can_reprocess = me.role >= Role::Operator;
    let times = ctx.times();
    let record = match ctx.state.store.find_webhook_event(id).await {
        Ok(Some(record)) => record,
        Ok(None) => return Err(ctx.fail(AppError::NotFound)),
        Err(e) => return Err(ctx.internal(&e)),
    };
    // Viewers see the body's shape with the customer's personal fields masked.
    let body = if me.role >= Role::Operator {
        serde_json::from_slice::<serde_json::Value>(&record.body)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| String::from_utf8_lossy(&record.body).into_owned())
    } else {
        dashboard_core::staff::privacy::mask_body_for_viewer(&record.body)
    };
    let headers =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&record.headers)
            .map(|map| {
                map.into_iter()
                    .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
    Ok(WebhookDetail {
        row: row_of(&record, &times),
        event_id: record.event_id.clone(),
        dedup_key: record.dedup_key.clone(),
        created_at_juspay: record.event_created_at.map(|at| times.text(at)),
        last_duplicate: record.last_duplicate_at.map(|at| times.text(at)),
        outcome_detail: record.outcome_detail.clone(),
        body,
        body_truncated: record.body_truncated,
        raw_removed: record.raw_removed_at.map(|at| times.text(at)),
        headers,
        processed: record.processed_at.map(|at| times.text(at)),
        attempts: record.process_attempts,
        can_reprocess: can_reprocess
            && record.auth_verdict == AuthVerdict::Valid
            && record.raw_removed_at.is_none(),
    })
}

/// Dry run: what reprocessing the delivery would change, without changing anything.
#[server(prefix = "/api", endpoint = "preview_reprocess")]
pub async fn preview_reprocess(id: i64) -> Result<ReprocessView, AppError> {
    use dashboard_core::webhooks::processing::Mode;

    reprocess(id, Mode::DryRun).await
}

/// Applies the delivery again (a no-op for what is already applied), audited.
#[server(prefix = "/api", endpoint = "reprocess_webhook")]
pub async fn reprocess_webhook(id: i64) -> Result<String, AppError> {
    use dashboard_core::webhooks::processing::Mode;

    let done = reprocess(id, Mode::Reprocess).await?;
    let ctx = crate::server::context::RequestCtx::current()?;
    let message = match done.changes.is_empty() {
        true => format!("Reprocessed: {}; nothing changed.", done.outcome),
        false => format!(
            "Reprocessed: {}; {}.",
            done.outcome,
            done.changes.join("; ")
        ),
    };
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

#[cfg(feature = "ssr")]
async fn reprocess(
    id: i64,
    mode: dashboard_core::webhooks::processing::Mode,
) -> Result<ReprocessView, AppError> {
    use dashboard_core::webhooks::processing::Mode;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let stored = ctx
        .state
        .store
        .find_webhook_event(id)
        .await
        .map_err(|e| ctx.internal(&e))?
        .ok_or_else(|| ctx.fail(AppError::NotFound))?;
    if stored.raw_removed_at.is_some() {
        return Err(ctx.fail(AppError::Invalid {
            field: "id".to_owned(),
            message: "Its raw body was removed under the retention policy, so it cannot be processed again.".to_owned(),
        }));
    }
    let audit = match mode {
        Mode::Reprocess => Some(ctx.audit("webhook.reprocess", &id.to_string(), "")?),
        _ => None,
    };
    let processed = ctx
        .state
        .processor
        .process_audited(id, mode, audit.as_ref())
        .await
        .map_err(|e| ctx.internal(&e))?
        .ok_or_else(|| ctx.fail(AppError::NotFound))?;
    Ok(ReprocessView {
        outcome: processed.outcome,
        detail: processed.detail,
        changes: processed.changes,
    })
}

#[cfg(feature = "ssr")]
fn row_of(
    record: &dashboard_core::webhooks::store::WebhookEventRecord,
    times: &super::Times,
) -> WebhookRow {
    WebhookRow {
        id: record.id,
        source: record.source.clone(),
        received: times.moment(record.received_at),
        event_name: record
            .event_name
            .clone()
            .unwrap_or_else(|| "(unknown)".to_owned()),
        order_id: record.order_id.clone(),
        verdict: record.auth_verdict.clone(),
        outcome: record.outcome.clone(),
        duplicates: record.duplicate_count,
        lag: record
            .lag_ms
            .map(|ms| format!("{:.1} s", ms as f64 / 1000.0)),
    }
}

//! The refunds list: filters, the age of pending refunds, the manual-review queue.

use dashboard_status::RefundStatus;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRowView {
    pub unique_request_id: String,
    pub order_id: String,
    pub requested: super::Moment,
    pub amount: String,
    pub status: RefundStatus,
    /// "outcome unknown (retrying)", "sent", … for refunds we requested.
    pub request: String,
    /// How long a pending refund has waited, e.g. "3 h 10 min".
    pub waiting: Option<String>,
    pub reason: String,
    /// A staff member here, Juspay on its own (auto-refund), or someone outside.
    pub started_by: String,
    /// The acquirer reference number a customer's bank asks for.
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPage {
    pub rows: Vec<RefundRowView>,
    /// Refunds waiting on a person at the gateway (MANUAL_REVIEW), oldest first.
    pub review_queue: Vec<RefundRowView>,
    pub next_before: Option<String>,
}

#[server(prefix = "/api", endpoint = "list_refunds")]
pub async fn list_refunds(
    status: Option<String>,
    order: Option<String>,
    min: Option<String>,
    max: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
) -> Result<RefundPage, AppError> {
    use dashboard_core::clock::now_millis;
    use dashboard_core::refunds::store::{RefundFilter, RefundStatusFilter};
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let filter = crate::server::queries::RefundQuery {
        status,
        order,
        min,
        max,
        from,
        to,
    }
    .to_filter(ctx.times().zone())
    .map_err(|e| ctx.fail(AppError::invalid(e.field, e.message)))?;
    let cursor = super::read_cursor(before.as_deref());
    let store = &ctx.state.store;
    let mut rows = store
        .list_refunds(&filter, cursor, PAGE_SIZE + 1)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let next_before = super::cut_page(&mut rows, PAGE_SIZE, |r| {
        (r.created_at, r.unique_request_id.as_str())
    });
    let review = RefundFilter {
        status: vec![RefundStatusFilter::Is(RefundStatus::ManualReview)],
        ..RefundFilter::default()
    };
    let mut review_queue = store
        .list_refunds(&review, None, 200)
        .await
        .map_err(|e| ctx.internal(&e))?;
    review_queue.reverse();
    let now = now_millis();
    let times = ctx.times();
    Ok(RefundPage {
        rows: rows.iter().map(|r| view_of(r, now, &times)).collect(),
        review_queue: review_queue
            .iter()
            .map(|r| view_of(r, now, &times))
            .collect(),
        next_before,
    })
}

#[cfg(feature = "ssr")]
fn view_of(
    r: &dashboard_core::refunds::model::RefundRow,
    now: i64,
    times: &super::Times,
) -> RefundRowView {
    use dashboard_core::money::format_minor;
    use dashboard_status::RefundRequestState;
    let open = r.status.is_open();
    RefundRowView {
        unique_request_id: r.unique_request_id.clone(),
        order_id: r.order_id.clone(),
        requested: times.moment(r.created_at),
        amount: format_minor(r.amount, &r.currency),
        status: r.status.clone(),
        request: match &r.request_state {
            Some(state) if state.needs_retry() => {
                "outcome unknown (retrying, same request id)".to_owned()
            }
            Some(RefundRequestState::Refused) => "refused by Juspay".to_owned(),
            Some(RefundRequestState::Sent) => "sent".to_owned(),
            _ => "not ours: never resent".to_owned(),
        },
        waiting: open.then(|| {
            let minutes = (now - r.created_at).max(0) / 60_000;
            match minutes {
                m if m < 60 => format!("{m} min"),
                m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
                m => format!("{} days", m / (24 * 60)),
            }
        }),
        reason: r.reason.clone().unwrap_or_default(),
        started_by: r.started_by(),
        arn: r.arn.clone().unwrap_or_default(),
    }
}

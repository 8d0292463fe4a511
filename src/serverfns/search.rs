//! The top bar's search: everything an identifier names, each hit with the page it opens.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One thing found, as the results page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitView {
    /// "Order", "Refund", "Customer", …
    pub kind: String,
    pub id: String,
    /// The page it opens.
    pub href: String,
    /// Status, amount and the order it belongs to, as far as known.
    pub summary: String,
    pub at: super::Moment,
}

/// Hits of each kind the results page shows at most.
pub const PER_KIND: i64 = 20;

/// The page a hit opens: its own, or for a refund its order's (refunds are shown there).
#[cfg(feature = "ssr")]
pub fn page_of(hit: &dashboard_core::search::Hit) -> String {
    use super::encode;
    use dashboard_core::search::HitKind;
    let order_page = |id: &str| format!("/orders/{}", encode(id));
    match hit.kind {
        HitKind::Order => order_page(&hit.id),
        HitKind::Refund => hit
            .order_id
            .as_deref()
            .map_or_else(|| "/refunds".to_owned(), order_page),
        HitKind::Mandate => format!("/mandates/{}", encode(&hit.id)),
        HitKind::Dispute => format!("/disputes/{}", encode(&hit.id)),
        HitKind::Webhook => format!("/webhooks/{}", encode(&hit.id)),
        HitKind::Customer => format!("/orders?customer={}", encode(&hit.id)),
    }
}

/// Everything `q` names exactly (viewer+), newest first.
#[server(prefix = "/api", endpoint = "search_everything")]
pub async fn search_everything(q: String) -> Result<Vec<HitView>, AppError> {
    use dashboard_core::{money::format_minor, search::HitKind};
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let hits = ctx
        .state
        .store
        .search_everything(&q, PER_KIND)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let times = ctx.times();
    Ok(hits
        .into_iter()
        .map(|hit| {
            let href = page_of(&hit);
            let kind = match hit.kind {
                HitKind::Order => "Order",
                HitKind::Refund => "Refund",
                HitKind::Mandate => "Mandate",
                HitKind::Dispute => "Dispute",
                HitKind::Webhook => "Webhook event",
                HitKind::Customer => "Customer",
            };
            let amount = hit.amount.map(|a| {
                format_minor(
                    a,
                    hit.currency.as_deref().unwrap_or(juspay::DEFAULT_CURRENCY),
                )
            });
            let order = hit
                .order_id
                .filter(|_| hit.kind != HitKind::Order)
                .map(|o| format!("order {o}"));
            let summary = match hit.kind {
                HitKind::Customer => "their orders".to_owned(),
                _ => [hit.status, amount, order]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
            };
            HitView {
                kind: kind.to_owned(),
                id: hit.id,
                href,
                summary,
                at: times.moment(hit.at),
            }
        })
        .collect())
}

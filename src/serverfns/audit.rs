//! The audit log: every staff action with who, when, what, the object, the client address
//! and trace id. Admins see everyone's; everyone else sees their own.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const PAGE_SIZE: i64 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRowView {
    pub at: super::Moment,
    pub actor: String,
    pub action: String,
    pub object: String,
    /// The object's page, when it has one.
    pub href: Option<String>,
    pub detail: String,
    pub address: String,
    pub trace_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRowView>,
    /// The cursor of the next (older) page.
    pub next_before: Option<i64>,
    /// False when the list is the signed-in user's own actions only.
    pub everyone: bool,
}

/// The filter a user may see: an admin's as asked, anyone else's narrowed to their own.
#[cfg(feature = "ssr")]
pub fn scoped_filter(
    user: &dashboard_core::staff::users::User,
    query: &crate::server::queries::AuditQuery,
    zone: &dashboard_core::clock::Zone,
) -> Result<dashboard_core::staff::audit::AuditFilter, AppError> {
    use dashboard_status::Role;
    let mut filter = query
        .to_filter(zone)
        .map_err(|e| AppError::invalid(e.field, e.message))?;
    if user.role < Role::Admin {
        filter.actor = Some(user.username.clone());
    }
    Ok(filter)
}

/// Flat arguments so that a call with no filter still decodes.
#[server(prefix = "/api", endpoint = "list_audit")]
pub async fn list_audit(
    user: Option<String>,
    action: Option<String>,
    object: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<AuditPage, AppError> {
    use crate::server::queries::AuditQuery;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?.clone();
    let query = AuditQuery {
        user,
        action,
        object,
        from,
        to,
    };
    let filter = scoped_filter(&me, &query, ctx.times().zone()).map_err(|e| ctx.fail(e))?;
    let mut rows = ctx
        .state
        .store
        .search_audit(&filter, before, PAGE_SIZE + 1)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let next_before = (rows.len() > PAGE_SIZE as usize).then(|| {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map_or(0, |r| r.id)
    });
    let times = ctx.times();
    Ok(AuditPage {
        rows: rows
            .into_iter()
            .map(|r| AuditRowView {
                at: times.moment(r.at),
                href: object_page(&r.action, &r.target),
                actor: r.actor,
                action: r.action,
                object: r.target,
                detail: r.detail,
                address: r.client_ip,
                trace_id: r.trace_id,
            })
            .collect(),
        next_before,
        everyone: me.role >= Role::Admin,
    })
}

/// The page of an action's object: orders and mandates have one.
#[cfg(feature = "ssr")]
fn object_page(action: &str, target: &str) -> Option<String> {
    let page = match action.split('.').next() {
        Some("order") => "orders",
        Some("mandate") => "mandates",
        _ => return None,
    };
    Some(format!("/{page}/{}", super::encode(target)))
}

//! Saved views of the list pages: save the current filters under a name (admins may share
//! one with everyone), use one, make one your default, delete your own.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The list pages whose filters can be saved.
pub const PAGES: [&str; 6] = [
    "orders", "refunds", "disputes", "audit", "mandates", "webhooks",
];

/// Query keys never saved: where a list page was paged to is not part of a view.
#[cfg(feature = "ssr")]
const NOT_SAVED: [&str; 2] = ["after", "before"];

/// One saved view as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedViewView {
    pub id: i64,
    pub name: String,
    /// The page with the view's filters.
    pub href: String,
    pub shared: bool,
    pub owner: String,
    pub is_default: bool,
    /// The viewer may delete it (theirs, or shared and they are an admin).
    pub can_delete: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewsView {
    pub views: Vec<SavedViewView>,
    /// The viewer is an admin: they may share a view.
    pub can_share: bool,
}

#[cfg(feature = "ssr")]
fn checked_page(
    ctx: &crate::server::context::RequestCtx,
    page: &str,
) -> Result<&'static str, AppError> {
    PAGES.iter().find(|p| **p == page).copied().ok_or_else(|| {
        ctx.fail(AppError::invalid(
            "page",
            "Views are saved for list pages only.",
        ))
    })
}

/// A query string the filter forms could have written: printable ASCII only (they
/// percent-encode everything else), which is also all a redirect's Location may carry.
pub fn is_query_text(query: &str) -> bool {
    query.bytes().all(|b| b.is_ascii_graphic())
}

/// The views of `page` the signed-in user may use (viewer+).
#[server(prefix = "/api", endpoint = "list_views")]
pub async fn list_views(page: String) -> Result<ViewsView, AppError> {
    use dashboard_status::Role;
    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?.clone();
    let page = checked_page(&ctx, &page)?;
    let admin = me.role >= Role::Admin;
    let views = ctx
        .state
        .store
        .list_views(me.id, page)
        .await
        .map_err(|e| ctx.internal(&e))?;
    Ok(ViewsView {
        views: views
            .into_iter()
            .map(|v| SavedViewView {
                href: format!("/{page}?{}", v.query),
                can_delete: v.owner_id == me.id || (v.shared && admin),
                id: v.id,
                name: v.name,
                shared: v.shared,
                owner: v.owner,
                is_default: v.is_default,
            })
            .collect(),
        can_share: admin,
    })
}

/// Saves `query` (the page address's filters) as a view named `name`; `shared` (admins
/// only) lists it for everyone. Audited.
#[server(prefix = "/api", endpoint = "save_view")]
pub async fn save_view(
    page: String,
    name: String,
    query: String,
    shared: Option<String>,
) -> Result<String, AppError> {
    use dashboard_core::staff::views::NewView;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?.clone();
    let page = checked_page(&ctx, &page)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ctx.fail(AppError::invalid(
            "name",
            "Give the view a name of 1 to 60 characters.",
        )));
    }
    let shared = shared.is_some_and(|s| !s.is_empty());
    if shared && me.role < Role::Admin {
        return Err(ctx.fail(AppError::invalid(
            "shared",
            "Only admins share views with everyone.",
        )));
    }
    if !is_query_text(&query) {
        return Err(ctx.fail(AppError::invalid(
            "query",
            "These filters cannot be saved; filter the list again.",
        )));
    }
    let query: String = query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !pair.is_empty() && !NOT_SAVED.contains(&key)
        })
        .collect::<Vec<_>>()
        .join("&");
    let audit = ctx.audit(
        "view.save",
        &format!("{page}: {name}"),
        &format!("{query}{}", if shared { " (shared)" } else { "" }),
    )?;
    let view = NewView {
        owner_id: me.id,
        page,
        name,
        query: &query,
        shared,
    };
    ctx.state
        .store
        .save_view(&view, &audit)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let message = format!("View \"{name}\" saved.");
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Makes view `id` the signed-in user's default for `page`, or with no id clears it.
#[server(prefix = "/api", endpoint = "set_default_view")]
pub async fn set_default_view(page: String, id: Option<i64>) -> Result<String, AppError> {
    use dashboard_status::Role;
    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?.clone();
    let page = checked_page(&ctx, &page)?;
    let detail = id.map_or_else(|| "none".to_owned(), |id| id.to_string());
    let audit = ctx.audit("view.default", page, &detail)?;
    match ctx
        .state
        .store
        .set_default_view(me.id, page, id, &audit)
        .await
    {
        Ok(()) => {}
        Err(dashboard_core::StoreError::NotFound(_)) => return Err(ctx.fail(AppError::NotFound)),
        Err(e) => return Err(ctx.internal(&e)),
    }
    let message = match id {
        Some(_) => "Default view set: the page opens with it.".to_owned(),
        None => "Default view cleared.".to_owned(),
    };
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Deletes view `id`: one's own, or (admins) a shared one. Audited.
#[server(prefix = "/api", endpoint = "delete_view")]
pub async fn delete_view(id: i64) -> Result<String, AppError> {
    use dashboard_status::Role;
    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?.clone();
    let audit = ctx.audit("view.delete", &id.to_string(), "")?;
    match ctx
        .state
        .store
        .delete_view(id, me.id, me.role >= Role::Admin, &audit)
        .await
    {
        Ok(()) => {}
        Err(dashboard_core::StoreError::NotFound(_)) => return Err(ctx.fail(AppError::NotFound)),
        Err(e) => return Err(ctx.internal(&e)),
    }
    let message = "View deleted.".to_owned();
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

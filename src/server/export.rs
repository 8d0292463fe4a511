//! `GET /orders/export.csv`, `/refunds/export.csv` and `/disputes/export.csv`: exactly the
//! filtered list as CSV, with no row cap.
//!
//! Invariant: rows are read page by page (keyset, newest first) only as the client takes
//! the body, so memory stays flat however large the set is; the filters are read by the
//! same [`OrderQuery::to_filter`] as the list page, dates as days in the user's zone.

use axum::{
    Extension,
    body::Body,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use dashboard_core::{
    clock::Zone,
    orders::{
        list::{ListedOrder, OrderCursor},
        model::OrderRow,
    },
    report::Chain,
    store::StoreError,
};

use super::{
    csv::{audit_csv, disputes_csv, orders_csv, refunds_csv},
    middleware::CurrentUser,
    queries::{AuditQuery, DisputeQuery, FieldError, OrderQuery, RefundQuery},
    state::AppState,
};

/// Rows read per database round trip.
const CHUNK: i64 = 1000;

pub async fn export_orders(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(query): Query<OrderQuery>,
) -> Response {
    let filter = match admit(&state, user, |zone| query.to_filter(zone)) {
        Ok(filter) => filter,
        Err(refused) => return refused.into_response(),
    };
    let store = state.store.clone();
    // State: (cursor of the last row sent, header sent, finished).
    let chunks = futures::stream::unfold(
        (None::<OrderCursor>, false, false),
        move |(cursor, header_sent, done)| {
            let store = store.clone();
            let filter = filter.clone();
            async move {
                if done {
                    return None;
                }
                match store
                    .list_orders::<OrderRow>(&filter, cursor.as_ref(), CHUNK)
                    .await
                {
                    Ok(rows) => {
                        let finished = (rows.len() as i64) < CHUNK;
                        let next = rows.last().map(ListedOrder::cursor);
                        let bytes = orders_csv(&rows, !header_sent);
                        Some((Ok::<_, std::io::Error>(bytes), (next, true, finished)))
                    }
                    Err(e) => {
                        // Headers are gone already; cutting the body makes the download fail
                        // visibly rather than look complete.
                        tracing::error!(error = %Chain(&e), "order export failed");
                        Some((
                            Err(std::io::Error::other("export failed")),
                            (None, true, true),
                        ))
                    }
                }
            }
        },
    );
    csv_response("orders.csv", Body::from_stream(chunks))
}

/// `GET /refunds/export.csv`: exactly the filtered refund list, read page by page.
pub async fn export_refunds(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(query): Query<RefundQuery>,
) -> Response {
    let filter = match admit(&state, user, |zone| query.to_filter(zone)) {
        Ok(filter) => filter,
        Err(refused) => return refused.into_response(),
    };
    let store = state.store.clone();
    keyset_csv(
        "refunds.csv",
        move |cursor| {
            let (store, filter) = (store.clone(), filter.clone());
            async move { store.list_refunds(&filter, cursor, CHUNK).await }
        },
        |r| (r.created_at, r.unique_request_id.clone()),
        refunds_csv,
    )
}

/// `GET /disputes/export.csv`: exactly the filtered dispute list, read page by page.
pub async fn export_disputes(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(query): Query<DisputeQuery>,
) -> Response {
    let filter = match admit(&state, user, |zone| query.to_filter(zone)) {
        Ok(filter) => filter,
        Err(refused) => return refused.into_response(),
    };
    let store = state.store.clone();
    keyset_csv(
        "disputes.csv",
        move |cursor| {
            let (store, filter) = (store.clone(), filter.clone());
            async move { store.list_disputes(&filter, cursor, CHUNK).await }
        },
        |d| (d.created_at, d.dispute_id.clone()),
        disputes_csv,
    )
}

/// The filter of a signed-in user's export, read with `read` in that user's zone, or the
/// answer refusing it: 401 when signed out, 422 naming the field that cannot be read.
fn admit<F>(
    state: &AppState,
    user: Option<Extension<CurrentUser>>,
    read: impl FnOnce(&Zone) -> Result<F, FieldError>,
) -> Result<F, (StatusCode, String)> {
    let Some(Extension(CurrentUser(user))) = user else {
        return Err((StatusCode::UNAUTHORIZED, "Please sign in.".to_owned()));
    };
    read(&state.config.ui.zone_for(user.timezone.as_deref())).map_err(|e| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{}: {}", e.field, e.message),
        )
    })
}

/// Streams a list read newest first by a (time, id) keyset: `fetch` reads the page after a
/// cursor, `cursor_of` makes the next cursor from a page's last row, `render` writes CSV
/// lines (the header with the first page).
fn keyset_csv<R, F, Fut>(
    filename: &str,
    fetch: F,
    cursor_of: fn(&R) -> (i64, String),
    render: fn(&[R], bool) -> Vec<u8>,
) -> Response
where
    R: Send + 'static,
    F: Fn(Option<(i64, String)>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Vec<R>, StoreError>> + Send,
{
    let fetch = std::sync::Arc::new(fetch);
    let name = filename.to_owned();
    let chunks = futures::stream::unfold(
        (None::<(i64, String)>, false, false),
        move |(cursor, header_sent, done)| {
            let (fetch, name) = (fetch.clone(), name.clone());
            async move {
                if done {
                    return None;
                }
                match fetch(cursor).await {
                    Ok(rows) => {
                        let finished = (rows.len() as i64) < CHUNK;
                        let next = rows.last().map(cursor_of);
                        let bytes = render(&rows, !header_sent);
                        Some((Ok::<_, std::io::Error>(bytes), (next, true, finished)))
                    }
                    Err(e) => {
                        tracing::error!(error = %Chain(&e), file = %name, "export failed");
                        Some((
                            Err(std::io::Error::other("export failed")),
                            (None, true, true),
                        ))
                    }
                }
            }
        },
    );
    csv_response(filename, Body::from_stream(chunks))
}

/// `GET /audit/export.csv`: the filtered audit log (an admin's, or the user's own actions),
/// newest first, read page by page.
pub async fn export_audit(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(query): Query<AuditQuery>,
) -> Response {
    let Some(Extension(CurrentUser(user))) = user else {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    };
    let zone = state.config.ui.zone_for(user.timezone.as_deref());
    let filter = match crate::serverfns::audit::scoped_filter(&user, &query, &zone) {
        Ok(filter) => filter,
        Err(e) => return (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response(),
    };
    let store = state.store.clone();
    let chunks = futures::stream::unfold(
        (None::<i64>, false, false),
        move |(before, header_sent, done)| {
            let store = store.clone();
            let filter = filter.clone();
            async move {
                if done {
                    return None;
                }
                match store.search_audit(&filter, before, CHUNK).await {
                    Ok(rows) => {
                        let finished = (rows.len() as i64) < CHUNK;
                        let next = rows.last().map(|r| r.id);
                        let bytes = audit_csv(&rows, !header_sent);
                        Some((Ok::<_, std::io::Error>(bytes), (next, true, finished)))
                    }
                    Err(e) => {
                        tracing::error!(error = %Chain(&e), "audit export failed");
                        Some((
                            Err(std::io::Error::other("export failed")),
                            (None, true, true),
                        ))
                    }
                }
            }
        },
    );
    csv_response("audit.csv", Body::from_stream(chunks))
}

fn csv_response(filename: &str, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

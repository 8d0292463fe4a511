//! Read-only endpoints for the merchant's own systems, behind a merchant API token with
//! the `read` scope: an order's confirmed state, so a checkout can ask "is it paid?" without calling
//! Juspay, and the outbox, for systems that prefer pulling events to receiving them.
//!
//! * `GET /merchant-api/orders/{order_id}`: the order as outbound events describe it
//!   (`data` of an `order.*` event), with its refunds.
//! * `GET /merchant-api/events?after=SEQ&limit=N`: events after a cursor, oldest first;
//!   `next` is the cursor of the following page.
//!
//! Invariant: nothing here writes, and an answer never carries contact details, Juspay's
//! raw bodies or secrets (the payloads are those of docs/outbound.md).

use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use dashboard_core::outbound::tokens::Scope;

use super::{
    merchant_api::{Refusal, check_token},
    state::AppState,
};

/// Events per page at most.
const PAGE_MAX: i64 = 500;

pub async fn get_order(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    if let Err(refusal) = check_token(&state, &headers, Scope::Read).await {
        return refusal.into_response();
    }
    let store = &state.store;
    let order = match store.find_order(&order_id).await {
        Ok(Some(order)) => order,
        Ok(None) => {
            return Refusal::new(StatusCode::NOT_FOUND, "not_found", "No such order.")
                .into_response();
        }
        Err(e) => return internal(&e),
    };
    let refunds = match store.list_refunds_of_order(&order_id).await {
        Ok(refunds) => refunds,
        Err(e) => return internal(&e),
    };
    let mut data = dashboard_core::outbound::events::order_data(&order);
    data["refunds"] = refunds
        .iter()
        .map(|r| {
            json!({
                "unique_request_id": r.unique_request_id,
                "status": r.status.as_str(),
                "amount": { "minor": r.amount, "currency": r.currency },
                "arn": r.arn,
            })
        })
        .collect::<Vec<_>>()
        .into();
    Json(data).into_response()
}

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

pub async fn list_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<EventsQuery>,
) -> Response {
    if let Err(refusal) = check_token(&state, &headers, Scope::Read).await {
        return refusal.into_response();
    }
    let after = query.after.unwrap_or(0).max(0);
    let limit = query.limit.unwrap_or(100).clamp(1, PAGE_MAX);
    let events = match state.store.list_events_after(after, limit).await {
        Ok(events) => events,
        Err(e) => return internal(&e),
    };
    let next = events.last().map_or(after, |e| e.seq);
    let events: Vec<Value> = events
        .into_iter()
        .map(|e| {
            let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
            json!({ "cursor": e.seq, "id": e.id, "type": e.event_type, "payload": payload })
        })
        .collect();
    Json(json!({ "events": events, "next": next })).into_response()
}

/// A storage failure: logged with its cause, answered with a reference only.
fn internal(error: &dashboard_core::StoreError) -> Response {
    if error.is_unstorable_text() {
        return Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "The request holds a character that cannot be stored (such as NUL).",
        )
        .into_response();
    }
    tracing::error!(error = %dashboard_core::report::Chain(error), "merchant read failed");
    Refusal::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Something went wrong on our side; try again.",
    )
    .into_response()
}

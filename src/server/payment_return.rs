//! `GET`/`POST /payments/return`: where Juspay sends the customer's browser after payment
//! (§10). The redirect only says which order to look at: its signature is checked with the
//! response key, then the order is synced with Juspay and the customer sees the confirmed
//! outcome — paid, still being confirmed, or not paid.
//!
//! `GET`/`POST /payments/jpsl-return` does the same for JPSL's browser return (`returnURL`):
//! its `secureHash` is checked, and the page shows the state confirmed by the server-to-
//! server advice — JPSL has no status call here, so an unconfirmed payment reads "being
//! confirmed".
//!
//! Invariant: nothing in the redirect changes state (its `status` is never trusted); a bad
//! signature shows an error page and is logged, and costs no call to Juspay.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};
use dashboard_core::report::Chain;
use dashboard_status::OrderGroup;

use super::{middleware::RequestMeta, state::AppState};

pub async fn return_get(
    State(state): State<AppState>,
    meta: Option<axum::Extension<RequestMeta>>,
    RawQuery(query): RawQuery,
) -> Response {
    let trace_id = meta.map(|m| m.trace_id.clone()).unwrap_or_default();
    respond(&state, &trace_id, query.as_deref().unwrap_or_default()).await
}

/// Juspay posts the same parameters as a form when asked to (§10).
pub async fn return_post(
    State(state): State<AppState>,
    meta: Option<axum::Extension<RequestMeta>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let trace_id = meta.map(|m| m.trace_id.clone()).unwrap_or_default();
    let is_form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return page(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "We could not read this payment response",
            "The payment page sent an answer we do not understand. If you paid, you will get a confirmation; do not pay again.",
        );
    }
    respond(&state, &trace_id, &String::from_utf8_lossy(&body)).await
}

async fn respond(state: &AppState, trace_id: &str, query: &str) -> Response {
    let Some(key) = state.config.juspay.response_key.as_ref() else {
        tracing::error!("payment return received but juspay.response_key is not set");
        return page(
            StatusCode::SERVICE_UNAVAILABLE,
            "We cannot confirm payments right now",
            "If you paid, you will get a confirmation; do not pay again.",
        );
    };
    let order_id = format!("/?{}", query.trim_start_matches('?'))
        .parse::<axum::http::Uri>()
        .ok()
        .and_then(|uri| {
            axum::extract::Query::<std::collections::HashMap<String, String>>::try_from_uri(&uri)
                .ok()
        })
        .and_then(|params| params.0.get("order_id").cloned());
    if juspay::verify_return_query(query, key).is_err() {
        tracing::warn!(order_id = ?order_id, "payment return with a bad or missing signature");
        return page(
            StatusCode::BAD_REQUEST,
            "We could not verify this payment response",
            "The link you followed is incomplete or was changed. If you paid, you will get a confirmation; do not pay again.",
        );
    }
    let Some(order_id) = order_id.filter(|id| !id.is_empty()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "We could not verify this payment response",
            "The response names no order.",
        );
    };
    if let Err(e) = state.actions.refresh_order(&order_id, trace_id, None).await {
        // The stored state still answers; the reconciler will confirm later.
        tracing::warn!(order_id, error = %Chain(&e), "sync after the payment return failed");
    }
    let order = match state.store.find_order(&order_id).await {
        Ok(Some(order)) => order,
        Ok(None) => {
            return page(
                StatusCode::NOT_FOUND,
                "We could not find this order",
                "Please contact the shop with your order reference.",
            );
        }
        Err(e) => {
            tracing::error!(error = %Chain(&e), "payment return: order lookup failed");
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "We cannot confirm payments right now",
                "If you paid, you will get a confirmation; do not pay again.",
            );
        }
    };
    outcome_page(&order)
}

/// A small standalone page for the customer (not the staff app: no sign-in, no scripts).
pub async fn jpsl_return_get(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    jpsl_respond(
        &state,
        "application/x-www-form-urlencoded",
        query.as_bytes(),
    )
    .await
}

pub async fn jpsl_return_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/x-www-form-urlencoded")
        .to_owned();
    jpsl_respond(&state, &content_type, &body).await
}

async fn jpsl_respond(state: &AppState, content_type: &str, body: &[u8]) -> Response {
    use dashboard_core::webhooks::jpsl;
    let Some(secret) = state.config.jpsl.secret.as_ref() else {
        tracing::error!("JPSL return received but jpsl.secret is not set");
        return page(
            StatusCode::SERVICE_UNAVAILABLE,
            "We cannot confirm payments right now",
            "If you paid, you will get a confirmation; do not pay again.",
        );
    };
    let verified = jpsl::parse_callback(content_type, body)
        .ok()
        .filter(|fields| jpsl::verify(fields, secret) == Ok(true));
    let Some(fields) = verified else {
        tracing::warn!("JPSL return with a bad or missing secureHash");
        return page(
            StatusCode::BAD_REQUEST,
            "We could not verify this payment response",
            "The link you followed is incomplete or was changed. If you paid, you will get a confirmation; do not pay again.",
        );
    };
    let Some(order_id) = jpsl::order_id_of(&fields) else {
        return page(
            StatusCode::BAD_REQUEST,
            "We could not verify this payment response",
            "The response names no order.",
        );
    };
    match state.store.find_order(&order_id).await {
        Ok(Some(order)) => outcome_page(&order),
        // The advice has not arrived yet: nothing is confirmed.
        Ok(None) => page(
            StatusCode::OK,
            "Payment being confirmed",
            &format!(
                "We are waiting for the bank to confirm your payment for order {order_id}. We'll confirm shortly — please do not pay again."
            ),
        ),
        Err(e) => {
            tracing::error!(error = %Chain(&e), "JPSL return: order lookup failed");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "We cannot confirm payments right now",
                "If you paid, you will get a confirmation; do not pay again.",
            )
        }
    }
}

/// The customer's page for the confirmed state of `order`.
fn outcome_page(order: &dashboard_core::orders::model::OrderRow) -> Response {
    let order_id = &order.order_id;
    let amount = dashboard_core::money::format_minor(order.amount, &order.currency);
    let (title, text) = match OrderGroup::of(&order.status, order.amount_refunded, order.amount) {
        OrderGroup::Paid => (
            "Payment received".to_owned(),
            format!("Thank you. Your payment of {amount} for order {order_id} is confirmed."),
        ),
        OrderGroup::Failed | OrderGroup::Cancelled => (
            "Payment not completed".to_owned(),
            format!(
                "Your payment of {amount} for order {order_id} did not go through and nothing was charged. Please try again, or use another payment method."
            ),
        ),
        _ => (
            "Payment being confirmed".to_owned(),
            format!(
                "We are waiting for the bank to confirm your payment of {amount} for order {order_id}. We'll confirm shortly — please do not pay again."
            ),
        ),
    };
    page(StatusCode::OK, &title, &text)
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;\
         margin:4rem auto;padding:0 1rem;line-height:1.5}}@media (prefers-color-scheme:dark)\
         {{body{{background:#111;color:#eee}}}}</style></head><body><h1>{title}</h1><p>{text}</p>\
         </body></html>",
        title = escape(title),
        text = escape(text)
    );
    (status, Html(html)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

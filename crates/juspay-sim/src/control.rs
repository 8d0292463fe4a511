//! The `/__sim` control API: pay without HTML, raise and move chargebacks, auto-refund a
//! late success, expire a mandate, inject faults,
//! read webhook attempts and order state (one order, or a compact list of every order, and
//! of every mandate with its debits, for comparing with the dashboard's database), start
//! demo traffic, and receive the dashboard's
//! outbound events ([`crate::receiver`]). Invariant: these routes need no API key (the
//! simulator binds loopback only) and are never subject to endpoint faults.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::chargebacks::{self, ChargebackRequest};
use crate::error::ApiError;
use crate::faults::{EndpointFault, WebhookFault};
use crate::orders;
use crate::payments::{self, PaymentRequest, PaymentResult};
use crate::server::Shared;
use crate::state::RefundStatus;
use crate::traffic;
use crate::webhooks::WebhookAttempt;

/// Body of `POST /__sim/faults/upi-pending`.
#[derive(Debug, Serialize, Deserialize)]
pub struct UpiPending {
    /// How long UPI payments stay PENDING_VBV; `null` turns the fault off.
    pub millis: Option<u64>,
}

/// Body of `POST /__sim/faults/refund-outcomes`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RefundOutcomes {
    /// Outcomes for the next refunds, in order.
    pub outcomes: Vec<RefundStatus>,
}

/// The control routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__sim/orders", get(list_orders))
        .route("/__sim/orders/{order_id}", get(order))
        .route("/__sim/orders/{order_id}/pay", post(pay))
        .route("/__sim/orders/{order_id}/chargebacks", post(chargeback))
        .route("/__sim/orders/{order_id}/auto-refund", post(auto_refund))
        .route("/__sim/mandates", get(list_mandates))
        .route("/__sim/mandates/{mandate_id}/expire", post(expire_mandate))
        .route("/__sim/faults", axum::routing::delete(clear_faults))
        .route("/__sim/faults/endpoint", post(add_endpoint_fault))
        .route("/__sim/faults/webhook", post(add_webhook_fault))
        .route("/__sim/faults/upi-pending", post(set_upi_pending))
        .route("/__sim/faults/refund-outcomes", post(queue_refund_outcomes))
        .route("/__sim/webhooks/attempts", get(webhook_attempts))
        .route("/__sim/traffic/start", post(start_traffic))
        .route("/__sim/jpsl/callbacks", post(send_jpsl))
        .merge(crate::receiver::routes())
}

/// Query of the order routes: which merchant's order (the primary one by default).
#[derive(Debug, Default, Deserialize)]
pub struct MerchantQuery {
    /// Merchant id; the configured primary merchant when absent.
    pub merchant_id: Option<String>,
}

impl MerchantQuery {
    fn merchant<'a>(&'a self, shared: &'a Shared) -> &'a str {
        self.merchant_id
            .as_deref()
            .unwrap_or(&shared.config.merchant_id)
    }
}

/// One refund in [`OrderSummary`].
#[derive(Debug, Serialize, Deserialize)]
pub struct RefundSummary {
    /// The merchant's idempotency key.
    pub unique_request_id: String,
    /// Minor units of the order's currency.
    pub amount: i64,
    /// `PENDING`, `SUCCESS`, `FAILURE` or `MANUAL_REVIEW`.
    pub status: String,
    /// Started by Juspay itself (an auto-refund).
    pub auto: bool,
}

/// An order as `GET /__sim/orders` lists it: what a reconciliation compares.
#[derive(Debug, Serialize, Deserialize)]
pub struct OrderSummary {
    /// Merchant order id as first sent.
    pub order_id: String,
    /// Wire status, e.g. `CHARGED`.
    pub status: String,
    /// Minor units of `currency`.
    pub amount: i64,
    /// e.g. `INR`.
    pub currency: String,
    /// Refunds, oldest first.
    pub refunds: Vec<RefundSummary>,
}

/// `GET /__sim/orders[?merchant_id=]`: every order of the merchant, compact, read-only.
async fn list_orders(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<MerchantQuery>,
) -> Result<Json<Vec<OrderSummary>>, ApiError> {
    let store = shared.store_of(query.merchant(&shared))?;
    let orders = store
        .orders
        .values()
        .map(|o| OrderSummary {
            order_id: o.order_id.clone(),
            status: o.status.as_str().to_owned(),
            amount: o.amount,
            currency: o.currency.clone(),
            refunds: o
                .refunds
                .iter()
                .map(|r| RefundSummary {
                    unique_request_id: r.unique_request_id.clone(),
                    amount: r.amount,
                    status: r.status.as_str().to_owned(),
                    auto: r.auto,
                })
                .collect(),
        })
        .collect();
    Ok(Json(orders))
}

/// One execution (debit) of a mandate in [`MandateSummary`].
#[derive(Debug, Serialize, Deserialize)]
pub struct DebitSummary {
    /// The execution order's merchant order id.
    pub order_id: String,
    /// Wire status of that order, e.g. `CHARGED`.
    pub status: String,
    /// Minor units of the mandate's currency.
    pub amount: i64,
}

/// A mandate as `GET /__sim/mandates` lists it: what a reconciliation compares.
#[derive(Debug, Serialize, Deserialize)]
pub struct MandateSummary {
    /// Juspay's mandate id.
    pub mandate_id: String,
    /// Wire status, e.g. `ACTIVE`.
    pub status: String,
    /// The registration order's merchant id.
    pub order_id: String,
    /// Owner.
    pub customer_id: Option<String>,
    /// Executions, by order id.
    pub debits: Vec<DebitSummary>,
}

/// `GET /__sim/mandates[?merchant_id=]`: every mandate of the merchant with its debits,
/// compact, read-only.
async fn list_mandates(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<MerchantQuery>,
) -> Result<Json<Vec<MandateSummary>>, ApiError> {
    let store = shared.store_of(query.merchant(&shared))?;
    let mandates = store
        .mandates
        .values()
        .map(|m| MandateSummary {
            mandate_id: m.mandate_id.clone(),
            status: m.status.as_str().to_owned(),
            order_id: m.order_id.clone(),
            customer_id: m.customer_id.clone(),
            debits: store
                .orders
                .values()
                .filter(|o| {
                    o.is_mandate_execution && o.mandate_id.as_deref() == Some(&m.mandate_id)
                })
                .map(|o| DebitSummary {
                    order_id: o.order_id.clone(),
                    status: o.status.as_str().to_owned(),
                    amount: o.amount,
                })
                .collect(),
        })
        .collect();
    Ok(Json(mandates))
}

async fn order(
    State(shared): State<Arc<Shared>>,
    Path(order_id): Path<String>,
    Query(query): Query<MerchantQuery>,
) -> Result<Json<Value>, ApiError> {
    let store = shared.store_of(query.merchant(&shared))?;
    let order = store
        .order(&order_id)
        .ok_or_else(|| ApiError::not_found("Order", &order_id))?;
    Ok(Json(orders::render(&store, order)))
}

async fn pay(
    State(shared): State<Arc<Shared>>,
    Path(order_id): Path<String>,
    Query(query): Query<MerchantQuery>,
    Json(request): Json<PaymentRequest>,
) -> Result<Json<PaymentResult>, ApiError> {
    payments::pay(&shared, query.merchant(&shared), &order_id, &request).map(Json)
}

/// `POST /__sim/orders/{order_id}/auto-refund`: the failed order's payment succeeds late
/// and Juspay refunds it on its own.
async fn auto_refund(
    State(shared): State<Arc<Shared>>,
    Path(order_id): Path<String>,
    Query(query): Query<MerchantQuery>,
) -> Result<Json<Value>, ApiError> {
    crate::refunds::auto_refund(&shared, query.merchant(&shared), &order_id).map(Json)
}

/// `POST /__sim/mandates/{mandate_id}/expire`: the mandate reaches its end date.
async fn expire_mandate(
    State(shared): State<Arc<Shared>>,
    Path(mandate_id): Path<String>,
    Query(query): Query<MerchantQuery>,
) -> Result<Json<Value>, ApiError> {
    crate::mandates::expire(&shared, query.merchant(&shared), &mandate_id).map(Json)
}

/// `POST /__sim/orders/{order_id}/chargebacks`: raise or move a chargeback.
async fn chargeback(
    State(shared): State<Arc<Shared>>,
    Path(order_id): Path<String>,
    Query(query): Query<MerchantQuery>,
    Json(request): Json<ChargebackRequest>,
) -> Result<Json<Value>, ApiError> {
    chargebacks::raise(&shared, query.merchant(&shared), &order_id, &request).map(Json)
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults().clear();
    StatusCode::NO_CONTENT
}

async fn add_endpoint_fault(
    State(shared): State<Arc<Shared>>,
    Json(fault): Json<EndpointFault>,
) -> StatusCode {
    shared.faults().add_endpoint(fault);
    StatusCode::NO_CONTENT
}

async fn add_webhook_fault(
    State(shared): State<Arc<Shared>>,
    Json(fault): Json<WebhookFault>,
) -> StatusCode {
    shared.faults().add_webhook(fault);
    StatusCode::NO_CONTENT
}

async fn set_upi_pending(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<UpiPending>,
) -> StatusCode {
    shared.faults().upi_pending = body.millis.map(Duration::from_millis);
    StatusCode::NO_CONTENT
}

async fn queue_refund_outcomes(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<RefundOutcomes>,
) -> StatusCode {
    shared.faults().refund_outcomes.extend(body.outcomes);
    StatusCode::NO_CONTENT
}

async fn webhook_attempts(State(shared): State<Arc<Shared>>) -> Json<Vec<WebhookAttempt>> {
    Json(shared.attempts())
}

async fn start_traffic(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let started = traffic::start(&shared);
    Json(json!({"started": started}))
}

/// `POST /__sim/jpsl/callbacks`: sends one signed JPSL advice to the configured URL.
async fn send_jpsl(
    State(shared): State<Arc<Shared>>,
    Json(callback): Json<crate::jpsl::JpslCallback>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match crate::jpsl::send(&shared, &callback).await {
        Ok(statuses) => Json(serde_json::json!({"statuses": statuses})).into_response(),
        Err(message) => (
            axum::http::StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": message})),
        )
            .into_response(),
    }
}

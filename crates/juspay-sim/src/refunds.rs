//! Order refunds (§6.1, §6.3). Invariant: `unique_request_id` is an idempotency key —
//! the same id with the same amount never creates a second refund, a different amount
//! is refused — and non-failed refunds never exceed the paid amount. Refunds start
//! PENDING and settle later to SUCCESS, FAILURE or MANUAL_REVIEW. Amounts are read in
//! the order's currency, and the text each request carried is kept with the refund.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::amount;
use crate::auth::authenticate;
use crate::body::ApiRequest;
use crate::clock;
use crate::error::ApiError;
use crate::orders;
use crate::payments::order_event;
use crate::server::Shared;
use crate::state::{OrderStatus, Refund, RefundStatus, Store};
use crate::webhooks::{self, Event};

/// Time from acceptance to settlement, before time scaling.
pub const SETTLE_DELAY: Duration = Duration::from_secs(5);

/// `POST /orders/{order_id}/refunds`; answers with the whole order object (§6.1).
pub async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    refund(&shared, &merchant, &order_id, &request).map(Json)
}

/// Legacy `POST /order/refund` with `order_id` in the body (§4.6, §6.1).
pub async fn create_legacy(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    let order_id = request.require("order_id")?.to_owned();
    refund(&shared, &merchant, &order_id, &request).map(Json)
}

/// `POST /refunds` (§6.2): a refund addressed by `txn_id` (or `order_id`), answered with
/// the single refund object rather than the order.
pub async fn create_for_txn(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    let order_id = match request.get("order_id") {
        Some(order_id) => order_id.to_owned(),
        None => {
            let txn_id = request.require("txn_id")?;
            order_id_for_txn(&*shared.store_of(&merchant)?, txn_id)
                .ok_or_else(|| ApiError::not_found("Txn", txn_id))?
        }
    };
    refund(&shared, &merchant, &order_id, &request)?;
    let unique_request_id = request.require("unique_request_id")?;
    let store = shared.store_of(&merchant)?;
    let order = store
        .order(&order_id)
        .ok_or_else(|| ApiError::not_found("Order", &order_id))?;
    let (Some(refund), Some(attempt)) = (
        order
            .refunds
            .iter()
            .find(|r| r.unique_request_id == unique_request_id),
        order.attempts.last(),
    ) else {
        return Err(ApiError::not_found("Refund", unique_request_id));
    };
    let (gateway, _) = attempt.method.gateway();
    let instant = request
        .get("refund_type")
        .is_some_and(|t| t.eq_ignore_ascii_case("INSTANT"));
    Ok(Json(json!({
        "unique_request_id": refund.unique_request_id,
        "txn_id": format!("{}-{}-{}", store.merchant_id, order.order_id, attempt.number),
        "order_id": order.order_id,
        "status": refund.status.as_str(),
        "sent_to_gateway": instant || refund.status != RefundStatus::Pending,
        "refund_type": if instant { "INSTANT" } else { "STANDARD" },
        "refund_source": gateway,
        "gateway": gateway,
        "initiated_by": "API",
        "amount": amount::to_json(refund.amount, &order.currency),
        "created": refund.created,
        "response_code": null,
        "refund_arn": null,
        "reference_id": refund.gateway_ref,
        "epg_txn_id": attempt.epg_txn_id,
        "authorization_id": null,
        "error_message": null,
    })))
}

/// The merchant order id behind a `<merchant>-<order>-<n>` txn id.
fn order_id_for_txn(store: &Store, txn_id: &str) -> Option<String> {
    store
        .orders
        .values()
        .find(|o| {
            o.attempts
                .iter()
                .any(|a| format!("{}-{}-{}", store.merchant_id, o.order_id, a.number) == txn_id)
        })
        .map(|o| o.order_id.clone())
}

/// Records a refund (or replays an existing one) and schedules its settlement.
pub fn refund(
    shared: &Arc<Shared>,
    merchant: &str,
    order_id: &str,
    request: &ApiRequest,
) -> Result<Value, ApiError> {
    let unique_request_id = request.require("unique_request_id")?.to_owned();
    let requested_amount = request.get("amount").map(str::to_owned);
    let planned = shared.faults().next_refund_outcome();
    let (body, created) = {
        let mut store = shared.store_of(merchant)?;
        let key = Store::order_key(order_id);
        let order = store
            .orders
            .get_mut(&key)
            .ok_or_else(|| ApiError::not_found("Order", order_id))?;
        // Refund amounts are in the order's currency, with its decimals (§6.1).
        let amount = requested_amount
            .as_deref()
            .map(|raw| orders::parse_amount(raw, &order.currency))
            .transpose()?;
        let created = if let Some(existing) = order
            .refunds
            .iter()
            .find(|r| r.unique_request_id == unique_request_id)
        {
            if amount.is_some_and(|a| a != existing.amount) {
                return Err(ApiError::envelope(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "REFUND_DUPLICATE_REQUEST",
                    "unique_request_id was already used for a refund with a different amount.",
                    "DUPLICATE_REQUEST",
                ));
            }
            false
        } else {
            if !order.status.is_refundable() {
                return Err(ApiError::envelope(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "invalid.order.not_successful",
                    "Cannot process unsuccessful order.",
                    "INVALID_ACTION",
                ));
            }
            let remaining = order.paid_amount() - order.refunded_amount();
            // No amount means "refund what is left" (§6.1).
            let amount = amount.unwrap_or(remaining);
            if amount <= 0 || amount > remaining {
                return Err(ApiError::envelope(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "INVALID_AMOUNT_REFUND",
                    "Refund amount exceeds the refundable amount of the order.",
                    "INVALID_INPUT",
                ));
            }
            let now = clock::now_iso();
            order.refunds.push(Refund {
                unique_request_id: unique_request_id.clone(),
                amount,
                requested_amount,
                status: RefundStatus::Pending,
                created: now.clone(),
                last_updated: now,
                gateway_ref: None,
                auto: false,
            });
            true
        };
        let order = store
            .orders
            .get(&key)
            .ok_or_else(|| ApiError::not_found("Order", order_id))?;
        (orders::render(&store, order), created)
    };
    if created {
        let key = Store::order_key(order_id);
        shared.schedule(merchant, SETTLE_DELAY, move |store| {
            settle(store, &key, &unique_request_id, planned)
        });
    }
    Ok(body)
}

/// Juspay's answer to a payment that succeeded after its order had failed (the bank
/// confirmed late): the order becomes `AUTO_REFUNDED` and Juspay refunds the whole amount
/// on its own — `AUTO_REFUND_INITIATED` now, `AUTO_REFUND_SUCCEEDED` once settled. Only a
/// failed order can be auto-refunded. The refund names no `initiated_by` (the wire is not
/// public; the dashboard tells auto-refunds by their event).
pub fn auto_refund(
    shared: &Arc<Shared>,
    merchant: &str,
    order_id: &str,
) -> Result<Value, ApiError> {
    let (body, events, unique_request_id) = {
        let mut store = shared.store_of(merchant)?;
        let key = Store::order_key(order_id);
        let unique_request_id = format!("auto_{}", store.alnum(12));
        let order = store
            .orders
            .get_mut(&key)
            .ok_or_else(|| ApiError::not_found("Order", order_id))?;
        if !order.status.is_retryable_failure() {
            return Err(ApiError::invalid_action(
                "Only a failed order is auto-refunded when its payment succeeds late.",
            ));
        }
        let now = clock::now_iso();
        order.status = OrderStatus::AutoRefunded;
        order.refunds.push(Refund {
            unique_request_id: unique_request_id.clone(),
            amount: order.amount,
            requested_amount: None,
            status: RefundStatus::Pending,
            created: now.clone(),
            last_updated: now,
            gateway_ref: None,
            auto: true,
        });
        let events: Vec<Event> = order_event(&mut store, &key, "AUTO_REFUND_INITIATED")
            .into_iter()
            .collect();
        let order = store
            .orders
            .get(&key)
            .ok_or_else(|| ApiError::not_found("Order", order_id))?;
        (orders::render(&store, order), events, unique_request_id)
    };
    webhooks::dispatch(shared, events);
    let key = Store::order_key(order_id);
    shared.schedule(merchant, SETTLE_DELAY, move |store| {
        settle(store, &key, &unique_request_id, RefundStatus::Success)
    });
    Ok(body)
}

/// Moves a PENDING refund to its planned outcome and returns the §9.2 event.
fn settle(
    store: &mut Store,
    key: &str,
    unique_request_id: &str,
    outcome: RefundStatus,
) -> Vec<Event> {
    let auto = store.orders.get(key).is_some_and(|o| {
        o.refunds
            .iter()
            .any(|r| r.unique_request_id == unique_request_id && r.auto)
    });
    let name = match (outcome, auto) {
        // A queued PENDING outcome means "never settles": the refund stays pending.
        (RefundStatus::Pending, _) => return Vec::new(),
        (RefundStatus::Success, true) => "AUTO_REFUND_SUCCEEDED",
        (RefundStatus::Failure, true) => "AUTO_REFUND_FAILED",
        (RefundStatus::Success, false) => "ORDER_REFUNDED",
        (RefundStatus::Failure, false) => "ORDER_REFUND_FAILED",
        (RefundStatus::ManualReview, _) => "REFUND_MANUAL_REVIEW_NEEDED",
    };
    let gateway_ref = format!("rfnd_{}", store.alnum(14));
    let Some(order) = store.orders.get_mut(key) else {
        return Vec::new();
    };
    let Some(refund) = order
        .refunds
        .iter_mut()
        .find(|r| r.unique_request_id == unique_request_id && r.status == RefundStatus::Pending)
    else {
        return Vec::new();
    };
    refund.status = outcome;
    refund.last_updated = clock::now_iso();
    refund.gateway_ref = Some(gateway_ref);
    order_event(store, key, name).into_iter().collect()
}

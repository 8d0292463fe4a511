//! Payment attempts: the outcome a tester picks (hosted page or control API), `POST /txns`
//! (§5.1) and pre-auth capture/void (§5.3). Invariant: an order takes a new attempt only
//! when NEW, after a retryable failure, or to finish an attempt started by `/txns`; each
//! attempt gets the next `<merchant>-<order>-<n>` suffix (§4.3, §4.4).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::{authenticate, authenticate_txn};
use crate::body::ApiRequest;
use crate::clock;
use crate::error::ApiError;
use crate::server::Shared;
use crate::signature;
use crate::state::{Attempt, OrderStatus, PaymentMethod, Store};
use crate::webhooks::{self, Event};
use crate::{mandates, orders};

/// How long "pending then charged" stays pending, before time scaling.
pub const PENDING_THEN_CHARGED_DELAY: Duration = Duration::from_secs(10);

/// What the payer's attempt ends in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Success (CHARGED, or AUTHORIZED for pre-auth orders, COD_INITIATED for cash).
    Charged,
    /// Failure with a [`FailureReason`].
    Failed,
    /// PENDING_VBV now, CHARGED after 10 s (scaled).
    PendingThenCharged,
    /// The payer left the page: AUTHENTICATION_FAILED with `USER_ABORTED`.
    UserAborted,
}

/// Failure codes of Juspay's error-code table (Express Checkout API documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureReason {
    /// Card/account declined by bank.
    #[default]
    #[serde(rename = "DECLINED")]
    Declined,
    /// Not enough balance.
    #[serde(rename = "INSUFFICIENT_FUNDS")]
    InsufficientFunds,
    /// Card expired.
    #[serde(rename = "EXPIRED_CARD")]
    ExpiredCard,
    /// CVV mismatch.
    #[serde(rename = "INVALID_CVV")]
    InvalidCvv,
    /// OTP/3DS failed.
    #[serde(rename = "3D_SECURE_FAILED")]
    ThreeDSecureFailed,
    /// Gateway did not answer in time.
    #[serde(rename = "GATEWAY_TIMEOUT")]
    GatewayTimeout,
    /// Same transaction sent twice.
    #[serde(rename = "DUPLICATE_TRANSACTION")]
    DuplicateTransaction,
}

impl FailureReason {
    /// Every reason, for the payment page.
    pub const ALL: [Self; 7] = [
        Self::Declined,
        Self::InsufficientFunds,
        Self::ExpiredCard,
        Self::InvalidCvv,
        Self::ThreeDSecureFailed,
        Self::GatewayTimeout,
        Self::DuplicateTransaction,
    ];

    /// The error code on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Self::Declined => "DECLINED",
            Self::InsufficientFunds => "INSUFFICIENT_FUNDS",
            Self::ExpiredCard => "EXPIRED_CARD",
            Self::InvalidCvv => "INVALID_CVV",
            Self::ThreeDSecureFailed => "3D_SECURE_FAILED",
            Self::GatewayTimeout => "GATEWAY_TIMEOUT",
            Self::DuplicateTransaction => "DUPLICATE_TRANSACTION",
        }
    }

    /// Parses a wire code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Human text and the §4.4 status it leads to: 3DS failures are authentication
    /// failures (26), duplicates are Juspay declines (22), the rest bank refusals (27).
    fn describe(self) -> (&'static str, OrderStatus) {
        match self {
            Self::Declined => (
                "Card/account declined by bank",
                OrderStatus::AuthorizationFailed,
            ),
            Self::InsufficientFunds => ("Insufficient funds", OrderStatus::AuthorizationFailed),
            Self::ExpiredCard => ("Card expired", OrderStatus::AuthorizationFailed),
            Self::InvalidCvv => ("Invalid CVV", OrderStatus::AuthorizationFailed),
            Self::ThreeDSecureFailed => (
                "3D Secure verification failed",
                OrderStatus::AuthenticationFailed,
            ),
            Self::GatewayTimeout => ("Gateway timed out", OrderStatus::AuthorizationFailed),
            Self::DuplicateTransaction => ("Duplicate transaction", OrderStatus::JuspayDeclined),
        }
    }
}

/// A tester's choice for one payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// How it ends.
    pub outcome: Outcome,
    /// Why it failed, for [`Outcome::Failed`] (defaults to DECLINED).
    #[serde(default)]
    pub reason: Option<FailureReason>,
    /// Instrument (defaults to CARD).
    #[serde(default)]
    pub method: PaymentMethod,
}

impl PaymentRequest {
    /// A successful payment with `method`.
    pub fn charged(method: PaymentMethod) -> Self {
        Self {
            outcome: Outcome::Charged,
            reason: None,
            method,
        }
    }

    /// A failed card payment.
    pub fn failed(reason: FailureReason) -> Self {
        Self {
            outcome: Outcome::Failed,
            reason: Some(reason),
            method: PaymentMethod::Card,
        }
    }
}

/// What a payment produced, including the signed redirect (§10) when the order has a
/// `return_url`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentResult {
    /// Merchant order id.
    pub order_id: String,
    /// Status right after the payment (PENDING_VBV for pending flows).
    pub status: String,
    /// Its §4.4 id.
    pub status_id: u16,
    /// `<merchant>-<order>-<n>`.
    pub txn_id: String,
    /// Juspay txn id.
    pub txn_uuid: String,
    /// `return_url` with the signed query, if the order has one.
    pub redirect_url: Option<String>,
}

struct Applied {
    result: PaymentResult,
    events: Vec<Event>,
    flip: Option<(Duration, OrderStatus)>,
    key: String,
    return_url: Option<String>,
}

/// Applies a tester-chosen outcome to an order, emits webhooks and schedules any flip
/// from PENDING_VBV to the final status.
pub fn pay(
    shared: &Arc<Shared>,
    merchant: &str,
    order_id: &str,
    request: &PaymentRequest,
) -> Result<PaymentResult, ApiError> {
    let upi_hold = shared.faults().upi_pending;
    let pending_delay = shared.scaled(PENDING_THEN_CHARGED_DELAY);
    let applied = {
        let mut store = shared.store_of(merchant)?;
        apply(&mut store, order_id, request, upi_hold, pending_delay)?
    };
    webhooks::dispatch(shared, applied.events);
    if let Some((delay, status)) = applied.flip {
        let key = applied.key;
        shared.schedule_real(merchant, delay, move |store| {
            settle_attempt(store, &key, status, None)
        });
    }
    let mut result = applied.result;
    result.redirect_url = applied.return_url.map(|url| {
        signature::signed_return_url(
            &url,
            &result.order_id,
            &result.status,
            result.status_id,
            &shared.config.response_key,
            shared.config.double_encode_signature,
        )
    });
    Ok(result)
}

fn apply(
    store: &mut Store,
    order_id: &str,
    request: &PaymentRequest,
    upi_hold: Option<Duration>,
    pending_delay: Duration,
) -> Result<Applied, ApiError> {
    let key = Store::order_key(order_id);
    let order = store
        .orders
        .get(&key)
        .ok_or_else(|| ApiError::not_found("Order", order_id))?;
    let reason = request.reason.unwrap_or_default();
    let (final_status, error) = match request.outcome {
        Outcome::Charged | Outcome::PendingThenCharged => {
            (success_status(order.auto_capture, request.method), None)
        }
        Outcome::Failed => {
            let (message, status) = reason.describe();
            (status, Some((reason.code(), message)))
        }
        Outcome::UserAborted => (
            OrderStatus::AuthenticationFailed,
            Some(("USER_ABORTED", "User aborted the payment")),
        ),
    };
    let hold = match request.outcome {
        Outcome::PendingThenCharged => Some(pending_delay),
        Outcome::Charged if request.method == PaymentMethod::Upi => upi_hold,
        Outcome::Charged | Outcome::Failed | Outcome::UserAborted => None,
    };
    let now_status = if hold.is_some() {
        OrderStatus::PendingVbv
    } else {
        final_status
    };
    start_attempt(store, &key, request.method, now_status, false)?;
    let mut events = Vec::new();
    if hold.is_some() {
        events.extend(order_event(store, &key, "TXN_CREATED"));
    } else {
        events.extend(settle_attempt(store, &key, final_status, error));
    }
    let order = store
        .orders
        .get(&key)
        .ok_or_else(|| ApiError::not_found("Order", order_id))?;
    let attempt = order
        .attempts
        .last()
        .ok_or_else(|| ApiError::not_found("Order", order_id))?;
    let result = PaymentResult {
        order_id: order.order_id.clone(),
        status: order.status.as_str().to_owned(),
        status_id: order.status.id(),
        txn_id: format!(
            "{}-{}-{}",
            store.merchant_id, order.order_id, attempt.number
        ),
        txn_uuid: attempt.txn_uuid.clone(),
        redirect_url: None,
    };
    Ok(Applied {
        result,
        events,
        flip: hold.map(|d| (d, final_status)),
        return_url: order.return_url.clone(),
        key,
    })
}

fn success_status(auto_capture: bool, method: PaymentMethod) -> OrderStatus {
    if method == PaymentMethod::Cod {
        OrderStatus::CodInitiated
    } else if auto_capture {
        OrderStatus::Charged
    } else {
        OrderStatus::Authorized
    }
}

/// Opens a new attempt, or reuses the one `/txns` left waiting for the hosted page.
pub fn start_attempt(
    store: &mut Store,
    key: &str,
    method: PaymentMethod,
    status: OrderStatus,
    awaiting_page: bool,
) -> Result<(), ApiError> {
    let txn_uuid = store.alnum(19);
    let epg = format!("pay_{}", store.alnum(14));
    let rrn = format!("{:06}", store.unit().mul_add(900_000.0, 100_000.0) as u32);
    let order = store
        .orders
        .get_mut(key)
        .ok_or_else(|| ApiError::not_found("Order", key))?;
    let resumable = order
        .attempts
        .last()
        .is_some_and(|a| a.awaiting_page && a.status == OrderStatus::PendingVbv);
    if !(order.status == OrderStatus::New || order.status.is_retryable_failure() || resumable) {
        return Err(ApiError::invalid_action("Order is not awaiting payment."));
    }
    order.status = status;
    if resumable {
        if let Some(attempt) = order.attempts.last_mut() {
            attempt.status = status;
            attempt.method = method;
            attempt.awaiting_page = awaiting_page;
        }
        return Ok(());
    }
    let number = u32::try_from(order.attempts.len())
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    order.attempts.push(Attempt {
        number,
        txn_uuid,
        status,
        method,
        error_code: None,
        error_message: None,
        created: clock::now_iso(),
        epg_txn_id: epg,
        rrn,
        awaiting_page,
    });
    Ok(())
}

/// Moves the latest attempt and the order to a final status and returns the webhooks:
/// the order event (§9.2) plus mandate registration events when relevant (§7).
pub fn settle_attempt(
    store: &mut Store,
    key: &str,
    status: OrderStatus,
    error: Option<(&str, &str)>,
) -> Vec<Event> {
    let Some(order) = store.orders.get_mut(key) else {
        return Vec::new();
    };
    if order.status != OrderStatus::PendingVbv && order.status != status {
        // Already moved on (e.g. a cancelled mandate execution); nothing to settle.
        return Vec::new();
    }
    order.status = status;
    if let Some(attempt) = order.attempts.last_mut() {
        attempt.status = status;
        attempt.awaiting_page = false;
        if let Some((code, message)) = error {
            attempt.error_code = Some(code.to_owned());
            attempt.error_message = Some(message.to_owned());
        }
    }
    let mut events = mandates::on_registration_settled(store, key);
    let name = match status {
        OrderStatus::Charged => "ORDER_SUCCEEDED",
        OrderStatus::Authorized => "ORDER_AUTHORIZED",
        OrderStatus::CodInitiated => "ORDER_COD_INITIATED",
        OrderStatus::PartialCharged => "ORDER_PARTIAL_CHARGED",
        OrderStatus::Voided => "ORDER_VOIDED",
        OrderStatus::AutoRefunded => "AUTO_REFUND_INITIATED",
        OrderStatus::New | OrderStatus::PendingVbv => "TXN_CREATED",
        OrderStatus::JuspayDeclined
        | OrderStatus::AuthenticationFailed
        | OrderStatus::AuthorizationFailed => "ORDER_FAILED",
    };
    events.splice(0..0, order_event(store, key, name));
    events
}

/// An order-family event with `content.order` (§9.1), sent to the order's
/// `metadata.webhook_url` if it has one (§9.3).
/// The `/txns` answer for an attempt that waits for authentication (§5.1): PENDING_VBV and
/// the hosted page as the authentication URL.
pub fn pending_txn_response(store: &Store, key: &str) -> Result<Value, ApiError> {
    let order = store
        .orders
        .get(key)
        .ok_or_else(|| ApiError::not_found("Order", key))?;
    let attempt = order
        .attempts
        .last()
        .ok_or_else(|| ApiError::not_found("Order", key))?;
    Ok(json!({
        "order_id": order.order_id,
        "txn_id": format!("{}-{}-{}", store.merchant_id, order.order_id, attempt.number),
        "txn_uuid": attempt.txn_uuid,
        "status": "PENDING_VBV",
        "payment": {"authentication": {"method": "GET", "url": store.payment_link(&order.order_id)}},
        "offer_details": {"offers": []},
    }))
}

pub fn order_event(store: &mut Store, key: &str, name: &str) -> Option<Event> {
    let order = store.orders.get(key)?;
    let content = json!({"order": orders::render(store, order)});
    let url = order.metadata.get("webhook_url").cloned();
    Some(Event::new(store, name, content, url))
}

/// `POST /txns`: mandate execution when `mandate_id` is present (§7.3), otherwise a card/
/// UPI/… attempt on an existing order (or one created from `order.*`, §5.1) that the
/// hosted page then completes.
pub async fn create_txn(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    let merchant = authenticate_txn(&shared.config, &headers, &request)?;
    if request.get("mandate_id").is_some() {
        return mandates::execute(&shared, &merchant, &request).map(Json);
    }
    let method = request
        .get("payment_method_type")
        .map(|m| {
            PaymentMethod::from_type_name(m).ok_or_else(|| {
                ApiError::bad_request("invalid_payment_method_type", "Unknown payment_method_type")
            })
        })
        .transpose()?
        .unwrap_or_default();
    let (response, events) = {
        let mut store = shared.store_of(&merchant)?;
        let key = if request.get("order.order_id").is_some() {
            let order_request = ApiRequest {
                params: request.with_prefix("order"),
                version: request.version.clone(),
            };
            orders::create_order(&mut store, &order_request)?
        } else {
            let order_id = request.require("order_id")?;
            store
                .order(order_id)
                .ok_or_else(|| ApiError::not_found("Order", order_id))?;
            Store::order_key(order_id)
        };
        start_attempt(&mut store, &key, method, OrderStatus::PendingVbv, true)?;
        let events: Vec<Event> = order_event(&mut store, &key, "TXN_CREATED")
            .into_iter()
            .collect();
        let response = pending_txn_response(&store, &key)?;
        (response, events)
    };
    webhooks::dispatch(&shared, events);
    Ok(Json(response))
}

/// `POST /v2/txns/{txn_uuid}/capture` (§5.3): full capture → CHARGED, partial →
/// PARTIAL_CHARGED.
pub async fn capture(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(txn_uuid): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    let raw = request.get("amount");
    let key = request.get("idempotence_key").map(str::to_owned);
    preauth_transition(
        &shared,
        &merchant,
        &txn_uuid,
        key,
        |order_amount, currency| {
            // The capture amount is in the order's currency, with its decimals.
            match raw.map(|r| orders::parse_amount(r, currency)).transpose()? {
                Some(a) if a > order_amount => Err(ApiError::bad_request(
                    "invalid_amount",
                    "Capture amount exceeds the authorized amount.",
                )),
                Some(a) if a < order_amount => Ok((OrderStatus::PartialCharged, Some(a))),
                Some(_) | None => Ok((OrderStatus::Charged, None)),
            }
        },
    )
}

/// `POST /v2/txns/{txn_uuid}/void` (§5.3): AUTHORIZED → VOIDED.
pub async fn void(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(txn_uuid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    preauth_transition(&shared, &merchant, &txn_uuid, None, |_, _| {
        Ok((OrderStatus::Voided, None))
    })
}

fn preauth_transition(
    shared: &Arc<Shared>,
    merchant: &str,
    txn_uuid: &str,
    capture_key: Option<String>,
    decide: impl FnOnce(i64, &str) -> Result<(OrderStatus, Option<i64>), ApiError>,
) -> Result<Json<Value>, ApiError> {
    let (body, events) = {
        let mut store = shared.store_of(merchant)?;
        let key = store
            .order_key_by_txn_uuid(txn_uuid)
            .ok_or_else(|| ApiError::not_found("Txn", txn_uuid))?;
        let order = store
            .orders
            .get_mut(&key)
            .ok_or_else(|| ApiError::not_found("Txn", txn_uuid))?;
        if capture_key.is_some() && order.capture_key == capture_key {
            // The same capture again (a retry after a timeout): answered, not repeated.
            let order = store
                .orders
                .get(&key)
                .ok_or_else(|| ApiError::not_found("Txn", txn_uuid))?;
            return Ok(Json(orders::render(&store, order)));
        }
        if order.status != OrderStatus::Authorized {
            return Err(ApiError::invalid_action(
                "Transaction is not in AUTHORIZED state.",
            ));
        }
        let (status, captured) = decide(order.amount, &order.currency)?;
        order.captured = captured;
        order.capture_key = capture_key;
        // settle_attempt only moves PENDING_VBV orders; pre-auth moves from AUTHORIZED.
        order.status = OrderStatus::PendingVbv;
        let events = settle_attempt(&mut store, &key, status, None);
        let order = store
            .orders
            .get(&key)
            .ok_or_else(|| ApiError::not_found("Txn", txn_uuid))?;
        (orders::render(&store, order), events)
    };
    webhooks::dispatch(shared, events);
    Ok(Json(body))
}

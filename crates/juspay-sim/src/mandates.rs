//! Mandates (§7): registration on a successful mandate order, commands on
//! `POST /mandates/{id}` (§7.3), execution via `POST /txns`, listing per customer, and
//! pre-debit notifications. Invariant: only ACTIVE mandates execute; ACTIVE ⇄ PAUSED;
//! REVOKED and FAILURE are terminal (§13).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::collections::BTreeMap;
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
use crate::payments::{order_event, pending_txn_response, settle_attempt, start_attempt};
use crate::server::Shared;
use crate::state::{Mandate, MandateStatus, Notification, OrderStatus, PaymentMethod, Store};
use crate::webhooks::{self, Event};

/// Time for an execution or notification to settle, before time scaling.
pub const SETTLE_DELAY: Duration = Duration::from_secs(5);

/// The mandate block inside an order object (§7.2).
pub fn render_block(mandate: &Mandate) -> Value {
    json!({
        "mandate_id": mandate.mandate_id,
        "mandate_token": mandate.mandate_token,
        "mandate_status": mandate.status.as_str(),
        "mandate_type": mandate_type(mandate.method),
        "frequency": mandate.frequency,
        "amount_rule": mandate.amount_rule,
        "max_amount": amount::to_json(mandate.max_amount, &mandate.currency),
        "start_date": mandate.start_date,
        "end_date": mandate.end_date,
        "rule_type": "ON",
        "revokable_by_customer": true,
        "block_fund": false,
    })
}

/// The standalone mandate object (check_status, list; §7.3).
pub fn render_object(mandate: &Mandate) -> Value {
    let mut object = render_block(mandate);
    object["status"] = json!(mandate.status.as_str());
    object["order_id"] = json!(mandate.order_id);
    object["customer_id"] = json!(mandate.customer_id);
    object["activated_at"] = json!(mandate.activated_at);
    object["last_activated_at"] = json!(mandate.activated_at);
    object["payment_info"] = json!({
        "payment_method_type": mandate.method.type_name(),
        "payment_method": mandate.method.method_name(),
    });
    if let Some((start, end)) = &mandate.pause {
        object["pause_start_date"] = json!(start);
        object["pause_end_date"] = json!(end);
    }
    object
}

/// `mandate_type`: `MANDATE` for cards, `EMANDATE` otherwise (§7.2).
fn mandate_type(method: PaymentMethod) -> &'static str {
    if method == PaymentMethod::Card {
        "MANDATE"
    } else {
        "EMANDATE"
    }
}

/// The §9.1 mandate content: `status` (not `mandate_status`) and string amounts.
fn mandate_event(store: &mut Store, mandate_id: &str, name: &str) -> Option<Event> {
    let mandate = store.mandates.get(mandate_id)?;
    let content = json!({"mandate": {
        "status": mandate.status.as_str(),
        "mandate_id": mandate.mandate_id,
        "mandate_token": mandate.mandate_token,
        "order_id": mandate.order_id,
        "customer_id": mandate.customer_id,
        "max_amount": amount::to_decimal_string(mandate.max_amount, &mandate.currency),
        "amount_rule": mandate.amount_rule,
        "frequency": mandate.frequency,
        "start_date": mandate.start_date,
        "end_date": mandate.end_date,
        "revokable_by_customer": "true",
        "block_fund": "false",
        "currency": mandate.currency,
        "mandate_type": mandate_type(mandate.method),
        "activated_at": mandate.activated_at,
        "last_activated_at": mandate.activated_at,
        "payment_info": {"payment_method_type": mandate.method.type_name(), "payment_method": mandate.method.method_name()},
    }});
    let url = store
        .orders
        .get(&Store::order_key(&mandate.order_id))
        .and_then(|o| o.metadata.get("webhook_url").cloned());
    Some(Event::new(store, name, content, url))
}

/// Called when a payment settles: a registration order that succeeded creates an
/// ACTIVE mandate (MANDATE_ACTIVATED); one that failed records a FAILURE mandate
/// (MANDATE_FAILED).
pub fn on_registration_settled(store: &mut Store, key: &str) -> Vec<Event> {
    let Some(order) = store.orders.get(key) else {
        return Vec::new();
    };
    let Some(params) = order.mandate_params.clone() else {
        return Vec::new();
    };
    if order.mandate_id.is_some() || order.is_mandate_execution {
        return Vec::new();
    }
    let status = match order.status {
        OrderStatus::Charged | OrderStatus::Authorized => MandateStatus::Active,
        OrderStatus::JuspayDeclined
        | OrderStatus::AuthenticationFailed
        | OrderStatus::AuthorizationFailed => MandateStatus::Failure,
        OrderStatus::New
        | OrderStatus::PendingVbv
        | OrderStatus::CodInitiated
        | OrderStatus::PartialCharged
        | OrderStatus::Voided
        | OrderStatus::AutoRefunded => return Vec::new(),
    };
    let (order_id, customer_id, currency, order_amount) = (
        order.order_id.clone(),
        order.customer_id.clone(),
        order.currency.clone(),
        order.amount,
    );
    let method = order.attempts.last().map(|a| a.method).unwrap_or_default();
    let mandate_id = store.alnum(22);
    let mandate_token = store.hex32();
    let now = clock::epoch_secs();
    let param = |name: &str| params.get(name).filter(|v| !v.is_empty()).cloned();
    let mandate = Mandate {
        mandate_id: mandate_id.clone(),
        mandate_token,
        status,
        order_id,
        customer_id,
        max_amount: param("max_amount")
            .and_then(|m| amount::parse_minor(&m, &currency))
            .unwrap_or(order_amount),
        currency,
        amount_rule: param("amount_rule").unwrap_or_else(|| "VARIABLE".to_owned()),
        frequency: param("frequency").unwrap_or_else(|| "ASPRESENTED".to_owned()),
        start_date: param("start_date").unwrap_or_else(|| now.to_string()),
        end_date: param("end_date").unwrap_or_else(|| (now + 365 * 86_400).to_string()),
        method,
        pause: None,
        activated_at: clock::now_iso(),
    };
    store.mandates.insert(mandate_id.clone(), mandate);
    if let Some(order) = store.orders.get_mut(key) {
        order.mandate_id = Some(mandate_id.clone());
    }
    let name = if status == MandateStatus::Active {
        "MANDATE_ACTIVATED"
    } else {
        "MANDATE_FAILED"
    };
    mandate_event(store, &mandate_id, name)
        .into_iter()
        .collect()
}

/// Mandate execution through `POST /txns` (§7.3): creates the execution order, answers
/// PENDING_VBV and charges it after [`SETTLE_DELAY`] (scaled).
pub fn execute(
    shared: &Arc<Shared>,
    merchant: &str,
    request: &ApiRequest,
) -> Result<Value, ApiError> {
    let mandate_id = request.require("mandate_id")?.to_owned();
    let (response, key) = {
        let mut store = shared.store_of(merchant)?;
        let mandate = store
            .mandates
            .get(&mandate_id)
            .ok_or_else(|| ApiError::not_found("Mandate", &mandate_id))?;
        if mandate.status != MandateStatus::Active {
            return Err(ApiError::envelope(
                StatusCode::BAD_REQUEST,
                "Invalid Request",
                "JP_852",
                "Mandate is not active.",
                "INVALID_ACTION",
            ));
        }
        let (max_amount, fixed, currency) = (
            mandate.max_amount,
            mandate.amount_rule.eq_ignore_ascii_case("FIXED"),
            mandate.currency.clone(),
        );
        let mut order_request = ApiRequest {
            params: request.with_prefix("order"),
            version: request.version.clone(),
        };
        // Executions are charged in the mandate's currency (§7.3).
        match order_request.get("currency") {
            None => {
                order_request
                    .params
                    .insert("currency".to_owned(), currency.clone());
            }
            Some(asked) if !asked.trim().eq_ignore_ascii_case(&currency) => {
                return Err(invalid_execution(
                    "Order currency does not match the mandate currency.",
                ));
            }
            Some(_) => {}
        }
        let amount_text = order_request
            .get("amount")
            .ok_or_else(|| invalid_execution("Amount not found in request."))?;
        let amount = amount::parse_minor(amount_text, &currency)
            .filter(|a| *a > 0)
            .ok_or_else(|| invalid_execution("Invalid order amount"))?;
        if amount > max_amount {
            return Err(invalid_execution(&format!(
                "Order amount greater than mandate max amount ({})",
                amount::to_decimal_string(max_amount, &currency)
            )));
        }
        if fixed && amount != max_amount {
            return Err(invalid_execution(
                "Order amount not equal to mandate max amount.",
            ));
        }
        let order_id = order_request.require("order_id")?;
        if store.order(order_id).is_some() {
            return Err(ApiError::raw(
                StatusCode::BAD_REQUEST,
                json!({"status_id": 40, "status": "DUPLICATE_ORDER_ID", "error_code": "DUPLICATE_ORDER_ID", "error_message": "Order already exists with the given order_id"}),
            ));
        }
        let method = mandate.method;
        let key = orders::create_order(&mut store, &order_request)?;
        if let Some(order) = store.orders.get_mut(&key) {
            order.mandate_id = Some(mandate_id.clone());
            order.is_mandate_execution = true;
        }
        start_attempt(&mut store, &key, method, OrderStatus::PendingVbv, false)?;
        let response = pending_txn_response(&store, &key)?;
        (response, key)
    };
    let events: Vec<Event> = order_event(&mut *shared.store_of(merchant)?, &key, "TXN_CREATED")
        .into_iter()
        .collect();
    webhooks::dispatch(shared, events);
    shared.schedule(merchant, SETTLE_DELAY, move |store| {
        settle_attempt(store, &key, OrderStatus::Charged, None)
    });
    Ok(response)
}

fn invalid_execution(message: &str) -> ApiError {
    ApiError::raw(
        StatusCode::BAD_REQUEST,
        json!({"status": "Invalid Request", "error_code": "Invalid", "error_message": message}),
    )
}

fn bad_command(message: &str) -> ApiError {
    ApiError::raw(
        StatusCode::BAD_REQUEST,
        json!({"status": "Invalid Request", "error_code": "bad_request", "error_message": message}),
    )
}

/// `POST /mandates/{mandate_id}` with `command` (§7.3).
pub async fn command(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(mandate_id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    let command = request.require("command")?.to_owned();
    let (body, events, notification) = {
        let mut store = shared.store_of(&merchant)?;
        let mandate = store
            .mandates
            .get_mut(&mandate_id)
            .ok_or_else(|| ApiError::not_found("Mandate", &mandate_id))?;
        match command.as_str() {
            "revoke" => {
                if matches!(
                    mandate.status,
                    MandateStatus::Revoked | MandateStatus::Failure | MandateStatus::Expired
                ) {
                    return Err(ApiError::invalid_action(
                        "Mandate is already in a terminal state.",
                    ));
                }
                mandate.status = MandateStatus::Revoked;
                let body = json!({"mandate_status": "REVOKED", "mandate_id": mandate_id});
                let events = mandate_event(&mut store, &mandate_id, "MANDATE_REVOKED")
                    .into_iter()
                    .collect();
                (body, events, None)
            }
            "pause" => {
                if mandate.status != MandateStatus::Active {
                    return Err(ApiError::invalid_action(
                        "Only an ACTIVE mandate can be paused.",
                    ));
                }
                let start = request
                    .get("pause_start_date")
                    .map_or_else(|| clock::epoch_secs().to_string(), str::to_owned);
                let end = request.get("pause_end_date").unwrap_or_default().to_owned();
                mandate.status = MandateStatus::Paused;
                mandate.pause = Some((start, end));
                let body = render_object(mandate);
                let events = mandate_event(&mut store, &mandate_id, "MANDATE_PAUSED")
                    .into_iter()
                    .collect();
                (body, events, None)
            }
            "resume" => {
                if mandate.status != MandateStatus::Paused {
                    return Err(ApiError::invalid_action(
                        "Only a PAUSED mandate can be resumed.",
                    ));
                }
                mandate.status = MandateStatus::Active;
                mandate.pause = None;
                let body = render_object(mandate);
                let events = mandate_event(&mut store, &mandate_id, "MANDATE_UNPAUSED")
                    .into_iter()
                    .collect();
                (body, events, None)
            }
            "check_status" => (render_object(mandate), Vec::new(), None),
            "pre_debit_notify" => {
                if mandate.status != MandateStatus::Active {
                    return Err(ApiError::invalid_action("Mandate is not active."));
                }
                let reference = request.require("object_reference_id")?.to_owned();
                let source_info = request
                    .get("source_info")
                    .map(|s| serde_json::from_str(s).unwrap_or_else(|_| Value::from(s)))
                    .unwrap_or(Value::Null);
                let id = store.alnum(20);
                let now = clock::now_iso();
                let notification = Notification {
                    id,
                    object_reference_id: reference.clone(),
                    mandate_id: mandate_id.clone(),
                    source_info,
                    description: request.get("description").unwrap_or_default().to_owned(),
                    status: "PENDING".to_owned(),
                    created: now.clone(),
                    last_updated: now,
                };
                let body = render_notification(&notification);
                store.notifications.insert(reference.clone(), notification);
                (body, Vec::new(), Some(reference))
            }
            "cancel_recurring_transaction" => cancel_recurring(&mut store, &mandate_id, &request)?,
            _ => return Err(bad_command("Invalid command")),
        }
    };
    webhooks::dispatch(&shared, events);
    if let Some(reference) = notification {
        shared.schedule(&merchant, SETTLE_DELAY, move |store| {
            settle_notification(store, &reference)
        });
    }
    Ok(Json(body))
}

type CommandOutput = (Value, Vec<Event>, Option<String>);

/// Cancels a still-pending execution: the order becomes JUSPAY_DECLINED with `JP_852`
/// (§7.3); with nothing pending the answer uses the other envelope of §3.1.
fn cancel_recurring(
    store: &mut Store,
    mandate_id: &str,
    request: &ApiRequest,
) -> Result<CommandOutput, ApiError> {
    let order_id = request
        .get("order_id")
        .ok_or_else(|| bad_command("Please send order_id"))?;
    let key = Store::order_key(order_id);
    let pending = store.orders.get(&key).is_some_and(|o| {
        o.is_mandate_execution
            && o.mandate_id.as_deref() == Some(mandate_id)
            && o.status == OrderStatus::PendingVbv
    });
    if !pending {
        return Err(ApiError::raw(
            StatusCode::BAD_REQUEST,
            json!({
                "session_id": format!("NOREQID-{}", store.hex32()),
                "user_message": "Cancel action not allowed.",
                "code": "INVALID_REQUEST",
                "type": "INVALID_REQUEST_ERROR",
                "message": "No scheduled recurring transactions are found.",
            }),
        ));
    }
    let events = settle_attempt(
        store,
        &key,
        OrderStatus::JuspayDeclined,
        Some((
            "JP_852",
            "Transaction successfully terminated at Juspay end.",
        )),
    );
    let txn_uuid = store
        .orders
        .get(&key)
        .and_then(|o| o.attempts.last())
        .map(|a| a.txn_uuid.clone());
    let body = json!({
        "order_id": order_id,
        "txn_uuid": txn_uuid,
        "txn_status": "JUSPAY_DECLINED",
        "response_message": "Transaction successfully terminated at Juspay end.",
    });
    Ok((body, events, None))
}

fn render_notification(notification: &Notification) -> Value {
    json!({
        "id": notification.id,
        "object_reference_id": notification.object_reference_id,
        "source_info": notification.source_info,
        "provider_name": "SIMULATOR",
        "notification_type": "SMS",
        "description": notification.description,
        "status": notification.status,
        "date_created": notification.created,
        "last_updated": notification.last_updated,
        "source_object": "MANDATE",
        "source_object_id": notification.mandate_id,
        "mandate": {"mandate_id": notification.mandate_id},
    })
}

fn settle_notification(store: &mut Store, reference: &str) -> Vec<Event> {
    let Some(notification) = store.notifications.get_mut(reference) else {
        return Vec::new();
    };
    "SUCCESS".clone_into(&mut notification.status);
    notification.last_updated = clock::now_iso();
    let content = json!({"notification": render_notification(notification)});
    vec![Event::new(store, "NOTIFICATION_SUCCEEDED", content, None)]
}

/// `GET /notifications/{object_reference_id}` (§7.3); the Juspay id works too.
pub async fn notification_status(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let store = shared.store_of(&merchant)?;
    let notification = store
        .notifications
        .get(&id)
        .or_else(|| store.notifications.values().find(|n| n.id == id))
        .ok_or_else(|| ApiError::not_found("Notification", &id))?;
    let mut body = render_notification(notification);
    body["provider_response"] = json!({
        "provider_ref_id": notification.id,
        "notification_date": notification.created,
        "provider_response_code": if notification.status == "SUCCESS" { "00" } else { "" },
        "provider_response_message": notification.status,
    });
    Ok(Json(body))
}

/// `GET /customers/{customer_id}/mandates`: `{total, count, offset, list}` (§7.3, Open
/// question 8), optionally paged with `offset`/`count`.
pub async fn list_for_customer(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(customer_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), b"")?;
    let offset = request
        .get("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let count = request
        .get("count")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let store = shared.store_of(&merchant)?;
    let ids: BTreeMap<&str, ()> = store
        .customers
        .values()
        .filter(|c| c.id == customer_id || c.object_reference_id == customer_id)
        .flat_map(|c| [(c.id.as_str(), ()), (c.object_reference_id.as_str(), ())])
        .chain([(customer_id.as_str(), ())])
        .collect();
    let all: Vec<Value> = store
        .mandates
        .values()
        .filter(|m| {
            m.customer_id
                .as_deref()
                .is_some_and(|c| ids.contains_key(c))
        })
        .map(render_object)
        .collect();
    let list: Vec<Value> = all.iter().skip(offset).take(count).cloned().collect();
    Ok(Json(
        json!({"total": all.len(), "count": list.len(), "offset": offset, "list": list}),
    ))
}

/// The mandate reaches its end date: `EXPIRED`, announced with `MANDATE_EXPIRED`, and an
/// `end_date` of now. Only an active or paused mandate expires.
pub fn expire(shared: &Arc<Shared>, merchant: &str, mandate_id: &str) -> Result<Value, ApiError> {
    let (body, events) = {
        let mut store = shared.store_of(merchant)?;
        let mandate = store
            .mandates
            .get_mut(mandate_id)
            .ok_or_else(|| ApiError::not_found("Mandate", mandate_id))?;
        if !matches!(
            mandate.status,
            MandateStatus::Active | MandateStatus::Paused
        ) {
            return Err(ApiError::invalid_action(
                "Only an ACTIVE or PAUSED mandate can expire.",
            ));
        }
        mandate.status = MandateStatus::Expired;
        mandate.end_date = clock::epoch_secs().to_string();
        let body = render_object(mandate);
        let events: Vec<Event> = mandate_event(&mut store, mandate_id, "MANDATE_EXPIRED")
            .into_iter()
            .collect();
        (body, events)
    };
    webhooks::dispatch(shared, events);
    Ok(body)
}

//! Orders: create (§4.1), session (§4.2), status (§4.3), update (§4.5) and the one
//! renderer of the order object used by every response and webhook. Invariant: an order
//! object is always rendered from the store by [`render`], so API answers, webhook
//! bodies and the handle agree field for field.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};

use crate::amount;
use crate::auth::authenticate;
use crate::body::ApiRequest;
use crate::chargebacks;
use crate::clock;
use crate::error::ApiError;
use crate::mandates;
use crate::server::Shared;
use crate::state::{Order, OrderStatus, PaymentMethod, RefundStatus, Store};

/// Client auth tokens live 15 minutes (§4.1).
const TOKEN_TTL_SECS: u64 = 15 * 60;

/// Characters allowed after the first alphanumeric one in an order id (§3.1).
const ORDER_ID_SPECIALS: &str = "-_()}+~{.";

/// `POST /orders`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    let mut store = shared.store_of(&merchant)?;
    let key = create_order(&mut store, &request)?;
    let order = store
        .orders
        .get(&key)
        .ok_or_else(|| ApiError::missing("order_id"))?;
    Ok(Json(creation_response(
        &store,
        order,
        request.version.as_deref(),
    )))
}

/// `GET /orders/{order_id}`.
pub async fn status(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), b"")?;
    status_body(&shared, &merchant, &order_id, &request).map(Json)
}

/// Legacy `GET /order/status?order_id=…` used by the Python SDKs (§4.6).
pub async fn legacy_status(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), b"")?;
    let order_id = request.require("order_id")?;
    status_body(&shared, &merchant, order_id, &request).map(Json)
}

fn status_body(
    shared: &Shared,
    merchant: &str,
    order_id: &str,
    request: &ApiRequest,
) -> Result<Value, ApiError> {
    let store = shared.store_of(merchant)?;
    let order = store
        .order(order_id)
        .ok_or_else(|| ApiError::not_found("Order", order_id))?;
    let mut rendered = render(&store, order);
    if request.flag("options.add_full_gateway_response") == Some(true)
        && let Some(pgr) = rendered.get_mut("payment_gateway_response")
    {
        pgr["gateway_response"] = json!({"simulated": true, "status": order.status.as_str()});
    }
    Ok(rendered)
}

/// `POST /orders/{order_id}`: amount and udfs, only before any payment (§4.5).
pub async fn update(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    let mut store = shared.store_of(&merchant)?;
    let order = store
        .order_mut(&order_id)
        .ok_or_else(|| ApiError::not_found("Order", &order_id))?;
    if order.status != OrderStatus::New {
        return Err(ApiError::invalid_action(
            "Order cannot be updated after a payment attempt.",
        ));
    }
    if let Some(raw) = request.get("amount") {
        order.amount = parse_amount(raw, &order.currency)?;
    }
    for (index, udf) in order.udfs.iter_mut().enumerate() {
        if let Some(value) = request.params.get(&format!("udf{}", index + 1)) {
            value.clone_into(udf);
        }
    }
    let order = store
        .order(&order_id)
        .ok_or_else(|| ApiError::not_found("Order", &order_id))?;
    Ok(Json(render(&store, order)))
}

/// `POST /session` (JSON): creates the order if needed and returns the payment link and
/// SDK payload (§4.2).
pub async fn session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    let order_id = request.require("order_id")?.to_owned();
    let mut store = shared.store_of(&merchant)?;
    let currency = store.order(&order_id).map(|o| o.currency.clone());
    if let Some(currency) = currency {
        // §4.2/Open question 5: the session amount wins while the order is still NEW.
        let amount = request
            .get("amount")
            .map(|raw| parse_amount(raw, &currency))
            .transpose()?;
        if let Some(order) = store.order_mut(&order_id)
            && let (Some(amount), OrderStatus::New) = (amount, order.status)
        {
            order.amount = amount;
        }
    } else {
        create_order(&mut store, &request)?;
    }
    let token = format!("tkn_{}", store.hex32());
    let request_id = store.hex32();
    let order = store
        .order(&order_id)
        .ok_or_else(|| ApiError::not_found("Order", &order_id))?;
    let expiry = clock::format_iso(clock::epoch_secs() + TOKEN_TTL_SECS);
    let payload = json!({
        "clientId": request.get("payment_page_client_id").unwrap_or(&store.merchant_id),
        "amount": amount::to_decimal_string(order.amount, &order.currency),
        "merchantId": store.merchant_id,
        "clientAuthToken": token,
        "clientAuthTokenExpiry": expiry,
        "environment": "sandbox",
        "action": request.get("action").unwrap_or("paymentPage"),
        "returnUrl": order.return_url,
        "currency": order.currency,
        "orderId": order.order_id,
        "customerId": order.customer_id,
        "customerEmail": order.customer_email,
        "customerPhone": order.customer_phone,
    });
    Ok(Json(json!({
        "status": "NEW",
        "id": order.id,
        "order_id": order.order_id,
        "payment_links": {"web": store.payment_link(&order.order_id), "expiry": expiry},
        "order_expiry": expiry,
        "sdk_payload": {
            "requestId": request_id,
            "service": "in.juspay.hyperpay",
            "payload": payload,
            "expiry": expiry,
        },
    })))
}

/// Parses a wire amount in `currency` (its ISO 4217 decimals, extra ones truncated) or
/// answers 400.
pub fn parse_amount(raw: &str, currency: &str) -> Result<i64, ApiError> {
    amount::parse_minor(raw, currency)
        .filter(|minor| *minor > 0)
        .ok_or_else(|| ApiError::bad_request("invalid_amount", "Invalid order amount"))
}

/// Validates the §3.1 order id rule.
pub fn validate_order_id(order_id: &str) -> Result<(), ApiError> {
    let mut chars = order_id.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || ORDER_ID_SPECIALS.contains(c)) {
        return Ok(());
    }
    Err(ApiError::raw(
        axum::http::StatusCode::BAD_REQUEST,
        json!({
            "status": "ERROR",
            "error_code": "invalid_request",
            "error_message": "INVALID ORDERID: order_id must begin with an alphanumeric character and may include the special characters - _ ( } + ~ { . )",
        }),
    ))
}

/// Creates an order from flat parameters and returns its store key. A repeated order id
/// is rejected the way mandate execution rejects it (§3.1, §4.1 Open question 5).
pub fn create_order(store: &mut Store, request: &ApiRequest) -> Result<String, ApiError> {
    let order_id = request.require("order_id")?.to_owned();
    validate_order_id(&order_id)?;
    let currency = request.get("currency").unwrap_or("INR").to_owned();
    let amount = parse_amount(request.require("amount")?, &currency)?;
    let key = Store::order_key(&order_id);
    if store.orders.contains_key(&key) {
        return Err(ApiError::envelope(
            axum::http::StatusCode::BAD_REQUEST,
            "ERROR",
            "invalid_request",
            "Order already exists with the given order_id",
            "ALREADY_EXISTS",
        ));
    }
    let metadata = request.with_prefix("metadata");
    let creates_mandate = request
        .get("options.create_mandate")
        .is_some_and(|v| v.eq_ignore_ascii_case("REQUIRED") || v.eq_ignore_ascii_case("OPTIONAL"));
    let client_auth_token = if request.flag("options.get_client_auth_token") == Some(true) {
        Some((
            format!("tkn_{}", store.hex32()),
            clock::format_iso(clock::epoch_secs() + TOKEN_TTL_SECS),
        ))
    } else {
        None
    };
    let udfs = std::array::from_fn(|i| {
        request
            .params
            .get(&format!("udf{}", i + 1))
            .cloned()
            .unwrap_or_default()
    });
    let order = Order {
        id: format!("ordeh_{}", store.hex32()),
        order_id,
        amount,
        captured: None,
        capture_key: None,
        currency,
        customer_id: request.get("customer_id").map(str::to_owned),
        customer_email: request.get("customer_email").map(str::to_owned),
        customer_phone: request.get("customer_phone").map(str::to_owned),
        description: request.get("description").unwrap_or_default().to_owned(),
        product_id: request.get("product_id").unwrap_or_default().to_owned(),
        return_url: request.get("return_url").map(str::to_owned),
        udfs,
        auto_capture: metadata.get("txns.auto_capture").map(String::as_str) != Some("false"),
        metadata,
        basket: request
            .get("basket")
            .map(|b| serde_json::from_str(b).unwrap_or_else(|_| Value::from(b))),
        created: clock::now_iso(),
        status: OrderStatus::New,
        attempts: Vec::new(),
        refunds: Vec::new(),
        chargebacks: Vec::new(),
        mandate_params: creates_mandate.then(|| request.with_prefix("mandate")),
        mandate_id: None,
        is_mandate_execution: false,
        client_auth_token,
    };
    store.orders.insert(key.clone(), order);
    Ok(key)
}

/// The create-order answer: the short `CREATED`/1 body for no or old `version`, the full
/// order object from `2018-10-25` on (§2.4, §4.1; the cut-over date is an assumption).
fn creation_response(store: &Store, order: &Order, version: Option<&str>) -> Value {
    if version.is_some_and(|v| v >= "2018-10-25") {
        return render(store, order);
    }
    let link = store.payment_link(&order.order_id);
    let mut body = json!({
        "status": "CREATED",
        "status_id": 1,
        "id": order.id,
        "order_id": order.order_id,
        "payment_links": {"iframe": link, "web": link, "mobile": link},
    });
    if let Some((token, expiry)) = &order.client_auth_token {
        body["juspay"] = json!({"client_auth_token": token, "client_auth_token_expiry": expiry});
    }
    body
}

/// The §4.3 order object.
pub fn render(store: &Store, order: &Order) -> Value {
    let link = store.payment_link(&order.order_id);
    let refundable = if order.status.is_refundable() {
        order.paid_amount() - order.refunded_amount()
    } else {
        0
    };
    let currency = order.currency.as_str();
    let mut o = Map::new();
    let mut put = |key: &str, value: Value| {
        o.insert(key.to_owned(), value);
    };
    put("id", json!(order.id));
    put("order_id", json!(order.order_id));
    put("merchant_id", json!(store.merchant_id));
    put("status", json!(order.status.as_str()));
    put("status_id", json!(order.status.id()));
    put("amount", amount::to_json(order.amount, currency));
    put("effective_amount", amount::to_json(order.amount, currency));
    put("currency", json!(order.currency));
    put("refunded", json!(!order.refunds.is_empty()));
    put(
        "amount_refunded",
        amount::to_json(order.refunded_amount(), currency),
    );
    put(
        "maximum_eligible_refund_amount",
        amount::to_json(refundable, currency),
    );
    put("customer_id", json!(order.customer_id));
    put("customer_email", json!(order.customer_email));
    put("customer_phone", json!(order.customer_phone));
    put("date_created", json!(order.created));
    put(
        "return_url",
        json!(order.return_url.as_deref().unwrap_or("")),
    );
    put("product_id", json!(order.product_id));
    put("description", json!(order.description));
    for (index, udf) in order.udfs.iter().enumerate() {
        put(&format!("udf{}", index + 1), json!(udf));
    }
    put(
        "payment_links",
        json!({"web": link, "mobile": link, "iframe": link}),
    );
    put("metadata", json!(order.metadata));
    put("offers", json!([]));
    put("chargebacks", chargebacks::render_all(store, order));
    if let Some(basket) = &order.basket {
        put("basket", basket.clone());
    }
    if let Some((token, expiry)) = &order.client_auth_token {
        put(
            "juspay",
            json!({"client_auth_token": token, "client_auth_token_expiry": expiry}),
        );
    }
    if let Some(attempt) = order.attempts.last() {
        let txn_id = format!(
            "{}-{}-{}",
            store.merchant_id, order.order_id, attempt.number
        );
        let (gateway, gateway_id) = attempt.method.gateway();
        let failed = attempt.error_code.is_some();
        let resp = if failed { "FAILURE" } else { "SUCCESS" };
        put("txn_id", json!(txn_id));
        put("txn_uuid", json!(attempt.txn_uuid));
        put("payment_method_type", json!(attempt.method.type_name()));
        put("payment_method", json!(attempt.method.method_name()));
        put(
            "auth_type",
            json!(if attempt.method == PaymentMethod::Card {
                "THREE_DS"
            } else {
                ""
            }),
        );
        put("gateway_id", json!(gateway_id));
        put(
            "gateway_reference_id",
            json!(order.metadata.get("JUSPAY:gateway_reference_id")),
        );
        put(
            "bank_error_code",
            json!(attempt.error_code.as_deref().unwrap_or("")),
        );
        put(
            "bank_error_message",
            json!(attempt.error_message.as_deref().unwrap_or("")),
        );
        put("resp_code", json!(attempt.error_code));
        put("resp_message", json!(attempt.error_message));
        put("bank_pg", Value::Null);
        let (txn_object_type, source_object) = match (&order.mandate_id, order.is_mandate_execution)
        {
            (Some(_), true) => (Some("EMANDATE_PAYMENT"), Some("MANDATE")),
            (Some(_), false) => (Some("EMANDATE_REGISTER"), Some("MANDATE")),
            (None, _) => (None, None),
        };
        let refunded_entirely =
            order.status.is_refundable() && refundable == 0 && !order.refunds.is_empty();
        put(
            "txn_detail",
            json!({
                "txn_id": txn_id,
                "txn_uuid": attempt.txn_uuid,
                "order_id": order.order_id,
                "status": attempt.status.as_str(),
                "gateway": gateway,
                "gateway_id": gateway_id,
                "txn_amount": amount::to_json(order.amount, currency),
                "net_amount": amount::to_json(order.amount, currency),
                "surcharge_amount": null,
                "tax_amount": null,
                "offer_deduction_amount": null,
                "currency": order.currency,
                "error_code": attempt.error_code,
                "error_message": attempt.error_message.as_deref().unwrap_or(""),
                "express_checkout": false,
                "redirect": true,
                "created": attempt.created,
                "txn_flow_type": format!("{}_TRANSACTION", attempt.method.type_name()),
                "txn_object_type": txn_object_type,
                "source_object": source_object,
                "source_object_id": order.mandate_id,
                "refunded_amount": amount::to_json(order.refunded_amount(), currency),
                "refunded_entirely": refunded_entirely,
                "is_conflicted": false,
            }),
        );
        put(
            "payment_gateway_response",
            json!({
                "txn_id": txn_id,
                "rrn": attempt.rrn,
                "epg_txn_id": attempt.epg_txn_id,
                "auth_id_code": attempt.rrn,
                "resp_code": resp,
                "resp_message": attempt.error_message.as_deref().unwrap_or(resp),
                "created": attempt.created,
            }),
        );
        match attempt.method {
            PaymentMethod::Card => put(
                "card",
                json!({
                    "card_isin": "411111", "last_four_digits": "1111", "card_brand": "VISA",
                    "card_type": "CREDIT", "card_issuer": "HDFC Bank", "card_issuer_country": "INDIA",
                    "expiry_month": "12", "expiry_year": "2030", "name_on_card": "Sim Tester",
                    "saved_to_locker": false, "using_saved_card": false, "using_token": false,
                    "card_fingerprint": "simfp0000000000000000000", "card_reference": "",
                }),
            ),
            PaymentMethod::Upi => {
                put("payer_vpa", json!("tester@upi"));
                put("payer_app_name", json!("SIMPAY"));
                put(
                    "upi",
                    json!({
                        "payer_vpa": "tester@upi", "payer_app": "simpay", "payer_app_name": "SIMPAY",
                        "txn_flow_type": "COLLECT", "bank_name": "HDFC Bank", "bank_code": "HDFC",
                        "masked_bank_account_number": "XXXXXX1234",
                    }),
                );
            }
            PaymentMethod::Wallet
            | PaymentMethod::NetBanking
            | PaymentMethod::PayLater
            | PaymentMethod::Cod => {}
        }
        put(
            "refunds",
            Value::Array(
                order
                    .refunds
                    .iter()
                    .map(|r| {
                        let (gateway, _) = attempt.method.gateway();
                        let settled = r.status != RefundStatus::Pending;
                        json!({
                            "id": if settled { Some(&r.unique_request_id) } else { None },
                            "unique_request_id": r.unique_request_id,
                            "ref": r.gateway_ref,
                            "amount": amount::to_json(r.amount, currency),
                            "status": r.status.as_str(),
                            "created": r.created,
                            "last_updated": r.last_updated,
                            "sent_to_gateway": settled,
                            "initiated_by": if r.auto { None } else { Some("API") },
                            "refund_source": gateway,
                            "refund_type": "STANDARD",
                            "error_code": if r.status == RefundStatus::Failure { Some("REFUND_DECLINED") } else { None },
                            "error_message": if r.status == RefundStatus::Failure { "Refund declined by gateway" } else { "" },
                        })
                    })
                    .collect(),
            ),
        );
    }
    if let Some(mandate) = order
        .mandate_id
        .as_ref()
        .and_then(|id| store.mandates.get(id))
    {
        put("mandate", mandates::render_block(mandate));
    }
    Value::Object(o)
}

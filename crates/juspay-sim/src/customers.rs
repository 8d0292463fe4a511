//! Customers (§8). Invariant: `object_reference_id` is unique per merchant, and a
//! customer can be addressed by its `cst_` id or by that reference.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::auth::authenticate;
use crate::body::ApiRequest;
use crate::clock;
use crate::error::ApiError;
use crate::server::Shared;
use crate::state::{Customer, Store};

const TOKEN_TTL_SECS: u64 = 15 * 60;

/// `POST /customers`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    let reference = request.require("object_reference_id")?.to_owned();
    let mobile = request.require("mobile_number")?.to_owned();
    let mut store = shared.store_of(&merchant)?;
    if store
        .customers
        .values()
        .any(|c| c.object_reference_id == reference)
    {
        return Err(ApiError::envelope(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "customer_already_exists",
            "Customer with the given object_reference_id already exists.",
            "ALREADY_EXISTS",
        ));
    }
    let id = format!("cst_{}", store.alnum(16).to_lowercase());
    let now = clock::now_iso();
    let customer = Customer {
        id: id.clone(),
        object_reference_id: reference,
        mobile_number: mobile,
        mobile_country_code: request.get("mobile_country_code").map(str::to_owned),
        email_address: request.get("email_address").map(str::to_owned),
        first_name: request.get("first_name").map(str::to_owned),
        last_name: request.get("last_name").map(str::to_owned),
        created: now.clone(),
        updated: now,
    };
    store.customers.insert(id, customer.clone());
    Ok(Json(render(&mut store, &customer, &request)))
}

/// `GET /customers/{id}`: by `cst_` id or `object_reference_id`.
pub async fn get(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), b"")?;
    let mut store = shared.store_of(&merchant)?;
    let customer = find(&store, &id).ok_or_else(|| ApiError::not_found("Customer", &id))?;
    Ok(Json(render(&mut store, &customer, &request)))
}

/// `POST /customers/{id}`: updates contact fields.
pub async fn update(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let merchant = authenticate(&shared.config, &headers)?;
    let request = ApiRequest::parse(&headers, query.as_deref(), &body)?;
    let mut store = shared.store_of(&merchant)?;
    let found = find(&store, &id).ok_or_else(|| ApiError::not_found("Customer", &id))?;
    let customer = store
        .customers
        .get_mut(&found.id)
        .ok_or_else(|| ApiError::not_found("Customer", &id))?;
    if let Some(mobile) = request.get("mobile_number") {
        mobile.clone_into(&mut customer.mobile_number);
    }
    let optional = [
        ("mobile_country_code", &mut customer.mobile_country_code),
        ("email_address", &mut customer.email_address),
        ("first_name", &mut customer.first_name),
        ("last_name", &mut customer.last_name),
    ];
    for (name, slot) in optional {
        if let Some(value) = request.get(name) {
            *slot = Some(value.to_owned());
        }
    }
    customer.updated = clock::now_iso();
    let customer = customer.clone();
    Ok(Json(render(&mut store, &customer, &request)))
}

fn find(store: &Store, id: &str) -> Option<Customer> {
    store
        .customers
        .get(id)
        .or_else(|| {
            store
                .customers
                .values()
                .find(|c| c.object_reference_id == id)
        })
        .cloned()
}

fn render(store: &mut Store, customer: &Customer, request: &ApiRequest) -> Value {
    let mut body = json!({
        "id": customer.id,
        "object": "customer",
        "object_reference_id": customer.object_reference_id,
        "mobile_country_code": customer.mobile_country_code,
        "mobile_number": customer.mobile_number,
        "email_address": customer.email_address,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "date_created": customer.created,
        "last_updated": customer.updated,
    });
    if request.flag("options.get_client_auth_token") == Some(true) {
        body["juspay"] = json!({
            "client_auth_token": format!("tkn_{}", store.hex32()),
            "client_auth_token_expiry": clock::format_iso(clock::epoch_secs() + TOKEN_TTL_SECS),
        });
    }
    body
}

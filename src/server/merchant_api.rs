//! The merchant server's JSON endpoints for Juspay's SDK (payment page) flow: the
//! merchant's app asks for a payload, then opens Juspay's payment page with it.
//!
//! * `POST /merchant-api/session` creates the order through Juspay's `/session` and returns
//!   the SDK payload (client-auth-token scheme, §4.2).
//! * `POST /merchant-api/signed-payloads` stores the order as NEW and returns the signed
//!   `initiate` and `paymentPage` requests (signature scheme, §11), the signed strings
//!   verbatim.
//!
//! Invariants: a Bearer token with the `orders` scope (or the configured
//! `merchant_api.token`, compared in constant time) guards both, which are off while no
//! token exists; the order is stored before anything leaves; errors are our words, never
//! Juspay's body; the private key and client-auth tokens never reach a log.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::Arc;

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use dashboard_core::{
    StoreError,
    orders::actions::{ActionError, NewOrder, NewOrderText},
    outbound::tokens::{Scope, TOKEN_PREFIX, TokenCheck},
    report::Chain,
    staff::audit::AuditEntry,
};
use juspay::{Amount, InitiatePayload, PaymentPageOrder, SdkClient, SdkEnvironment, SdkSigner};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{middleware::RequestMeta, state::AppState};

/// What the merchant's app sends: the order to pay.
#[derive(Debug, Deserialize)]
pub struct CheckoutRequest {
    /// Minted when absent.
    pub order_id: Option<String>,
    /// Major units as text or number, e.g. `"499.00"`.
    pub amount: Value,
    pub currency: Option<String>,
    pub customer_id: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub description: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Authorise only; capture or void later from the dashboard.
    #[serde(default)]
    pub pre_auth: bool,
}

pub async fn create_session(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (order, audit, _) = match admit(&state, meta, &headers, &body, "merchant_api.session").await
    {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal.into_response(),
    };
    let client_id = &state.config.merchant_api.payment_page_client_id;
    match state
        .actions
        .create_session(&order, client_id, &audit)
        .await
    {
        Ok(session) => {
            let payload = session.sdk_payload.as_ref().map(|p| {
                let details = p.payload.as_ref();
                json!({
                    "requestId": p.request_id,
                    "service": p.service,
                    "expiry": p.expiry,
                    "payload": details.map(|d| json!({
                        "clientId": d.client_id,
                        "merchantId": d.merchant_id,
                        "amount": d.amount.map(Amount::to_major_string),
                        "currency": d.currency,
                        "orderId": d.order_id,
                        "customerId": d.customer_id,
                        "clientAuthToken": d.client_auth_token,
                        "clientAuthTokenExpiry": d.client_auth_token_expiry,
                        "environment": d.environment,
                        "action": d.action,
                        "returnUrl": d.return_url,
                    })),
                })
            });
            Json(json!({
                "order_id": order.order_id,
                "status": session.status.map(|s| s.as_str().to_owned()),
                "payment_links": session.payment_links.as_ref().map(|l| json!({
                    "web": l.web, "mobile": l.mobile, "iframe": l.iframe, "expiry": l.expiry,
                })),
                "sdk_payload": payload,
            }))
            .into_response()
        }
        Err(e) => action_failed(&e).into_response(),
    }
}

pub async fn signed_payloads(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(signer) = state.sdk_signer.clone() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "Signed payloads need merchant_api.sdk_key_id and merchant_api.sdk_private_key_file.",
        );
    };
    let (order, audit, request) = match admit(
        &state,
        meta,
        &headers,
        &body,
        "merchant_api.signed_payloads",
    )
    .await
    {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal.into_response(),
    };
    if let Err(e) = state.actions.register_order(&order, &audit).await {
        return action_failed(&e).into_response();
    }
    match sign(&state, &signer, &order, &request) {
        Ok(body) => Json(body).into_response(),
        Err(e) => {
            tracing::error!(error = %Chain(&e), "signing the SDK payloads failed");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The payload could not be signed.",
            )
        }
    }
}

fn sign(
    state: &AppState,
    signer: &Arc<SdkSigner>,
    order: &NewOrder,
    request: &CheckoutRequest,
) -> Result<Value, juspay::JuspayError> {
    let merchant_id = &state.config.juspay.merchant_id;
    let customer_id = order.customer_id.clone().unwrap_or_default();
    let environment = match state.config.juspay.environment.as_str() {
        "production" => SdkEnvironment::Production,
        _ => SdkEnvironment::Sandbox,
    };
    let sdk = SdkClient::new(
        &state.config.merchant_api.payment_page_client_id,
        environment,
    );
    let initiate = signer.sign_initiate(&InitiatePayload::new(merchant_id, &customer_id))?;
    let mut page = PaymentPageOrder::new(
        &order.order_id,
        merchant_id,
        Amount::from_minor(order.amount, &order.currency),
    );
    page.customer_id = order.customer_id.clone();
    page.customer_email = order.customer_email.clone();
    page.customer_phone = order.customer_phone.clone();
    page.description = order.description.clone();
    page.return_url = order.return_url.clone();
    page.first_name = request.first_name.clone();
    page.last_name = request.last_name.clone();
    let process = signer.sign_order_details(&page)?;
    Ok(json!({
        "order_id": order.order_id,
        "initiate": initiate.sdk_request(&sdk),
        "process": process.sdk_request(&sdk),
    }))
}

/// Checks the token and reads the order from the body, or answers the refusal.
/// Checks the Bearer token for `scope`: the configured `merchant_api.token` may do
/// everything; a token an admin made may do its scopes (403 otherwise). 404 while no token
/// of either kind exists, 401 for any other token.
pub(super) async fn check_token(
    state: &AppState,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<(), Refusal> {
    let configured = state.config.merchant_api.token.as_ref();
    if configured.is_some_and(|token| super::middleware::bearer_matches(headers, token)) {
        return Ok(());
    }
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| t.starts_with(TOKEN_PREFIX));
    let failed = |e: StoreError| {
        tracing::error!(error = %Chain(&e), "checking a merchant API token failed");
        Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The token cannot be checked right now; try again.",
        )
    };
    if let Some(token) = presented {
        match state
            .store
            .check_token(token, scope)
            .await
            .map_err(failed)?
        {
            TokenCheck::Allowed => return Ok(()),
            TokenCheck::Forbidden => {
                return Err(Refusal::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    &format!("This token may not {}.", scope_action(scope)),
                ));
            }
            TokenCheck::Unknown => {}
        }
    }
    if configured.is_none() && !state.store.has_tokens().await.map_err(failed)? {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "not_configured",
            "The merchant API is off: no token is configured or made on the Outbound page.",
        ));
    }
    Err(Refusal::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "A valid Bearer token is required.",
    ))
}

fn scope_action(scope: Scope) -> &'static str {
    match scope {
        Scope::Read => "read orders and events",
        Scope::Orders => "create orders",
    }
}

async fn admit(
    state: &AppState,
    meta: Option<Extension<RequestMeta>>,
    headers: &HeaderMap,
    body: &[u8],
    action: &str,
) -> Result<(NewOrder, AuditEntry, CheckoutRequest), Refusal> {
    check_token(state, headers, Scope::Orders).await?;
    let request: CheckoutRequest = serde_json::from_slice(body).map_err(|_| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "The body is not valid JSON with an amount.",
        )
    })?;
    let amount = match &request.amount {
        Value::String(text) => text.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let text = NewOrderText {
        order_id: request.order_id.as_deref(),
        amount: &amount,
        currency: request.currency.as_deref(),
        customer_id: request.customer_id.as_deref(),
        customer_email: request.customer_email.as_deref(),
        customer_phone: request.customer_phone.as_deref(),
        description: request.description.as_deref(),
        pre_auth: request.pre_auth,
    };
    let order = NewOrder::parse(&text, "app", state.config.juspay.return_url.clone())
        .map_err(|e| action_failed(&e))?;
    let (trace_id, client_ip) = meta
        .map(|m| (m.trace_id.clone(), m.client_ip.clone()))
        .unwrap_or_default();
    let audit = AuditEntry {
        actor: "merchant-app".to_owned(),
        action: action.to_owned(),
        target: order.order_id.clone(),
        detail: format!("amount={}", order.amount),
        client_ip,
        trace_id,
    };
    Ok((order, audit, request))
}

/// What the merchant's app is told about a failed action; the failure itself is logged by
/// [`ActionError::log`], as for staff actions.
fn action_failed(error: &ActionError) -> Refusal {
    error.log("merchant API");
    match error {
        ActionError::Invalid { field, message } => Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            &format!("{field}: {message}"),
        ),
        ActionError::Store(_) => Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Try again shortly.",
        ),
        ActionError::NotFound => Refusal::new(StatusCode::NOT_FOUND, "not_found", "No such order."),
        ActionError::NotConfigured | ActionError::Juspay(_) => {
            Refusal::new(StatusCode::BAD_GATEWAY, "upstream", &error.public_message())
        }
    }
}

/// A refusal to answer as JSON; small, so that `Result`s carrying it stay cheap.
pub struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    pub(super) fn new(status: StatusCode, code: &'static str, message: &str) -> Self {
        Self {
            status,
            code,
            message: message.to_owned(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        refuse(self.status, self.code, &self.message)
    }
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"error": code, "message": message}))).into_response()
}

//! `POST /webhooks/juspay` and `POST /callbacks/jpsl`: hand the delivery to the ingest step
//! and answer only after it is committed. Juspay: 200 = stored (or a known duplicate); 401
//! = bad credentials; 503 = credentials not configured yet or the database unavailable, so
//! Juspay retries (§9.4). JPSL: 200 = stored, a duplicate, or another merchant's advice
//! (kept as rejected; a retry would not make it ours); 401 = wrong `secureHash` or an
//! unreadable body (kept bounded; retried, so fixing a rotated secret loses nothing); 503 =
//! not configured or the database unavailable.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use axum::{
    Extension,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use dashboard_core::{
    report::Chain,
    webhooks::{ingest::IngestVerdict, jpsl::JpslVerdict},
};

use super::{middleware::RequestMeta, state::AppState};

pub async fn receive_juspay(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let client_ip = meta.map(|m| m.client_ip.clone()).unwrap_or_default();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    match state
        .ingestor
        .ingest_juspay(&headers, &body, &client_ip)
        .await
    {
        Ok(IngestVerdict::Stored(stored)) => {
            tracing::info!(
                event = stored.id,
                duplicate = stored.duplicate,
                "webhook stored"
            );
            received(
                "juspay",
                if stored.duplicate {
                    "duplicate"
                } else {
                    "stored"
                },
            );
            (StatusCode::OK, "OK").into_response()
        }
        Ok(IngestVerdict::Rejected) => {
            received("juspay", "refused");
            let mut res = (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"juspay-webhooks\""),
            );
            res
        }
        Ok(IngestVerdict::NotConfigured) => {
            tracing::error!("webhook received but webhook.password is not configured");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Webhook credentials not configured",
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %Chain(&e), "could not store webhook");
            received("juspay", "unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "Try again later").into_response()
        }
    }
}

fn received(source: &'static str, result: &'static str) {
    dashboard_core::telemetry::record_webhook_received(source, result);
}

pub async fn receive_jpsl(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let client_ip = meta.map(|m| m.client_ip.clone()).unwrap_or_default();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    match state
        .jpsl
        .ingest(&content_type, &headers, &body, &client_ip)
        .await
    {
        Ok(JpslVerdict::Stored(stored)) => {
            tracing::info!(
                event = stored.id,
                duplicate = stored.duplicate,
                "JPSL callback stored"
            );
            received(
                "jpsl",
                if stored.duplicate {
                    "duplicate"
                } else {
                    "stored"
                },
            );
            (StatusCode::OK, "OK").into_response()
        }
        Ok(JpslVerdict::Foreign) => (StatusCode::OK, "OK").into_response(),
        Ok(JpslVerdict::Refused) => {
            received("jpsl", "refused");
            (StatusCode::UNAUTHORIZED, "Invalid secureHash").into_response()
        }
        Ok(JpslVerdict::NotConfigured) => {
            tracing::error!(
                "JPSL callback received but jpsl.merchant_id or jpsl.secret is not set"
            );
            (StatusCode::SERVICE_UNAVAILABLE, "Not configured").into_response()
        }
        Err(e) => {
            tracing::error!(error = %Chain(&e), "could not store JPSL callback");
            received("jpsl", "unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "Try again later").into_response()
        }
    }
}

//! `POST /webhooks/juspay`: hands the delivery to the ingest step and answers only after it
//! is committed. 200 = stored (or a known duplicate); 401 = bad credentials; 503 = webhook
//! credentials not configured yet or the database is unavailable, so Juspay retries (§9.4).

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use dashboard_core::ingest::IngestVerdict;

use super::state::AppState;

pub async fn receive_juspay(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    match state.ingestor.ingest_juspay(&headers, &body).await {
        Ok(IngestVerdict::Stored(stored)) => {
            tracing::info!(
                event = stored.id,
                duplicate = stored.duplicate,
                "webhook stored"
            );
            (StatusCode::OK, "OK").into_response()
        }
        Ok(IngestVerdict::Rejected) => {
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
            tracing::error!(error = %e, "could not store webhook");
            (StatusCode::SERVICE_UNAVAILABLE, "Try again later").into_response()
        }
    }
}

//! Operability probes: `/healthz` says the process is up; `/readyz` says it can serve
//! (database reachable and every migration applied).

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde_json::json;

use super::state::AppState;

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, Json(json!({ "status": "ok" })))
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.store.ping().await;
    let migrations = database && state.store.migrations_current().await.unwrap_or(false);
    let status = if database && migrations {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if status == StatusCode::OK { "ready" } else { "not ready" },
        "database": database,
        "migrations_current": migrations,
    });
    (status, Json(body))
}

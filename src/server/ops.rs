//! Operability probes: `/healthz` says the process is up (liveness); `/readyz` says it
//! should be sent traffic (readiness): the database answers, every migration is applied
//! (another instance may be migrating it), and processing keeps up (the backlog of stored
//! events is within `processor.ready_max_backlog`). A refusal says which in its body.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde_json::json;

use super::state::AppState;

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, Json(json!({ "status": "ok" })))
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let bound = state.config.processor.ready_max_backlog;
    let database = state.store.ping().await;
    let migrations = database && state.store.migrations_current().await.unwrap_or(false);
    let backlog = if database {
        state.store.count_pending_webhooks(bound + 1).await.ok()
    } else {
        None
    };
    let mut reasons = Vec::new();
    if !database {
        reasons.push("the database does not answer".to_owned());
    } else if !migrations {
        reasons.push("database migrations are not all applied".to_owned());
    }
    if let Some(waiting) = backlog.filter(|n| *n > bound) {
        reasons.push(format!(
            "more than {bound} stored events wait to be processed ({waiting} counted)"
        ));
    }
    let status = if reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if reasons.is_empty() { "ready" } else { "not ready" },
        "database": database,
        "migrations_current": migrations,
        "backlog": backlog,
        "reasons": reasons,
    });
    (status, Json(body))
}

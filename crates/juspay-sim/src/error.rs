//! Juspay-shaped API errors. Invariant: every error response is JSON carrying at least
//! `status`, `error_code` and `error_message`, because the .NET SDK needs `error_code` to
//! classify an error (§3.1, §3.2).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An HTTP status plus the exact JSON body Juspay would send.
#[derive(Debug, thiserror::Error)]
#[error("juspay error {http}: {body}")]
pub struct ApiError {
    /// HTTP status of the response.
    pub http: StatusCode,
    /// JSON body of the response.
    pub body: Value,
}

impl ApiError {
    /// An error with a caller-chosen body, for the few places Juspay uses a different
    /// envelope (mandate execution duplicates, cancel-recurring; §3.1).
    pub fn raw(http: StatusCode, body: Value) -> Self {
        Self { http, body }
    }

    /// The §3.1 envelope with an `error_info` block.
    pub fn envelope(
        http: StatusCode,
        status: &str,
        error_code: &str,
        message: &str,
        info_code: &str,
    ) -> Self {
        Self::raw(
            http,
            json!({
                "status": status,
                "error_code": error_code,
                "error_message": message,
                "user_message": message,
                "error_info": {
                    "code": info_code,
                    "category": "USER_ERROR",
                    "user_message": message,
                    "developer_message": message,
                },
            }),
        )
    }

    /// 400 for malformed or inconsistent input.
    pub fn bad_request(error_code: &str, message: &str) -> Self {
        Self::envelope(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            error_code,
            message,
            "INVALID_INPUT",
        )
    }

    /// 400 for a missing mandatory parameter, naming the field (§3.1 `fields`).
    pub fn missing(field: &str) -> Self {
        let message = format!("Mandatory parameter {field} is missing.");
        let mut error = Self::envelope(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("missing_{field}"),
            &message,
            "MISSING_MANDATORY_PARAMETER",
        );
        error.body["error_info"]["fields"] =
            json!([{"field_name": field, "reason": "Missing field."}]);
        error
    }

    /// 400 for an action the current state forbids (§3.1 `INVALID_ACTION`).
    pub fn invalid_action(message: &str) -> Self {
        Self::envelope(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "invalid_action",
            message,
            "INVALID_ACTION",
        )
    }

    /// 404 for an unknown resource, with `NOT_FOUND`/40 from §4.4 on orders.
    pub fn not_found(kind: &str, id: &str) -> Self {
        let message = format!("{kind} with id = {id} not found");
        let mut error = Self::envelope(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("{}_not_found", kind.to_lowercase()),
            &message,
            "RESOURCE_NOT_FOUND",
        );
        if kind == "Order" {
            error.body["status_id"] = json!(40);
        }
        error
    }

    /// 401 with the body documented for a bad API key (§2.1).
    pub fn access_denied() -> Self {
        Self::raw(
            StatusCode::UNAUTHORIZED,
            json!({
                "status": "error",
                "error_code": "access_denied",
                "error_message": "Invalid API key or merchant id.",
            }),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.http, Json(self.body)).into_response()
    }
}

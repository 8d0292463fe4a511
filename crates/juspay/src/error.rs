//! The crate's single error type and its retry classification.
//!
//! Invariant: no variant ever holds the API key or the `Authorization` header; upstream
//! bodies are kept for diagnosis but truncated to [`BODY_SNIPPET_CHARS`].
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::lenient;

/// How many characters of an upstream body an error keeps.
pub const BODY_SNIPPET_CHARS: usize = 512;

/// Everything that can go wrong talking to Juspay or checking what Juspay sent.
#[derive(Debug, thiserror::Error)]
pub enum JuspayError {
    /// The request did not complete within the configured timeout.
    #[error("request to Juspay timed out")]
    Timeout,
    /// Connection, TLS or protocol failure before a response arrived.
    #[error("could not reach Juspay: {0}")]
    Transport(#[source] reqwest::Error),
    /// HTTP 401: the API key was refused (§2.1).
    #[error("Juspay rejected the credentials (HTTP 401): {0}")]
    Unauthorized(Box<ApiErrorBody>),
    /// HTTP 404: unknown order, customer, mandate or notification (§3.2).
    #[error("Juspay resource not found (HTTP 404): {0}")]
    NotFound(Box<ApiErrorBody>),
    /// HTTP 429, with the `Retry-After` delay when Juspay sent one in seconds.
    #[error("Juspay rate limit reached (HTTP 429), retry after {retry_after:?}: {body}")]
    RateLimited {
        retry_after: Option<Duration>,
        body: Box<ApiErrorBody>,
    },
    /// Any other 4xx: Juspay refused the request (§3.1 envelope).
    #[error("Juspay refused the request (HTTP {status}): {body}")]
    Rejected {
        status: u16,
        body: Box<ApiErrorBody>,
    },
    /// HTTP 5xx.
    #[error("Juspay server error (HTTP {status}): {body}")]
    Server {
        status: u16,
        body: Box<ApiErrorBody>,
    },
    /// A response body that is not the expected JSON.
    #[error("undecodable Juspay response (HTTP {status}): {reason}; body: {body}")]
    Decode {
        status: u16,
        reason: String,
        body: String,
    },
    /// An amount that is not a decimal, or has more decimals than its currency (§4.1).
    #[error("invalid amount {input:?}: {reason}")]
    InvalidAmount { input: String, reason: String },
    /// A webhook body that cannot be read as a Juspay event (§9.1).
    #[error("invalid webhook payload: {0}")]
    InvalidWebhook(String),
    /// A return URL without a `signature` parameter (§10).
    #[error("return URL carries no signature")]
    MissingSignature,
    /// A return URL whose signature does not match its parameters (§10).
    #[error("return URL signature does not match")]
    SignatureMismatch,
    /// The client could not be built from its configuration.
    #[error("invalid Juspay client configuration: {0}")]
    Config(String),
}

impl JuspayError {
    /// Whether repeating the same request may succeed: timeouts, transport failures,
    /// rate limits and server errors. A 4xx means the request itself is wrong.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout | Self::Transport(_) | Self::RateLimited { .. } | Self::Server { .. } => {
                true
            }
            Self::Unauthorized(_)
            | Self::NotFound(_)
            | Self::Rejected { .. }
            | Self::Decode { .. }
            | Self::InvalidAmount { .. }
            | Self::InvalidWebhook(_)
            | Self::MissingSignature
            | Self::SignatureMismatch
            | Self::Config(_) => false,
        }
    }

    /// How long Juspay asked us to wait before retrying (429 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status Juspay answered with, if the error came from a response.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized(_) => Some(401),
            Self::NotFound(_) => Some(404),
            Self::RateLimited { .. } => Some(429),
            Self::Rejected { status, .. }
            | Self::Server { status, .. }
            | Self::Decode { status, .. } => Some(*status),
            Self::Timeout
            | Self::Transport(_)
            | Self::InvalidAmount { .. }
            | Self::InvalidWebhook(_)
            | Self::MissingSignature
            | Self::SignatureMismatch
            | Self::Config(_) => None,
        }
    }

    /// The error body of a failed response, when there is one.
    pub fn api_error(&self) -> Option<&ApiErrorBody> {
        match self {
            Self::Unauthorized(body)
            | Self::NotFound(body)
            | Self::RateLimited { body, .. }
            | Self::Rejected { body, .. }
            | Self::Server { body, .. } => Some(body.as_ref()),
            Self::Timeout
            | Self::Transport(_)
            | Self::Decode { .. }
            | Self::InvalidAmount { .. }
            | Self::InvalidWebhook(_)
            | Self::MissingSignature
            | Self::SignatureMismatch
            | Self::Config(_) => None,
        }
    }
}

/// Juspay's error envelope (§3.1), read leniently, plus a truncated copy of the raw body
/// because some endpoints use a different envelope (mandate cancel, §3.1 table).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ApiErrorBody {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub user_message: Option<String>,
    #[serde(skip)]
    pub raw: String,
}

impl ApiErrorBody {
    /// Reads an error body; a non-JSON body still yields the raw snippet.
    pub fn from_body(body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let mut parsed = serde_json::from_slice::<Self>(body).unwrap_or_default();
        parsed.raw = truncate(&text, BODY_SNIPPET_CHARS);
        parsed
    }
}

impl fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.error_code.is_none() && self.error_message.is_none() && self.status.is_none() {
            return write!(f, "body: {}", self.raw);
        }
        let unset = "-";
        write!(
            f,
            "status={} error_code={} error_message={}",
            self.status.as_deref().unwrap_or(unset),
            self.error_code.as_deref().unwrap_or(unset),
            self.error_message.as_deref().unwrap_or(unset),
        )
    }
}

/// Cuts `text` to at most `max_chars` characters, marking the cut.
pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> Box<ApiErrorBody> {
        Box::new(ApiErrorBody::from_body(json.as_bytes()))
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        assert!(JuspayError::Timeout.is_retryable());
        let server = JuspayError::Server {
            status: 503,
            body: body("{}"),
        };
        assert!(server.is_retryable());
        let limited = JuspayError::RateLimited {
            retry_after: None,
            body: body("{}"),
        };
        assert!(limited.is_retryable());
        let rejected = JuspayError::Rejected {
            status: 400,
            body: body("{}"),
        };
        assert!(!rejected.is_retryable());
        assert!(!JuspayError::Unauthorized(body("{}")).is_retryable());
        assert!(!JuspayError::NotFound(body("{}")).is_retryable());
    }

    #[test]
    fn the_juspay_error_envelope_is_read_from_a_400_body() {
        let parsed = body(
            r#"{"status":"ERROR","error_code":"invalid_request","error_message":"INVALID ORDERID","extra":1}"#,
        );
        assert_eq!(parsed.status.as_deref(), Some("ERROR"));
        assert_eq!(parsed.error_code.as_deref(), Some("invalid_request"));
        assert_eq!(parsed.error_message.as_deref(), Some("INVALID ORDERID"));
        let shown = JuspayError::Rejected {
            status: 400,
            body: parsed,
        }
        .to_string();
        assert!(shown.contains("invalid_request") && shown.contains("HTTP 400"));
    }

    #[test]
    fn a_huge_upstream_body_is_truncated_in_the_error() {
        let huge = "x".repeat(10_000);
        let parsed = body(&huge);
        assert!(parsed.raw.chars().count() <= BODY_SNIPPET_CHARS + 1);
        assert!(
            JuspayError::Server {
                status: 500,
                body: parsed
            }
            .to_string()
            .len()
                < 1_000
        );
    }

    #[test]
    fn truncation_respects_multibyte_characters() {
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate("ab", 5), "ab");
    }
}

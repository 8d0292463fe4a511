//! The one error type server functions return. Each variant has a stable public code and a
//! message that is safe to show; internal causes are logged on the server under the request's
//! trace id and only that id reaches the browser.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in.")]
    Unauthenticated,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("Invalid username or password.")]
    InvalidCredentials,
    #[error("Too many failed sign-in attempts. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: i64 },
    #[error("Many people are signing in at once. Try again in {retry_after_secs} seconds.")]
    Busy { retry_after_secs: i64 },
    /// A sensitive action needs the password (and second factor) again.
    #[error(
        "Confirm it's you: enter your password (and two-factor code, if you use one) with this action. It is not asked again for five minutes."
    )]
    StepUpRequired,
    /// A form field the user can fix.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("Not found.")]
    NotFound,
    /// Juspay refused or failed; the message is ours, never Juspay's body.
    #[error("{message}")]
    Upstream { message: String },
    #[error("Something went wrong on our side. Reference: {trace_id}.")]
    Internal { trace_id: String },
    /// The request did not reach the server or its answer could not be read.
    #[error("The server could not be reached. Please try again.")]
    Transport,
}

impl AppError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Throttled { .. } => "throttled",
            Self::Busy { .. } => "busy",
            Self::StepUpRequired => "step_up_required",
            Self::Invalid { .. } => "invalid",
            Self::NotFound => "not_found",
            Self::Upstream { .. } => "upstream",
            Self::Internal { .. } => "internal",
            Self::Transport => "transport",
        }
    }

    /// HTTP status that goes with the error.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated | Self::InvalidCredentials => 401,
            Self::Forbidden | Self::StepUpRequired => 403,
            Self::Throttled { .. } | Self::Busy { .. } => 429,
            Self::Invalid { .. } => 422,
            Self::NotFound => 404,
            Self::Upstream { .. } => 502,
            Self::Internal { .. } | Self::Transport => 500,
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// Seconds the client should wait before trying again (`Retry-After`), for a refusal
    /// that passes with time.
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            Self::Throttled { retry_after_secs } | Self::Busy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// The message for `field`, if this error is about that field.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_)
            | ServerFnErrorErr::Response(_)
            | ServerFnErrorErr::Deserialization(_) => Self::Transport,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                // Arguments that do not decode never reach the function, so nothing else
                // sets the answer's status: without this it would be a 500.
                #[cfg(feature = "ssr")]
                if let Some(response) =
                    leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
                {
                    response.set_status(http::StatusCode::UNPROCESSABLE_ENTITY);
                }
                Self::invalid("form", "The form was incomplete. Please fill it in again.")
            }
            _ => Self::Internal {
                trace_id: String::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_code_a_status_and_a_safe_message() {
        let all = [
            AppError::Unauthenticated,
            AppError::Forbidden,
            AppError::InvalidCredentials,
            AppError::Throttled {
                retry_after_secs: 5,
            },
            AppError::Busy {
                retry_after_secs: 1,
            },
            AppError::StepUpRequired,
            AppError::invalid("username", "Taken."),
            AppError::NotFound,
            AppError::Internal {
                trace_id: "abc".into(),
            },
            AppError::Transport,
        ];
        for e in &all {
            assert!(!e.code().is_empty());
            assert!((400..600).contains(&e.status()));
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(AppError::Forbidden.status(), 403);
        assert_eq!(
            AppError::invalid("username", "Taken.")
                .field_message("username")
                .as_deref(),
            Some("Taken.")
        );
    }

    #[test]
    fn the_encoding_round_trips() {
        let e = AppError::Throttled {
            retry_after_secs: 7,
        };
        assert_eq!(AppError::de(e.ser()), e);
    }
}

//! The HTTP client: one async method per Juspay endpoint (§4–§8).
//!
//! Invariant: every request carries `Authorization: Basic base64("<key>:")` (marked
//! sensitive so it is redacted from debug output), `x-merchantid` and `version` (§2);
//! path segments are percent-encoded; every non-2xx answer becomes a classified
//! [`JuspayError`].
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret as _;
use serde::de::DeserializeOwned;

use crate::config::JuspayConfig;
use crate::customer::{CreateCustomerRequest, Customer};
use crate::encoding::{Fields, encode_path_segment, form_body, json_body};
use crate::error::{ApiErrorBody, BODY_SNIPPET_CHARS, JuspayError, truncate};
use crate::mandate::{Mandate, MandateCommand, MandateList, Notification, RecurringCancellation};
use crate::money::Amount;
use crate::order::{
    CreateOrderRequest, CreateOrderResponse, Order, OrderStatusOptions, SessionRequest,
    SessionResponse, UpdateOrderRequest,
};
use crate::refund::RefundRequest;
use crate::txn::{CaptureRequest, MandateExecutionRequest, TxnResponse};

const MERCHANT_HEADER: &str = "x-merchantid";
const ROUTING_HEADER: &str = "x-routing-id";
const VERSION_HEADER: &str = "version";
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

enum Body {
    Empty,
    /// `application/x-www-form-urlencoded`, the default for EC endpoints (§2.5).
    Form(Fields),
    /// `application/json` (`/session`, `/v2/txns/…`).
    Json(Fields),
}

/// Typed Juspay Express Checkout client. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct JuspayClient {
    http: reqwest::Client,
    base_url: String,
    merchant_id: String,
    headers: HeaderMap,
}

impl fmt::Debug for JuspayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JuspayClient")
            .field("base_url", &self.base_url)
            .field("merchant_id", &self.merchant_id)
            .field("authorization", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl JuspayClient {
    /// Builds a client; fails when the base URL, merchant id, version or key cannot be
    /// used in a request.
    pub fn new(config: &JuspayConfig) -> Result<Self, JuspayError> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        reqwest::Url::parse(&base_url)
            .map_err(|e| JuspayError::Config(format!("base URL {base_url:?} is invalid: {e}")))?;
        // §2.1: the key is the username, the password is empty; we keep the colon.
        let credentials = STANDARD.encode(format!("{}:", config.api_key.expose_secret()));
        let mut authorization = HeaderValue::from_str(&format!("Basic {credentials}"))
            .map_err(|_| JuspayError::Config("API key cannot be sent in a header".to_owned()))?;
        authorization.set_sensitive(true);
        let header = |what: &str, value: &str| {
            HeaderValue::from_str(value).map_err(|_| {
                JuspayError::Config(format!("{what} {value:?} cannot be sent in a header"))
            })
        };
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(MERCHANT_HEADER, header("merchant id", &config.merchant_id)?);
        headers.insert(VERSION_HEADER, header("version", &config.version)?);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            // Juspay APIs do not redirect; following one would replay credentials.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| JuspayError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            base_url,
            merchant_id: config.merchant_id.clone(),
            headers,
        })
    }

    /// `POST /orders` (§4.1); either response shape is accepted.
    pub async fn create_order(
        &self,
        request: &CreateOrderRequest,
    ) -> Result<CreateOrderResponse, JuspayError> {
        let body = Body::Form(request.to_fields());
        self.send(
            Method::POST,
            "/orders",
            &[],
            body,
            request.customer_id.as_deref(),
        )
        .await
    }

    /// `POST /session` with a JSON body (§4.2); also creates the order.
    pub async fn create_session(
        &self,
        request: &SessionRequest,
    ) -> Result<SessionResponse, JuspayError> {
        let routing = request.customer_id.as_deref().filter(|id| !id.is_empty());
        self.send(
            Method::POST,
            "/session",
            &[],
            Body::Json(request.to_fields()),
            routing,
        )
        .await
    }

    /// `GET /orders/{order_id}` (§4.3).
    pub async fn get_order(
        &self,
        order_id: &str,
        options: &OrderStatusOptions,
    ) -> Result<Order, JuspayError> {
        let path = format!("/orders/{}", encode_path_segment(order_id));
        let query: &[(&str, &str)] = if options.full_gateway_response {
            &[("options.add_full_gateway_response", "true")]
        } else {
            &[]
        };
        self.send(
            Method::GET,
            &path,
            query,
            Body::Empty,
            options.routing_id.as_deref(),
        )
        .await
    }

    /// `POST /orders/{order_id}` (§4.5).
    pub async fn update_order(
        &self,
        order_id: &str,
        request: &UpdateOrderRequest,
    ) -> Result<Order, JuspayError> {
        let path = format!("/orders/{}", encode_path_segment(order_id));
        let body = Body::Form(request.to_fields());
        self.send(
            Method::POST,
            &path,
            &[],
            body,
            request.routing_id.as_deref(),
        )
        .await
    }

    /// `POST /orders/{order_id}/refunds` (§6.1); answers with the whole order.
    pub async fn refund_order(
        &self,
        order_id: &str,
        request: &RefundRequest,
    ) -> Result<Order, JuspayError> {
        let path = format!("/orders/{}/refunds", encode_path_segment(order_id));
        let body = Body::Form(request.to_fields());
        self.send(
            Method::POST,
            &path,
            &[],
            body,
            request.routing_id.as_deref(),
        )
        .await
    }

    /// `POST /customers` (§8); routed by the merchant's customer key.
    pub async fn create_customer(
        &self,
        request: &CreateCustomerRequest,
    ) -> Result<Customer, JuspayError> {
        let body = Body::Form(request.to_fields());
        let routing = Some(request.object_reference_id.as_str());
        self.send(Method::POST, "/customers", &[], body, routing)
            .await
    }

    /// `GET /customers/{customer_id}` (§8); the id may be Juspay's or the merchant's.
    pub async fn get_customer(
        &self,
        customer_id: &str,
        get_client_auth_token: bool,
    ) -> Result<Customer, JuspayError> {
        let path = format!("/customers/{}", encode_path_segment(customer_id));
        let query: &[(&str, &str)] = if get_client_auth_token {
            &[("options.get_client_auth_token", "true")]
        } else {
            &[]
        };
        self.send(Method::GET, &path, query, Body::Empty, Some(customer_id))
            .await
    }

    /// `GET /customers/{customer_id}/mandates` (§7.3).
    pub async fn list_customer_mandates(
        &self,
        customer_id: &str,
    ) -> Result<MandateList, JuspayError> {
        let path = format!("/customers/{}/mandates", encode_path_segment(customer_id));
        self.send(Method::GET, &path, &[], Body::Empty, Some(customer_id))
            .await
    }

    /// `POST /mandates/{mandate_id}` with any command (§7.3), decoded as `T`
    /// ([`Mandate`], [`Notification`] or [`RecurringCancellation`]).
    pub async fn send_mandate_command<T: DeserializeOwned>(
        &self,
        mandate_id: &str,
        command: &MandateCommand,
        routing_id: Option<&str>,
    ) -> Result<T, JuspayError> {
        let path = format!("/mandates/{}", encode_path_segment(mandate_id));
        self.send(
            Method::POST,
            &path,
            &[],
            Body::Form(command.to_fields()),
            routing_id,
        )
        .await
    }

    /// `command=revoke` (§7.3).
    pub async fn revoke_mandate(
        &self,
        mandate_id: &str,
        routing_id: Option<&str>,
    ) -> Result<Mandate, JuspayError> {
        self.send_mandate_command(mandate_id, &MandateCommand::Revoke, routing_id)
            .await
    }

    /// `command=pause` with epoch-second dates (§7.3).
    pub async fn pause_mandate(
        &self,
        mandate_id: &str,
        start_date: i64,
        end_date: i64,
        routing_id: Option<&str>,
    ) -> Result<Mandate, JuspayError> {
        let command = MandateCommand::Pause {
            start_date,
            end_date,
        };
        self.send_mandate_command(mandate_id, &command, routing_id)
            .await
    }

    /// `command=resume` with an epoch-second date (§7.3).
    pub async fn resume_mandate(
        &self,
        mandate_id: &str,
        resume_date: i64,
        routing_id: Option<&str>,
    ) -> Result<Mandate, JuspayError> {
        let command = MandateCommand::Resume { resume_date };
        self.send_mandate_command(mandate_id, &command, routing_id)
            .await
    }

    /// `command=check_status` (§7.3).
    pub async fn check_mandate_status(
        &self,
        mandate_id: &str,
        routing_id: Option<&str>,
    ) -> Result<Mandate, JuspayError> {
        self.send_mandate_command(mandate_id, &MandateCommand::CheckStatus, routing_id)
            .await
    }

    /// `command=pre_debit_notify` (§7.3).
    pub async fn notify_pre_debit(
        &self,
        mandate_id: &str,
        object_reference_id: &str,
        amount: Amount,
        txn_date: i64,
        routing_id: Option<&str>,
    ) -> Result<Notification, JuspayError> {
        let command = MandateCommand::PreDebitNotify {
            object_reference_id: object_reference_id.to_owned(),
            amount,
            txn_date,
            description: None,
        };
        self.send_mandate_command(mandate_id, &command, routing_id)
            .await
    }

    /// `command=cancel_recurring_transaction` for a scheduled execution (§7.3).
    pub async fn cancel_recurring_transaction(
        &self,
        mandate_id: &str,
        order_id: &str,
        routing_id: Option<&str>,
    ) -> Result<RecurringCancellation, JuspayError> {
        let command = MandateCommand::CancelRecurringTransaction {
            order_id: order_id.to_owned(),
        };
        self.send_mandate_command(mandate_id, &command, routing_id)
            .await
    }

    /// `GET /notifications/{object_reference_id}` (§7.3).
    pub async fn get_notification(
        &self,
        object_reference_id: &str,
        routing_id: Option<&str>,
    ) -> Result<Notification, JuspayError> {
        let path = format!(
            "/notifications/{}",
            encode_path_segment(object_reference_id)
        );
        self.send(Method::GET, &path, &[], Body::Empty, routing_id)
            .await
    }

    /// Mandate execution: `POST /txns` with `mandate_id` and `order.*` fields (§7.3).
    pub async fn execute_mandate(
        &self,
        request: &MandateExecutionRequest,
    ) -> Result<TxnResponse, JuspayError> {
        let body = Body::Form(request.to_fields(&self.merchant_id));
        self.send(Method::POST, "/txns", &[], body, Some(&request.customer_id))
            .await
    }

    /// Pre-auth capture: `POST /v2/txns/{txn_uuid}/capture` (§5.3).
    pub async fn capture_txn(
        &self,
        txn_uuid: &str,
        request: &CaptureRequest,
        routing_id: Option<&str>,
    ) -> Result<Order, JuspayError> {
        let path = format!("/v2/txns/{}/capture", encode_path_segment(txn_uuid));
        self.send(
            Method::POST,
            &path,
            &[],
            Body::Json(request.to_fields()),
            routing_id,
        )
        .await
    }

    /// Pre-auth void: `POST /v2/txns/{txn_uuid}/void` (§5.3).
    pub async fn void_txn(
        &self,
        txn_uuid: &str,
        routing_id: Option<&str>,
    ) -> Result<Order, JuspayError> {
        let path = format!("/v2/txns/{}/void", encode_path_segment(txn_uuid));
        self.send(
            Method::POST,
            &path,
            &[],
            Body::Json(Fields::new()),
            routing_id,
        )
        .await
    }

    /// [`Self::send_once`], timed: every call lands in the
    /// `dashboard_juspay_request_duration_seconds` histogram by endpoint (its path with ids
    /// replaced by `:id`) and outcome.
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Body,
        routing_id: Option<&str>,
    ) -> Result<T, JuspayError> {
        use tracing::Instrument as _;

        let started = std::time::Instant::now();
        let endpoint = endpoint_template(path);
        let span = tracing::info_span!(
            "juspay request",
            http.request.method = %method,
            juspay.endpoint = %endpoint,
        );
        let result = self
            .send_once(method, path, query, body, routing_id)
            .instrument(span)
            .await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(JuspayError::Timeout) => "timeout",
            Err(JuspayError::Transport(_)) => "transport",
            Err(e) => match e.http_status() {
                Some(429) => "rate_limited",
                Some(400..=499) => "refused",
                Some(_) => "server_error",
                None => "unreadable",
            },
        };
        metrics::histogram!(
            "dashboard_juspay_request_duration_seconds",
            "endpoint" => endpoint,
            "outcome" => outcome
        )
        .record(started.elapsed().as_secs_f64());
        result
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Body,
        routing_id: Option<&str>,
    ) -> Result<T, JuspayError> {
        let url = format!("{}{path}", self.base_url);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .headers(self.headers.clone())
            .query(query);
        // The routing id is only a sharding hint (§2.3); an id that cannot be a header
        // value is left out rather than failing the payment call.
        if let Some(routing) = routing_id.and_then(|id| HeaderValue::from_str(id).ok()) {
            request = request.header(ROUTING_HEADER, routing);
        }
        // Juspay's side (or a proxy) can join this call to the trace it belongs to.
        if let Some(parent) = crate::trace_context::current_traceparent() {
            request = request.header(crate::trace_context::TRACEPARENT, parent);
        }
        request = match body {
            Body::Empty => request,
            Body::Form(fields) => request
                .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
                .body(form_body(&fields)),
            Body::Json(fields) => request.json(&json_body(&fields)),
        };
        tracing::debug!(%method, path, "calling Juspay");
        let response = request.send().await.map_err(classify_transport)?;
        let status = response.status();
        let retry_after = read_retry_after(response.headers());
        let bytes = response.bytes().await.map_err(classify_transport)?;
        tracing::debug!(%method, path, status = status.as_u16(), "Juspay answered");
        if status.is_success() {
            decode_success(status, &bytes)
        } else {
            Err(classify_status(status, retry_after, &bytes))
        }
    }
}

/// A request path as a metric label: the API's own words kept, every other segment (an
/// order, customer, mandate or transaction id) replaced by `:id`, so ids never become
/// label values.
fn endpoint_template(path: &str) -> String {
    const WORDS: &[&str] = &[
        "orders",
        "order",
        "refunds",
        "refund",
        "create",
        "status",
        "session",
        "txns",
        "v2",
        "capture",
        "void",
        "customers",
        "mandates",
        "mandate",
        "notifications",
    ];
    path.split('/')
        .map(|segment| match segment {
            "" => "",
            word if WORDS.contains(&word) => word,
            _ => ":id",
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn classify_transport(error: reqwest::Error) -> JuspayError {
    if error.is_timeout() {
        JuspayError::Timeout
    } else {
        JuspayError::Transport(error)
    }
}

/// `Retry-After` in delta-seconds; the HTTP-date form is ignored.
fn read_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn decode_success<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> Result<T, JuspayError> {
    // Some command answers are undocumented and may be empty (§7.3 pause/resume): an empty
    // body decodes as an object with every field absent.
    let body: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(body).map_err(|e| JuspayError::Decode {
        status: status.as_u16(),
        reason: e.to_string(),
        body: truncate(&String::from_utf8_lossy(bytes), BODY_SNIPPET_CHARS),
    })
}

fn classify_status(status: StatusCode, retry_after: Option<Duration>, bytes: &[u8]) -> JuspayError {
    let body = Box::new(ApiErrorBody::from_body(bytes));
    match status.as_u16() {
        401 => JuspayError::Unauthorized(body),
        404 => JuspayError::NotFound(body),
        429 => JuspayError::RateLimited { retry_after, body },
        code @ 500..=599 => JuspayError::Server { status: code, body },
        code => JuspayError::Rejected { status: code, body },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_label_keeps_the_api_words_and_hides_ids() {
        assert_eq!(
            endpoint_template("/orders/ord_1/refunds"),
            "/orders/:id/refunds"
        );
        assert_eq!(
            endpoint_template("/v2/txns/u-9/capture"),
            "/v2/txns/:id/capture"
        );
        assert_eq!(endpoint_template("/txns"), "/txns");
    }
    use secrecy::SecretString;

    #[test]
    fn debug_output_of_the_client_does_not_contain_the_api_key() {
        let config = JuspayConfig::new(
            "http://127.0.0.1:9",
            SecretString::from("KEY_top_secret_42"),
            "m1",
        );
        let client = JuspayClient::new(&config).unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("KEY_top_secret_42"));
        let encoded = STANDARD.encode("KEY_top_secret_42:");
        assert!(!shown.contains(&encoded));
    }

    #[test]
    fn an_invalid_base_url_is_a_config_error_without_the_key() {
        let config = JuspayConfig::new("not a url", SecretString::from("KEY_top_secret_42"), "m1");
        let error = JuspayClient::new(&config).unwrap_err();
        assert!(matches!(error, JuspayError::Config(_)));
        assert!(!error.to_string().contains("KEY_top_secret_42"));
    }

    #[test]
    fn statuses_are_classified_by_code() {
        let body = br#"{"status":"error","error_code":"access_denied"}"#;
        let unauthorized = classify_status(StatusCode::UNAUTHORIZED, None, body);
        assert_eq!(
            unauthorized
                .api_error()
                .and_then(|b| b.error_code.as_deref()),
            Some("access_denied")
        );
        assert!(matches!(unauthorized, JuspayError::Unauthorized(_)));
        let limited = classify_status(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(7)),
            b"",
        );
        assert!(
            matches!(limited, JuspayError::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 7)
        );
        assert!(classify_status(StatusCode::BAD_GATEWAY, None, b"<html>").is_retryable());
        assert!(!classify_status(StatusCode::BAD_REQUEST, None, b"{}").is_retryable());
        assert_eq!(
            classify_status(StatusCode::CONFLICT, None, b"{}").http_status(),
            Some(409)
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_dates_are_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static(" 12 "));
        assert_eq!(read_retry_after(&headers), Some(Duration::from_secs(12)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(read_retry_after(&headers), None);
    }
}

//! Incoming webhooks (§9): event names, payloads and Basic-auth verification.
//!
//! Invariant: [`parse_webhook`] never panics on any input and reports a readable
//! [`JuspayError::InvalidWebhook`]; [`WebhookAuth::verify`] compares fixed-length digests
//! in constant time, so neither the credentials nor their lengths leak through timing.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error::{JuspayError, truncate};
use crate::lenient;
use crate::mandate::{Mandate, Notification};
use crate::money::{Amount, opt_amount};
use crate::order::Order;
use dashboard_status::OrderStatus;

wire_enum! {
    /// `event_name` values (§9.2, including the full list of Juspay's Saleor app).
    /// Subscription and invoice names expand the `…/…` shorthand of that list.
    EventName {
        OrderCreated => "ORDER_CREATED",
        OrderUpdated => "ORDER_UPDATED",
        OrderSucceeded => "ORDER_SUCCEEDED",
        OrderFailed => "ORDER_FAILED",
        OrderAuthorized => "ORDER_AUTHORIZED",
        OrderPartialCharged => "ORDER_PARTIAL_CHARGED",
        OrderVoided => "ORDER_VOIDED",
        OrderVoidFailed => "ORDER_VOID_FAILED",
        OrderCaptureFailed => "ORDER_CAPTURE_FAILED",
        OrderCodInitiated => "ORDER_COD_INITIATED",
        OrderToBeCharged => "ORDER_TO_BE_CHARGED",
        TxnCreated => "TXN_CREATED",
        TxnCharged => "TXN_CHARGED",
        TxnFailed => "TXN_FAILED",
        OrderRefunded => "ORDER_REFUNDED",
        OrderRefundFailed => "ORDER_REFUND_FAILED",
        RefundInitiated => "REFUND_INITIATED",
        RefundManualReviewNeeded => "REFUND_MANUAL_REVIEW_NEEDED",
        RefundArnCaptured => "REFUND_ARN_CAPTURED",
        AutoRefundInitiated => "AUTO_REFUND_INITIATED",
        AutoRefundSucceeded => "AUTO_REFUND_SUCCEEDED",
        AutoRefundFailed => "AUTO_REFUND_FAILED",
        MandateCreated => "MANDATE_CREATED",
        MandateActivated => "MANDATE_ACTIVATED",
        MandateFailed => "MANDATE_FAILED",
        MandateRevoked => "MANDATE_REVOKED",
        MandatePaused => "MANDATE_PAUSED",
        MandateUnpaused => "MANDATE_UNPAUSED",
        MandateUpdated => "MANDATE_UPDATED",
        MandateExpired => "MANDATE_EXPIRED",
        NotificationSucceeded => "NOTIFICATION_SUCCEEDED",
        NotificationFailed => "NOTIFICATION_FAILED",
        SubscriptionCreated => "SUBSCRIPTION_CREATED",
        SubscriptionActivated => "SUBSCRIPTION_ACTIVATED",
        SubscriptionExpired => "SUBSCRIPTION_EXPIRED",
        SubscriptionCancelled => "SUBSCRIPTION_CANCELLED",
        InvoiceCreated => "INVOICE_CREATED",
        InvoicePaymentSucceeded => "INVOICE_PAYMENT_SUCCEEDED",
        InvoicePaymentFailed => "INVOICE_PAYMENT_FAILED",
        InvoicePaymentOverdue => "INVOICE_PAYMENT_OVERDUE",
        InvoicePaymentCancelled => "INVOICE_PAYMENT_CANCELLED",
        ChargebackReceived => "CHARGEBACK_RECEIVED",
        ChargebackResolvedInMerchantFavour => "CHARGEBACK_RESOLVED_IN_MERCHANT_FAVOUR",
        ChargebackResolvedInCustomerFavour => "CHARGEBACK_RESOLVED_IN_CUSTOMER_FAVOUR",
        ChargebackCanceled => "CHARGEBACK_CANCELED",
        ChargebackAlreadyRefunded => "CHARGEBACK_ALREADY_REFUNDED",
        ChargebackExpired => "CHARGEBACK_EXPIRED",
        ChargebackUnderReview => "CHARGEBACK_UNDER_REVIEW",
        ChargebackEvidenceRequired => "CHARGEBACK_EVIDENCE_REQUIRED",
        TokenStatusUpdated => "TOKEN_STATUS_UPDATED",
        /// Juspay's own `UNKNOWN` event name, distinct from names this crate lacks.
        Unknown => "UNKNOWN",
    }
}

/// `content.txn` of TXN_CHARGED / TXN_FAILED (§9.1, only NY documents it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct WebhookTxn {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_uuid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub status: Option<OrderStatus>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub txn_amount: Option<Amount>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub payment_method_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub payment_method: Option<String>,
}

/// `content` of a webhook; which key is set depends on the event family (§9.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct WebhookContent {
    /// Order, payment and refund events.
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub order: Option<Order>,
    /// MANDATE_* events; the status is under `status` ([`Mandate::resolved_status`]).
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub mandate: Option<Mandate>,
    /// NOTIFICATION_* events.
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub notification: Option<Notification>,
    /// TXN_CHARGED / TXN_FAILED.
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub txn: Option<WebhookTxn>,
    /// CHARGEBACK_* events (§9.5).
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub chargeback: Option<crate::Chargeback>,
}

/// A decoded webhook envelope (§9.1).
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// `evt_V2_<hex>`; duplicates are possible, so use it for idempotency (§9.4).
    pub id: Option<String>,
    pub event_name: EventName,
    pub date_created: Option<String>,
    pub content: WebhookContent,
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    event_name: Option<EventName>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    date_created: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    content: Option<WebhookContent>,
}

const ERROR_DETAIL_CHARS: usize = 200;

/// Decodes a webhook body. Unknown fields and event names are accepted; a body that is
/// not a JSON object, lacks `event_name`, or is JWT-encrypted (§9.3) is refused.
pub fn parse_webhook(body: &[u8]) -> Result<WebhookEvent, JuspayError> {
    let invalid =
        |reason: String| JuspayError::InvalidWebhook(truncate(&reason, ERROR_DETAIL_CHARS));
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid("empty body".to_owned()));
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| invalid(format!("body is not JSON: {e}")))?;
    let Value::Object(object) = &value else {
        return Err(invalid("body is not a JSON object".to_owned()));
    };
    if object.contains_key("JWT") {
        return Err(invalid(
            "JWT-encrypted webhooks are not supported".to_owned(),
        ));
    }
    let raw: RawEvent = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        invalid(format!(
            "malformed event: {}",
            crate::lenient::join_path(&path, &e.into_inner().to_string())
        ))
    })?;
    let event_name = raw
        .event_name
        .ok_or_else(|| invalid("missing event_name".to_owned()))?;
    Ok(WebhookEvent {
        id: raw.id,
        event_name,
        date_created: raw.date_created,
        content: raw.content.unwrap_or_default(),
    })
}

/// What names a webhook, read leniently from the raw JSON even when the event cannot be
/// decoded: a delivery with one unreadable field is still found by its event id, name and
/// order id (§9.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookIdentity {
    pub id: Option<String>,
    pub event_name: Option<String>,
    pub date_created: Option<String>,
    pub order_id: Option<String>,
}

/// Reads a webhook's [`WebhookIdentity`]; a body that is not a JSON object names nothing.
pub fn identify_webhook(body: &[u8]) -> WebhookIdentity {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return WebhookIdentity::default();
    };
    let text = |pointer: &str| {
        value
            .pointer(pointer)
            .cloned()
            .and_then(crate::lenient::scalar_text)
            .filter(|t| !t.trim().is_empty())
    };
    WebhookIdentity {
        id: text("/id"),
        event_name: text("/event_name"),
        date_created: text("/date_created"),
        order_id: text("/content/order/order_id")
            .or_else(|| text("/content/mandate/order_id"))
            .or_else(|| text("/content/txn/order_id"))
            .or_else(|| text("/content/chargeback/object_reference_id"))
            .or_else(|| text("/content/chargeback/txn/order_id")),
    }
}

/// The username/password configured for webhooks in the Juspay dashboard (§9.3).
#[derive(Debug, Clone)]
pub struct WebhookAuth {
    username: String,
    password: SecretString,
}

impl WebhookAuth {
    /// Credentials to expect on incoming webhooks.
    pub fn new(username: impl Into<String>, password: SecretString) -> Self {
        Self {
            username: username.into(),
            password,
        }
    }

    /// Checks an `Authorization` header value (`Basic base64(user:pass)`).
    ///
    /// Username and password are both hashed to 32 bytes and compared with
    /// `ConstantTimeEq`, combined without short-circuiting, so a mismatch in either part,
    /// or in their lengths, takes the same time.
    pub fn verify(&self, authorization: &str) -> bool {
        let Some((scheme, encoded)) = authorization.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(decoded) = STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Some(colon) = decoded.iter().position(|&b| b == b':') else {
            return false;
        };
        let (user, rest) = decoded.split_at(colon);
        let pass = rest.get(1..).unwrap_or_default();
        let user_ok = Sha256::digest(user).ct_eq(&Sha256::digest(self.username.as_bytes()));
        let pass_ok =
            Sha256::digest(pass).ct_eq(&Sha256::digest(self.password.expose_secret().as_bytes()));
        bool::from(user_ok & pass_ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> WebhookEvent {
        parse_webhook(value.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn an_order_refunded_webhook_with_filtered_and_string_values_is_read() {
        let event = parse(json!({"id":"evt_V2_b737837102414514ae0e9717a9f2664d",
            "event_name":"ORDER_REFUNDED","date_created":"2023-08-10T07:00:48Z",
            "content":{"order":{"order_id":"o1","status":"CHARGED","status_id":"21",
              "amount":"10.00","refunded":"true","customer_email":"FILTERED","gateway_id":"23",
              "refunds":[{"unique_request_id":"r1","status":"SUCCESS","amount":"10"}]}}}));
        assert_eq!(event.event_name, EventName::OrderRefunded);
        let order = event.content.order.unwrap();
        assert_eq!(order.status_id, Some(21));
        assert_eq!(order.amount, Some(Amount::from_minor(1000, "INR")));
        assert_eq!(order.customer_email, None);
        assert_eq!(
            order.refunds[0].amount,
            Some(Amount::from_minor(1000, "INR"))
        );
    }

    #[test]
    fn a_mandate_webhook_reads_the_status_key() {
        let event = parse(json!({"id":"evt_1","event_name":"MANDATE_ACTIVATED",
            "content":{"mandate":{"status":"ACTIVE","mandate_id":"m1","max_amount":"1000.00",
              "revokable_by_customer":"true","payment_info":{"upi":{"payer_vpa":"a@b"}}}}}));
        assert_eq!(event.event_name, EventName::MandateActivated);
        let mandate = event.content.mandate.unwrap();
        assert!(mandate.resolved_status().is_some_and(|s| s.is_active()));
        assert_eq!(mandate.max_amount, Some(Amount::from_minor(100_000, "INR")));
    }

    #[test]
    fn a_notification_webhook_is_read() {
        let event = parse(json!({"event_name":"NOTIFICATION_FAILED",
            "content":{"notification":{"id":"n1","status":"FAILURE","mandate":{"mandate_id":"m1"}}}}));
        assert_eq!(event.event_name, EventName::NotificationFailed);
        let status = event.content.notification.and_then(|n| n.status);
        assert!(status.is_some_and(|s| s.is_terminal()));
    }

    #[test]
    fn a_txn_webhook_is_read() {
        let event = parse(json!({"event_name":"TXN_CHARGED",
            "content":{"txn":{"txn_id":"t1","status":"CHARGED","txn_amount":99.99}}}));
        let txn = event.content.txn.unwrap();
        assert_eq!(txn.txn_amount, Some(Amount::from_minor(9999, "INR")));
        assert_eq!(txn.status, Some(OrderStatus::Charged));
    }

    #[test]
    fn an_unknown_event_name_is_kept_verbatim() {
        let event =
            parse(json!({"event_name":"MERCHANT_CUSTOMER_LINKED","content":{"other":{}},"x":1}));
        assert_eq!(
            event.event_name,
            EventName::Other("MERCHANT_CUSTOMER_LINKED".to_owned())
        );
        assert_eq!(event.content, WebhookContent::default());
    }

    #[test]
    fn malformed_bodies_give_clear_errors_instead_of_panics() {
        let cases: [&[u8]; 7] = [
            b"",
            b"not json",
            b"[1,2]",
            br#"{"content":{}}"#,
            br#"{"JWT":"eyJ..."}"#,
            br#"{"event_name":"ORDER_SUCCEEDED","content":{"order":{"amount":"abc"}}}"#,
            &[0xff, 0xfe, 0x00],
        ];
        for body in cases {
            let error = parse_webhook(body).unwrap_err();
            assert!(matches!(error, JuspayError::InvalidWebhook(_)), "{error}");
        }
        let missing = parse_webhook(br#"{"content":{}}"#).unwrap_err().to_string();
        assert!(missing.contains("event_name"));
    }

    fn basic(user: &str, pass: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")))
    }

    #[test]
    fn the_configured_basic_credentials_are_accepted() {
        let auth = WebhookAuth::new("juspay", SecretString::from("s3cret:with:colons"));
        assert!(auth.verify(&basic("juspay", "s3cret:with:colons")));
        assert!(auth.verify(&basic("juspay", "s3cret:with:colons").replace("Basic", "basic")));
    }

    #[test]
    fn wrong_or_malformed_basic_credentials_are_refused() {
        let auth = WebhookAuth::new("juspay", SecretString::from("s3cret"));
        assert!(!auth.verify(&basic("juspay", "s3cre")));
        assert!(!auth.verify(&basic("juspay", "s3cret!")));
        assert!(!auth.verify(&basic("juspa", "s3cret")));
        assert!(!auth.verify(&basic("", "")));
        assert!(!auth.verify("Bearer abc"));
        assert!(!auth.verify("Basic %%%"));
        assert!(!auth.verify(&format!("Basic {}", STANDARD.encode("juspays3cret"))));
        assert!(!auth.verify(""));
    }

    #[test]
    fn the_webhook_password_is_not_in_debug_output() {
        let auth = WebhookAuth::new("juspay", SecretString::from("hunter2-secret"));
        assert!(!format!("{auth:?}").contains("hunter2-secret"));
    }

    #[test]
    fn an_unreadable_amount_names_its_field_and_the_event_is_still_identified() {
        let body = br#"{"id":"evt_1","event_name":"ORDER_SUCCEEDED","date_created":"2026-11-23T07:00:00Z",
            "content":{"order":{"order_id":"ord_7","amount":"12,34","txn_detail":{"txn_amount":"1"}}}}"#;
        let error = parse_webhook(body).unwrap_err().to_string();
        assert!(
            error.contains("content.order.amount: invalid amount"),
            "{error}"
        );
        let nested = br#"{"event_name":"ORDER_SUCCEEDED","content":{"order":{"order_id":"o",
            "refunds":[{"amount":"1"},{"amount":"x"}]}}}"#;
        let error = parse_webhook(nested).unwrap_err().to_string();
        assert!(
            error.contains("content.order.refunds.1.amount: invalid amount"),
            "{error}"
        );
        assert_eq!(
            identify_webhook(body),
            WebhookIdentity {
                id: Some("evt_1".into()),
                event_name: Some("ORDER_SUCCEEDED".into()),
                date_created: Some("2026-11-23T07:00:00Z".into()),
                order_id: Some("ord_7".into()),
            }
        );
        assert_eq!(identify_webhook(b"not json"), WebhookIdentity::default());
    }
}

//! JPSL (Jio Payment Solutions, PayPhi stack) server-to-server payment advice: the
//! `secureHash` check and the conservative reading of a callback as an order report
//! (as JioPay's PayPhi payment-advice documentation describes it).
//!
//! Invariants: the hash covers every received top-level field except `secureHash`, values
//! exactly as received, null / empty / boolean `false` dropped, keys in plain byte order,
//! HMAC-SHA256 with the merchant's secret, lowercase hex, compared in constant time; only
//! an unambiguous success (`responseCode` `0000`, and `txnStatus` `SUC` when present) marks
//! an order paid — `invoiceStatus` alone never does (§2.2).
//!
//! Section numbers (§) refer to docs/jpsl.md, the wire format as this project implements it.

use dashboard_status::{AuthVerdict, Outcome};
use std::{collections::BTreeMap, sync::Arc};

use hmac::{Hmac, Mac};
use juspay::OrderStatus;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use tokio::sync::Notify;

use crate::orders::snapshot::JPSL_SOURCE;
use crate::{
    clock::now_millis,
    config::JpslConfig,
    orders::snapshot::OrderReport,
    store::{Store, StoreError},
    webhooks::{
        rejections::RejectionLimiter,
        store::{NewWebhookEvent, StoredWebhook},
    },
};

/// Bytes of a refused callback kept for diagnosis.
const REFUSED_BODY_KEPT: usize = 1024;

/// What the HTTP layer should answer a JPSL callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JpslVerdict {
    /// Verified and stored (or a recorded duplicate): 200.
    Stored(StoredWebhook),
    /// Verified, but for another merchant: stored as rejected, answered 200 so the gateway
    /// stops retrying something that will never be ours (§2.3).
    Foreign,
    /// Wrong or missing `secureHash`, or an unreadable body: stored as rejected, answered
    /// 401 so the gateway retries — a rotated secret can be fixed and nothing is lost.
    Refused,
    /// No secret configured yet: 503, retried later.
    NotConfigured,
}

/// Stores JPSL callbacks in the same table, with the same durability, as Juspay's
/// webhooks; the processor applies them.
pub struct JpslIngestor {
    store: Store,
    config: JpslConfig,
    max_rejected_kept: i64,
    waker: Option<Arc<Notify>>,
    rejections: Arc<RejectionLimiter>,
}

impl JpslIngestor {
    /// `rejections` is the budget of stored refusals per address, shared with the other
    /// doors.
    pub fn new(
        store: Store,
        config: JpslConfig,
        max_rejected_kept: i64,
        rejections: Arc<RejectionLimiter>,
    ) -> Self {
        Self {
            store,
            config,
            max_rejected_kept,
            waker: None,
            rejections,
        }
    }

    pub fn with_waker(mut self, waker: Arc<Notify>) -> Self {
        self.waker = Some(waker);
        self
    }

    /// Verifies and stores one callback sent by `client_ip`; returns after the commit.
    pub async fn ingest(
        &self,
        content_type: &str,
        headers: &[(String, String)],
        body: &[u8],
        client_ip: &str,
    ) -> Result<JpslVerdict, StoreError> {
        let Some(secret) = self
            .config
            .secret
            .as_ref()
            .filter(|_| !self.config.merchant_id.is_empty())
        else {
            return Ok(JpslVerdict::NotConfigured);
        };
        let received_at = now_millis();
        let fields = match parse_callback(content_type, body) {
            Ok(fields) => fields,
            Err(e) => {
                if self.rejections.admit(client_ip, received_at) {
                    self.store_refusal(headers, body, &e.to_string(), received_at)
                        .await?;
                }
                return Ok(JpslVerdict::Refused);
            }
        };
        match verify(&fields, secret) {
            Ok(true) => {}
            Ok(false) | Err(_) => {
                if self.rejections.admit(client_ip, received_at) {
                    self.store_refusal(headers, body, "wrong or missing secureHash", received_at)
                        .await?;
                }
                return Ok(JpslVerdict::Refused);
            }
        }
        let ours =
            text(&fields, "merchantId").as_deref() == Some(self.config.merchant_id.as_str())
                && self.config.aggregator_id.as_ref().is_none_or(|agg| {
                    text(&fields, "aggregatorID").as_deref() == Some(agg.as_str())
                });
        if !ours {
            self.store_refusal(headers, body, "foreign merchant or aggregator", received_at)
                .await?;
            return Ok(JpslVerdict::Foreign);
        }
        let created = text(&fields, "TransmissionDateTime").and_then(|t| parse_compact_time(&t));
        let event = NewWebhookEvent {
            source: JPSL_SOURCE.to_owned(),
            dedup_key: dedup_key(&fields),
            event_id: text(&fields, "txnID"),
            event_name: Some(format!(
                "JPSL_{}",
                text(&fields, "responseCode").unwrap_or_else(|| "ADVICE".to_owned())
            )),
            order_id: order_id_of(&fields),
            auth_verdict: AuthVerdict::Valid,
            received_at,
            event_created_at: created,
            lag_ms: created.map(|c| received_at - c),
            headers: headers_json(headers),
            body: body.to_vec(),
            body_truncated: false,
            outcome: Outcome::Pending,
            outcome_detail: None,
            trace_parent: juspay::trace_context::current_traceparent(),
        };
        let stored = self.store.insert_webhook_event(&event).await?;
        if let Some(waker) = self.waker.as_ref().filter(|_| !stored.duplicate) {
            waker.notify_one();
        }
        Ok(JpslVerdict::Stored(stored))
    }

    async fn store_refusal(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        reason: &str,
        received_at: i64,
    ) -> Result<(), StoreError> {
        tracing::warn!(reason, body_bytes = body.len(), "JPSL callback refused");
        let kept = &body[..body.len().min(REFUSED_BODY_KEPT)];
        let event = NewWebhookEvent {
            source: JPSL_SOURCE.to_owned(),
            dedup_key: format!("rejected:jpsl:{received_at}:{:016x}", rand::random::<u64>()),
            event_id: None,
            event_name: None,
            order_id: None,
            auth_verdict: AuthVerdict::Rejected,
            received_at,
            event_created_at: None,
            lag_ms: None,
            headers: headers_json(headers),
            body: kept.to_vec(),
            body_truncated: kept.len() < body.len(),
            outcome: Outcome::Rejected,
            outcome_detail: Some(reason.to_owned()),
            trace_parent: None,
        };
        self.store.insert_webhook_event(&event).await?;
        self.store
            .prune_rejected_webhooks(self.max_rejected_kept)
            .await?;
        Ok(())
    }
}

/// Headers as a JSON object, cookies removed (JPSL sends no credentials of its own).
fn headers_json(headers: &[(String, String)]) -> String {
    let map: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            let shown = if lower == "cookie" || lower == "authorization" {
                "[removed]".to_owned()
            } else {
                value.clone()
            };
            (lower, Value::String(shown))
        })
        .collect();
    Value::Object(map).to_string()
}

/// `YYYYMMDDHHMMSS` (JPSL's times, India time, +05:30) as UTC epoch milliseconds.
fn parse_compact_time(text: &str) -> Option<i64> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}+05:30",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[8..10],
        &text[10..12],
        &text[12..14]
    );
    crate::clock::parse_juspay_time(&iso)
}

/// A callback's top-level fields as received: JSON scalars, or form values as text.
pub type Fields = BTreeMap<String, Value>;

/// Why a callback body cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("the body is neither a JSON object nor a form")]
    Unreadable,
    #[error("the callback carries no secureHash")]
    MissingHash,
}

/// Reads a JSON object or a form-encoded body.
pub fn parse_callback(content_type: &str, body: &[u8]) -> Result<Fields, CallbackError> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let text = std::str::from_utf8(body).map_err(|_| CallbackError::Unreadable)?;
        let fields: Fields = text
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (form_decode(key), Value::String(form_decode(value)))
            })
            .collect();
        return if fields.is_empty() {
            Err(CallbackError::Unreadable)
        } else {
            Ok(fields)
        };
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map.into_iter().collect()),
        _ => Err(CallbackError::Unreadable),
    }
}

fn form_decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The text a field contributes to the hash, or `None` when it is left out (§1.2, §1.3).
fn hashed_text(value: &Value) -> Option<String> {
    match value {
        Value::Null | Value::Bool(false) => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(true) => Some("true".to_owned()),
        Value::Number(n) => Some(n.to_string()),
        nested => Some(nested.to_string()),
    }
}

/// The `secureHash` of `fields` under `secret`.
pub fn secure_hash(fields: &Fields, secret: &SecretString) -> String {
    // BTreeMap iterates keys in byte order: `TransmissionDateTime` before `acqName`.
    let message: String = fields
        .iter()
        .filter(|(key, _)| key.as_str() != "secureHash")
        .filter_map(|(_, value)| hashed_text(value))
        .collect();
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) else {
        return String::new();
    };
    mac.update(message.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks the callback's own `secureHash`, in constant time.
pub fn verify(fields: &Fields, secret: &SecretString) -> Result<bool, CallbackError> {
    let presented = fields
        .get("secureHash")
        .and_then(Value::as_str)
        .ok_or(CallbackError::MissingHash)?
        .to_ascii_lowercase();
    let expected = secure_hash(fields, secret);
    Ok(bool::from(presented.as_bytes().ct_eq(expected.as_bytes())))
}

/// A field as text (strings as they are, numbers printed), `None` when absent or empty.
pub fn text(fields: &Fields, key: &str) -> Option<String> {
    match fields.get(key)? {
        // NUL as U+FFFD: PostgreSQL's text type cannot store it.
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().replace('\0', "\u{FFFD}")),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The merchant's order this callback is about: `merchantTxnNo`, else `invoiceNo`.
pub fn order_id_of(fields: &Fields) -> Option<String> {
    text(fields, "merchantTxnNo").or_else(|| text(fields, "invoiceNo"))
}

/// Dedup key: the same merchant, transaction, payment and outcome is one event.
pub fn dedup_key(fields: &Fields) -> String {
    let part = |k: &str| text(fields, k).unwrap_or_default();
    format!(
        "jpsl:{}:{}:{}:{}{}",
        part("merchantId"),
        part("txnID"),
        part("paymentID"),
        part("responseCode"),
        part("txnStatus"),
    )
}

/// Maps the outcome fields onto a Juspay status, conservatively (§2.2): only `0000`
/// (with `txnStatus` `SUC` when present) is a payment; known pending codes are pending;
/// known refusals fail; anything else is kept verbatim as an unknown status, which never
/// overrides an outcome.
pub fn status_of(fields: &Fields) -> OrderStatus {
    let code = text(fields, "responseCode")
        .unwrap_or_default()
        .to_ascii_uppercase();
    let txn = text(fields, "txnStatus").map(|s| s.to_ascii_uppercase());
    match (code.as_str(), txn.as_deref()) {
        ("0000" | "000", None | Some("SUC")) => OrderStatus::Charged,
        (_, Some("REJ")) | ("039" | "REJ", _) => OrderStatus::AuthorizationFailed,
        ("P0020", _) => OrderStatus::AuthenticationFailed,
        ("R1000" | "P0030" | "U1000" | "REQ", _) | (_, Some("REQ")) => OrderStatus::PendingVbv,
        ("", _) => OrderStatus::Other("JPSL_UNCONFIRMED".to_owned()),
        (other, _) => OrderStatus::Other(format!("JPSL_{other}")),
    }
}

/// The callback as an order report (source JPSL; amounts in minor units).
pub fn report_of(fields: &Fields) -> Option<OrderReport> {
    let order_id = order_id_of(fields)?;
    // JioPay settles in rupees only (docs/jpsl.md).
    let amount = text(fields, "amount").and_then(|a| crate::money::parse_major(&a, "INR"));
    let instrument = text(fields, "paymentInstId");
    Some(OrderReport {
        order_id,
        source: Some(JPSL_SOURCE.to_owned()),
        status: Some(status_of(fields)),
        amount,
        currency: Some("INR".to_owned()),
        customer_email: text(fields, "customerEmailID").map(|e| e.to_lowercase()),
        customer_phone: text(fields, "customerMobileNo"),
        payment_method_type: text(fields, "paymentMode").map(|m| m.to_ascii_uppercase()),
        payment_method: text(fields, "paymentSubInstType"),
        card_brand: text(fields, "cardNetwork"),
        card_last_four: instrument.as_deref().filter(|i| !i.contains('@')).map(|i| {
            i.chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect()
        }),
        payer_vpa: instrument.filter(|i| i.contains('@')),
        gateway: text(fields, "acqName").or_else(|| Some("JPSL".to_owned())),
        txn_id: text(fields, "txnID"),
        gateway_reference_id: text(fields, "paymentID"),
        error_code: text(fields, "responseCode").filter(|c| c != "0000"),
        error_message: text(fields, "respDescription"),
        udfs: [
            ("addlParam1", "udf1"),
            ("addlParam2", "udf2"),
            ("invoiceNo", "invoice_no"),
        ]
        .into_iter()
        .filter_map(|(from, to)| text(fields, from).map(|v| (to.to_owned(), v)))
        .collect(),
        ..OrderReport::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Fields {
        value.as_object().unwrap().clone().into_iter().collect()
    }

    fn abc() -> SecretString {
        SecretString::from("abc")
    }

    #[test]
    fn the_published_gateway_vector_reproduces_its_hash() {
        let tv1 = fields(
            json!({"responseCode":"R1000","merchantId":"T_70002","aggregatorID":null,
            "merchantTxnNo":"TEST8203808038",
            "redirectURI":"https://qa.phicommerce.com/pg/api/v2/authRedirect",
            "showOTPCapturePage":"N","generateOTPURI":null,"verifyOTPURI":null,
            "authorizeURI":null,"tranCtx":"R6f25b783-24f0-42b8-bc2d-ff97669cf871",
            "secureHash":"52f2a2c024a0393462e19f98cb7aa7518cd4a6d4312d0be65007c8f3f1cdb1d8"}),
        );
        assert_eq!(
            secure_hash(&tv1, &abc()),
            "52f2a2c024a0393462e19f98cb7aa7518cd4a6d4312d0be65007c8f3f1cdb1d8"
        );
        assert_eq!(verify(&tv1, &abc()), Ok(true));
        assert_eq!(verify(&tv1, &SecretString::from("abd")), Ok(false));
    }

    #[test]
    fn the_request_example_hashes_every_field() {
        let tv2 = fields(
            json!({"amount":"100","requestType":"UPIQR","currency":"365",
            "emailID":"test@jiopay.in","merchantId":"JP2001100060811",
            "merchantRefNo":"TEST4828245774","customerID":"9876543210"}),
        );
        assert_eq!(
            secure_hash(&tv2, &abc()),
            "889ec4db15bea86a934e55b66e3b0d8e0bdcca86636edf04c817427c5054641e"
        );
    }

    #[test]
    fn keys_sort_in_byte_order_and_empty_null_and_false_values_are_skipped() {
        let base =
            fields(json!({"acqName":"PayPhi","TransmissionDateTime":"2025","amount":"1.00"}));
        let mut noisy = base.clone();
        noisy.insert("userID".into(), Value::Null);
        noisy.insert("addlParam2".into(), json!(""));
        noisy.insert("oth_charge".into(), json!(false));
        assert_eq!(secure_hash(&noisy, &abc()), secure_hash(&base, &abc()));
        // TransmissionDateTime (capital T) comes first: "2025" + "PayPhi" + "1.00".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"abc").unwrap();
        mac.update(b"2025PayPhi1.00");
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(secure_hash(&base, &abc()), expected);
        let mut extra = base.clone();
        extra.insert("newField".into(), json!("x"));
        assert_ne!(
            secure_hash(&extra, &abc()),
            secure_hash(&base, &abc()),
            "unknown fields count"
        );
    }

    #[test]
    fn json_and_form_bodies_read_the_same_fields() {
        let json_body = br#"{"amount":"1.00","merchantId":"JP1","paymentInstId":"a b@upi"}"#;
        let form_body = b"amount=1.00&merchantId=JP1&paymentInstId=a+b%40upi";
        let from_json = parse_callback("application/json", json_body).unwrap();
        let from_form = parse_callback("application/x-www-form-urlencoded", form_body).unwrap();
        assert_eq!(from_json, from_form);
        assert_eq!(
            parse_callback("application/json", b"[1]"),
            Err(CallbackError::Unreadable)
        );
    }

    #[test]
    fn only_an_unambiguous_success_counts_as_paid() {
        let with = |v: Value| status_of(&fields(v));
        assert_eq!(with(json!({"responseCode":"0000"})), OrderStatus::Charged);
        assert_eq!(
            with(json!({"responseCode":"0000","txnStatus":"SUC"})),
            OrderStatus::Charged
        );
        assert_eq!(
            with(json!({"responseCode":"0000","txnStatus":"REQ"})),
            OrderStatus::PendingVbv
        );
        assert_eq!(
            with(json!({"responseCode":"039"})),
            OrderStatus::AuthorizationFailed
        );
        assert_eq!(
            with(json!({"responseCode":"P0020"})),
            OrderStatus::AuthenticationFailed
        );
        assert_eq!(
            with(json!({"invoiceStatus":"Paid"})),
            OrderStatus::Other("JPSL_UNCONFIRMED".into()),
            "invoiceStatus alone never marks paid"
        );
        assert!(matches!(
            with(json!({"responseCode":"X9"})),
            OrderStatus::Other(_)
        ));
    }

    #[test]
    fn the_seed_callback_reads_as_an_order_report() {
        let seed = fields(
            json!({"acqName":"PayPhi","TransmissionDateTime":"20241018134237",
            "paymentInstId":"6XXX XXXX XXXX 3677","cardNetwork":"RuPay","paymentSubInstType":"DC",
            "paymentMode":"Card","amount":"100.00","responseCode":"0000",
            "respDescription":"Transaction successful","merchantId":"JP2001100060874",
            "merchantTxnNo":"Test4916110172","txnID":"7700204186825","paymentID":"55529451079"}),
        );
        let report = report_of(&seed).unwrap();
        assert_eq!(report.order_id, "Test4916110172");
        assert_eq!(report.amount, Some(10_000));
        assert_eq!(report.status, Some(OrderStatus::Charged));
        assert_eq!(report.card_last_four.as_deref(), Some("3677"));
        assert_eq!(report.card_brand.as_deref(), Some("RuPay"));
        assert_eq!(report.source.as_deref(), Some("jpsl"));
        assert_eq!(
            dedup_key(&seed),
            "jpsl:JP2001100060874:7700204186825:55529451079:0000"
        );
    }

    fn signed_body(mut fields: Fields, secret: &str) -> Vec<u8> {
        let hash = secure_hash(&fields, &SecretString::from(secret));
        fields.insert("secureHash".into(), Value::String(hash));
        serde_json::to_vec(&fields).unwrap()
    }

    fn advice(merchant: &str) -> Fields {
        fields(
            json!({"merchantId": merchant, "merchantTxnNo": "ord_7", "txnID": "77",
            "paymentID": "55", "amount": "10.00", "responseCode": "0000", "userID": null,
            "TransmissionDateTime": "20241018134237"}),
        )
    }

    fn ingestor(store: Store) -> JpslIngestor {
        JpslIngestor::new(
            store,
            JpslConfig {
                merchant_id: "JP1".into(),
                aggregator_id: None,
                secret: Some(SecretString::from("s3cret")),
            },
            5,
            Arc::new(RejectionLimiter::new(10)),
        )
    }

    crate::test_on_both_backends! {
        async fn callbacks_are_stored_by_verdict_and_duplicates_counted(db) {
            let store = db.store();
            let jpsl = ingestor(store.clone());
            let good = signed_body(advice("JP1"), "s3cret");
            let Ok(JpslVerdict::Stored(first)) = jpsl.ingest("application/json", &[], &good, "127.0.0.1").await else {
                panic!("a signed callback is stored");
            };
            assert!(!first.duplicate);
            let Ok(JpslVerdict::Stored(again)) = jpsl.ingest("application/json", &[], &good, "127.0.0.1").await else {
                panic!("a repeat is acknowledged");
            };
            assert!(again.duplicate && again.id == first.id, "recorded, not stored twice");
            let event = store.find_webhook_event(first.id).await.unwrap().unwrap();
            assert_eq!((event.source.as_str(), event.order_id.as_deref()), ("jpsl", Some("ord_7")));
            assert!(event.event_created_at.is_some(), "TransmissionDateTime read (IST)");

            let forged = signed_body(advice("JP1"), "guess");
            assert_eq!(jpsl.ingest("application/json", &[], &forged, "127.0.0.1").await.unwrap(), JpslVerdict::Refused);
            let foreign = signed_body(advice("JP9"), "s3cret");
            assert_eq!(jpsl.ingest("application/json", &[], &foreign, "127.0.0.1").await.unwrap(), JpslVerdict::Foreign);
            assert_eq!(jpsl.ingest("application/json", &[], b"{oops", "127.0.0.1").await.unwrap(), JpslVerdict::Refused);
            let filter = crate::webhooks::store::WebhookFilter {
                auth_verdict: Some("rejected".into()),
                ..Default::default()
            };
            let rejected = store.list_webhook_events(&filter, 10).await.unwrap();
            let reasons: Vec<_> = rejected.iter().filter_map(|e| e.outcome_detail.clone()).collect();
            assert_eq!(reasons.len(), 3);
            assert!(reasons.iter().any(|r| r.contains("secureHash")));
            assert!(reasons.iter().any(|r| r.contains("foreign")));
        }
    }
}

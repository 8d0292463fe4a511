//! Refunds: the `POST /orders/{id}/refunds` request (§6.1) and the refund object (§6.3).
//!
//! Invariant: `unique_request_id` is always sent — it is Juspay's idempotency key, so a
//! retried refund after a timeout cannot pay out twice.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use serde::Deserialize;

use crate::encoding::{Fields, push};
use crate::lenient;
use crate::money::{Amount, opt_amount};
pub use dashboard_status::RefundStatus;

/// Body of `POST /orders/{order_id}/refunds` (§6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// Idempotency key, fewer than 21 characters, never reused for a different refund.
    pub unique_request_id: String,
    /// Amount to refund; `None` refunds the order entirely (§6.1).
    pub amount: Option<Amount>,
    /// Customer id for the `x-routing-id` header (§2.3), when known.
    pub routing_id: Option<String>,
}

impl RefundRequest {
    /// A refund of `amount` under the idempotency key `unique_request_id`.
    pub fn new(unique_request_id: impl Into<String>, amount: Option<Amount>) -> Self {
        Self {
            unique_request_id: unique_request_id.into(),
            amount,
            routing_id: None,
        }
    }

    pub(crate) fn to_fields(&self) -> Fields {
        let mut fields = Fields::new();
        push(
            &mut fields,
            "unique_request_id",
            self.unique_request_id.as_str(),
        );
        if let Some(amount) = self.amount {
            push(&mut fields, "amount", amount.to_major_string());
        }
        fields
    }
}

/// One entry of an order's `refunds[]` (§6.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Refund {
    /// Often equal to `unique_request_id`; may be `null` while pending.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub unique_request_id: Option<String>,
    /// Gateway refund reference, e.g. `rfnd_…`.
    #[serde(default, rename = "ref", deserialize_with = "lenient::opt_string")]
    pub reference: Option<String>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub amount: Option<Amount>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub status: Option<RefundStatus>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub created: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_updated: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub sent_to_gateway: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub initiated_by: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub refund_source: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub refund_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub expected_refund_credit_time: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub arn: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_fresh_pending_refund_with_nulls_is_read() {
        let refund: Refund = serde_json::from_value(json!({"unique_request_id":"TEST1637681731",
            "status":"PENDING","sent_to_gateway":false,"refund_type":"STANDARD","ref":null,
            "id":null,"error_code":null,"created":"2021-11-23T15:35:32Z","amount":1}))
        .unwrap();
        assert_eq!(refund.status, Some(RefundStatus::Pending));
        assert_eq!(refund.amount, Some(Amount::from_minor(100, "INR")));
        assert_eq!((refund.id, refund.reference), (None, None));
        assert_eq!(refund.sent_to_gateway, Some(false));
    }

    #[test]
    fn an_unknown_refund_status_is_kept_and_not_terminal() {
        let refund: Refund = serde_json::from_value(json!({"status": "PG_PROCESSING"})).unwrap();
        let status = refund.status.unwrap();
        assert_eq!(status, RefundStatus::Other("PG_PROCESSING".to_owned()));
        assert!(!status.is_terminal());
        assert!(RefundStatus::Failure.is_terminal() && !RefundStatus::Failure.is_success());
    }

    #[test]
    fn a_full_refund_sends_no_amount() {
        let full = RefundRequest::new("r1", None).to_fields();
        assert_eq!(
            full,
            vec![("unique_request_id".to_owned(), "r1".to_owned())]
        );
        let partial = RefundRequest::new("r2", Some(Amount::from_minor(5, "INR"))).to_fields();
        assert!(partial.contains(&("amount".to_owned(), "0.05".to_owned())));
    }
}

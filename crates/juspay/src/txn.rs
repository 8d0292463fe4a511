//! Transactions: mandate execution through `POST /txns` (§5.1, §7.3) and pre-auth
//! capture/void bodies (§5.3).
//!
//! Invariant: order fields of a `/txns` call carry the `order.` prefix, and `format=json`
//! is always sent because without it Juspay answers with a 302 to the bank page (§5.1).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use serde::Deserialize;

use crate::encoding::{Fields, push, push_opt};
use crate::lenient;
use crate::money::Amount;
use dashboard_status::OrderStatus;

/// Mandate execution (debit) request for `POST /txns` (§7.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandateExecutionRequest {
    /// A new, unique order id for every execution.
    pub order_id: String,
    pub amount: Amount,
    pub currency: Option<String>,
    /// Also used as `x-routing-id` (§2.3).
    pub customer_id: String,
    pub mandate_id: String,
    /// From a decoupled pre-debit notification.
    pub notification_id: Option<String>,
    /// Epoch seconds; Juspay defaults to the 25th hour after notification.
    pub execution_date: Option<i64>,
    pub webhook_url: Option<String>,
    /// Further flat fields passed through verbatim.
    pub extra: Vec<(String, String)>,
}

impl MandateExecutionRequest {
    /// An execution with the required fields.
    pub fn new(
        order_id: impl Into<String>,
        amount: Amount,
        customer_id: impl Into<String>,
        mandate_id: impl Into<String>,
    ) -> Self {
        Self {
            order_id: order_id.into(),
            amount,
            currency: None,
            customer_id: customer_id.into(),
            mandate_id: mandate_id.into(),
            notification_id: None,
            execution_date: None,
            webhook_url: None,
            extra: Vec::new(),
        }
    }

    pub(crate) fn to_fields(&self, merchant_id: &str) -> Fields {
        let mut fields = Fields::new();
        push(&mut fields, "order.order_id", self.order_id.as_str());
        push(&mut fields, "order.amount", self.amount.to_major_string());
        push_opt(&mut fields, "order.currency", self.currency.as_deref());
        push(&mut fields, "order.customer_id", self.customer_id.as_str());
        push_opt(
            &mut fields,
            "order.metadata.webhook_url",
            self.webhook_url.as_deref(),
        );
        push(&mut fields, "mandate_id", self.mandate_id.as_str());
        push(&mut fields, "merchant_id", merchant_id);
        push(&mut fields, "format", "json");
        push_opt(
            &mut fields,
            "mandate.notification_id",
            self.notification_id.as_deref(),
        );
        if let Some(date) = self.execution_date {
            push(&mut fields, "mandate.execution_date", date.to_string());
        }
        fields.extend(self.extra.iter().cloned());
        fields
    }
}

/// `payment.authentication` of a txn answer (§5.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Authentication {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub method: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_json")]
    pub params: Option<serde_json::Value>,
}

/// `payment` block of a txn answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TxnPayment {
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub authentication: Option<Authentication>,
}

/// Answer of `POST /txns` (§5.1); mandate executions usually start as `PENDING_VBV`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TxnResponse {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub txn_uuid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_from_text")]
    pub status: Option<OrderStatus>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub payment: Option<TxnPayment>,
}

/// JSON body of `POST /v2/txns/{txn_uuid}/capture` or `/void` (§5.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureRequest {
    /// Partial capture amount; `None` captures the authorised amount.
    pub amount: Option<Amount>,
    /// Required with a partial amount so a retried capture is not applied twice.
    pub idempotence_key: Option<String>,
}

impl CaptureRequest {
    pub(crate) fn to_fields(&self) -> Fields {
        let mut fields = Fields::new();
        if let Some(amount) = self.amount {
            push(&mut fields, "amount", amount.to_major_string());
        }
        push_opt(
            &mut fields,
            "idempotence_key",
            self.idempotence_key.as_deref(),
        );
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_mandate_execution_prefixes_order_fields_and_asks_for_json() {
        let mut request = MandateExecutionRequest::new(
            "exec-1",
            Amount::from_minor(49_900, "INR"),
            "cst_1",
            "m_1",
        );
        request.execution_date = Some(1_700_000_000);
        let fields = request.to_fields("merch");
        let get = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("order.order_id"), Some("exec-1"));
        assert_eq!(get("order.amount"), Some("499.00"));
        assert_eq!(get("order.customer_id"), Some("cst_1"));
        assert_eq!(get("mandate_id"), Some("m_1"));
        assert_eq!(get("merchant_id"), Some("merch"));
        assert_eq!(get("format"), Some("json"));
        assert_eq!(get("mandate.execution_date"), Some("1700000000"));
        assert_eq!(get("order_id"), None);
    }

    #[test]
    fn a_txn_answer_with_an_authentication_url_is_read() {
        let txn: TxnResponse =
            serde_json::from_value(json!({"order_id":"ord_1","txn_id":"mid-ord_1-1",
            "txn_uuid":"eulmN9X8JpeC7qK6AJq","status":"PENDING_VBV",
            "payment":{"authentication":{"method":"GET","url":"https://x/v2/pay/finish"}},
            "offer_details":{"offers":[]}}))
            .unwrap();
        assert_eq!(txn.status, Some(OrderStatus::PendingVbv));
        let auth = txn.payment.and_then(|p| p.authentication).unwrap();
        assert_eq!(auth.url.as_deref(), Some("https://x/v2/pay/finish"));
    }
}

//! Chargebacks (disputes) as Juspay sends them: `content.chargeback` of the eight
//! `CHARGEBACK_*` webhooks, and `chargebacks[]` of an order object (§9.5).
//!
//! No public sample of the payload exists. The fields follow Juspay's own `ChargebackV1`
//! schema (id, amount, object reference id, txn, dates, status, reason) and are read in
//! snake_case or camelCase; everything but the id may be absent, and the caller keeps the
//! raw JSON. Section numbers (§) refer to docs/juspay.md.

use dashboard_status::{DisputeStage, DisputeStatus};
use serde::{Deserialize, Serialize};

use crate::{
    lenient,
    money::{Amount, opt_amount},
};

/// One chargeback. Serialises back in snake_case (what is kept of one read from an
/// order object, where its raw JSON is not at hand).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Chargeback {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "opt_amount")]
    pub amount: Option<Amount>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    /// The merchant's order id.
    #[serde(
        default,
        alias = "objectReferenceId",
        deserialize_with = "lenient::opt_string"
    )]
    pub object_reference_id: Option<String>,
    #[serde(
        default,
        alias = "chargebackStatus",
        deserialize_with = "lenient::opt_from_text"
    )]
    pub chargeback_status: Option<DisputeStatus>,
    /// `PRE_DISPUTE`, `DISPUTE`, `PRE_ARBITRATION` or `ARBITRATION`, when Juspay says.
    #[serde(
        default,
        alias = "dispute_stage",
        alias = "disputeStage",
        deserialize_with = "lenient::opt_from_text"
    )]
    pub stage: Option<DisputeStage>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub reason: Option<String>,
    #[serde(
        default,
        alias = "dateCreated",
        deserialize_with = "lenient::opt_string"
    )]
    pub date_created: Option<String>,
    #[serde(
        default,
        alias = "lastUpdated",
        deserialize_with = "lenient::opt_string"
    )]
    pub last_updated: Option<String>,
    #[serde(
        default,
        alias = "dateResolved",
        deserialize_with = "lenient::opt_string"
    )]
    pub date_resolved: Option<String>,
    /// When a response is due, if Juspay says.
    #[serde(default, alias = "respondBy", deserialize_with = "lenient::opt_string")]
    pub respond_by: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub txn: Option<ChargebackTxn>,
}

/// The transaction a chargeback is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ChargebackTxn {
    #[serde(default, alias = "txnId", deserialize_with = "lenient::opt_string")]
    pub txn_id: Option<String>,
    #[serde(default, alias = "orderId", deserialize_with = "lenient::opt_string")]
    pub order_id: Option<String>,
    #[serde(default, alias = "txnUuid", deserialize_with = "lenient::opt_string")]
    pub txn_uuid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub gateway: Option<String>,
}

impl Chargeback {
    /// The merchant order it is about: the object reference, else the txn's order.
    pub fn order_id(&self) -> Option<&str> {
        self.object_reference_id
            .as_deref()
            .or_else(|| self.txn.as_ref().and_then(|t| t.order_id.as_deref()))
            .filter(|id| !id.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_chargeback_is_read_in_snake_or_camel_case_with_its_order_from_either_place() {
        let snake: Chargeback = serde_json::from_value(json!({
            "id": "cb_1", "amount": 10.5, "currency": "INR", "object_reference_id": "ord_1",
            "chargeback_status": "received", "reason": "fraud", "date_created": "2026-12-01T10:00:00Z",
            "respond_by": "2026-12-08T10:00:00Z", "txn": {"txn_id": "m-ord_1-1", "gateway": "PAYU"}
        }))
        .unwrap();
        assert_eq!(snake.order_id(), Some("ord_1"));
        assert_eq!(snake.chargeback_status, Some(DisputeStatus::Received));
        assert_eq!(snake.amount, Some(Amount::from_minor(1050, "INR")));
        let camel: Chargeback = serde_json::from_value(json!({
            "id": "cb_2", "chargebackStatus": "UNDER_REVIEW", "dateResolved": null,
            "txn": {"orderId": "ord_2", "txnUuid": "u"}
        }))
        .unwrap();
        assert_eq!(camel.order_id(), Some("ord_2"));
        assert_eq!(camel.chargeback_status, Some(DisputeStatus::UnderReview));
        let staged: Chargeback =
            serde_json::from_value(json!({"id": "cb_3", "disputeStage": "pre_arbitration"}))
                .unwrap();
        assert_eq!(staged.stage, Some(DisputeStage::PreArbitration));
    }
}

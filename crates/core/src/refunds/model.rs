//! A refund as the product holds it: one field per column of `refunds`.

use dashboard_status::{RefundRequestState, RefundStatus};
use serde::{Deserialize, Serialize};

/// A stored refund (columns of `refunds`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct RefundRow {
    pub unique_request_id: String,
    pub order_id: String,
    pub juspay_refund_id: Option<String>,
    pub reference: Option<String>,
    pub arn: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub status: RefundStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub initiated_by: Option<String>,
    pub request_state: Option<RefundRequestState>,
    pub reason: Option<String>,
    pub requested_by: Option<String>,
    pub attempts: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub confirmed_at: Option<i64>,
    pub confirmed_via: Option<String>,
}

/// What a refund's `initiated_by` is set to when it first reaches us through an
/// `AUTO_REFUND_*` event and Juspay's object names no initiator.
pub const AUTO_REFUND_INITIATOR: &str = "AUTO_REFUND";

impl RefundRow {
    /// Who started the refund, for people: a staff member here, Juspay on its own (an
    /// auto-refund), or someone outside the dashboard (Juspay's dashboard, the API).
    pub fn started_by(&self) -> String {
        match (&self.requested_by, &self.initiated_by) {
            (Some(user), _) => format!("dashboard ({user})"),
            (None, Some(by)) if by.to_ascii_uppercase().contains("AUTO") => {
                "Juspay (auto-refund)".to_owned()
            }
            (None, Some(by)) => format!("outside the dashboard ({by})"),
            (None, None) => "outside the dashboard".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refund_names_who_started_it() {
        let row = |requested: Option<&str>, initiated: Option<&str>| RefundRow {
            requested_by: requested.map(str::to_owned),
            initiated_by: initiated.map(str::to_owned),
            ..RefundRow::default()
        };
        assert_eq!(
            row(Some("ana"), Some("API")).started_by(),
            "dashboard (ana)"
        );
        assert_eq!(
            row(None, Some(AUTO_REFUND_INITIATOR)).started_by(),
            "Juspay (auto-refund)"
        );
        assert_eq!(
            row(None, Some("API")).started_by(),
            "outside the dashboard (API)"
        );
    }
}

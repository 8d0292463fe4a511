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

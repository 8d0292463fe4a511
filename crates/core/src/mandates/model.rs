//! A mandate as the product holds it: one field per column of `mandates`.

use dashboard_status::MandateStatus;
use serde::{Deserialize, Serialize};

/// A stored mandate (columns of `mandates`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct MandateRow {
    pub mandate_id: String,
    pub order_id: Option<String>,
    pub customer_id: Option<String>,
    pub status: MandateStatus,
    pub mandate_type: Option<String>,
    pub frequency: Option<String>,
    pub amount_rule: Option<String>,
    pub max_amount: Option<i64>,
    pub currency: Option<String>,
    pub start_date: Option<i64>,
    pub end_date: Option<i64>,
    pub rule_type: Option<String>,
    pub rule_value: Option<i64>,
    pub revokable_by_customer: Option<bool>,
    pub block_fund: Option<bool>,
    pub payment_method_type: Option<String>,
    pub payment_method: Option<String>,
    pub payer_vpa: Option<String>,
    pub status_reported_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub confirmed_at: Option<i64>,
    pub confirmed_via: Option<String>,
}

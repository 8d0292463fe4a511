//! An order as the product holds it: one field per column of `orders`.

use dashboard_status::OrderStatus;
use serde::{Deserialize, Serialize};

/// A stored order (columns of `orders`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrderRow {
    pub order_id: String,
    pub source: String,
    pub juspay_id: Option<String>,
    pub status: OrderStatus,
    pub status_id: Option<i64>,
    pub amount: i64,
    pub currency: String,
    pub amount_refunded: i64,
    /// What a partial capture collected of the held `amount`; `None` when it is the whole.
    pub amount_captured: Option<i64>,
    pub customer_id: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub description: Option<String>,
    pub payment_link: Option<String>,
    pub payment_method_type: Option<String>,
    pub payment_method: Option<String>,
    pub auth_type: Option<String>,
    pub card_brand: Option<String>,
    pub card_last_four: Option<String>,
    pub payer_vpa: Option<String>,
    pub gateway: Option<String>,
    pub gateway_id: Option<i64>,
    pub gateway_reference_id: Option<String>,
    pub txn_id: Option<String>,
    pub txn_uuid: Option<String>,
    pub epg_txn_id: Option<String>,
    pub rrn: Option<String>,
    pub auth_id_code: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub udfs: String,
    pub amount_mismatch: Option<String>,
    pub juspay_created_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub confirmed_at: Option<i64>,
    pub confirmed_via: Option<String>,
    pub paid_at: Option<i64>,
    pub paid_via: Option<String>,
    pub terminal_at: Option<i64>,
    pub next_check_at: Option<i64>,
    pub check_count: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub stale_at: Option<i64>,
}

impl OrderRow {
    /// What the payment collected: the partial capture when there was one, else the
    /// order's amount. Refunds are capped by it.
    pub fn collected(&self) -> i64 {
        self.amount_captured.unwrap_or(self.amount)
    }
}

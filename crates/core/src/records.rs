//! Orders, refunds and mandates as the product holds them: the model that the snapshot
//! rules plan on and the store persists (one field per column of `orders`, `refunds` and
//! `mandates`).
//!
//! Invariant: this module depends on nothing else in the crate, so rules and storage can
//! both depend on it without depending on each other.

use dashboard_status::{MandateStatus, OrderStatus, RefundRequestState, RefundStatus};
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

//! What the order page shows, as the browser receives it: shared by the server function
//! that loads an order and the pure builder that assembles it (`order_detail`), so neither
//! depends on the other.

use dashboard_status::{DisputeDecision, DisputeStatus, OrderGroup, OrderStatus, RefundStatus};
use serde::{Deserialize, Serialize};

/// One entry of an order's merged timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: String,
    /// `created`, `webhook`, `poll`, `sync`, `action`, `staff`, `refund`.
    pub kind: String,
    pub title: String,
    pub detail: Option<String>,
    pub trace_id: Option<String>,
    pub link: Option<String>,
}

/// One answer of the production debugging checklist (did the payment reach a final state,
/// did a webhook arrive and authenticate, do the amounts match, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckItem {
    pub question: String,
    pub answer: String,
    /// `Some(false)` marks an answer that needs attention.
    pub ok: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    pub unique_request_id: String,
    pub amount: String,
    pub status: RefundStatus,
    pub created: String,
    /// A staff member here, Juspay on its own (auto-refund), or someone outside.
    pub started_by: String,
    /// The acquirer reference number a customer's bank asks for, once Juspay has it.
    pub arn: Option<String>,
}

/// A dispute of the order, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeLine {
    pub dispute_id: String,
    pub amount: String,
    pub status: DisputeStatus,
    pub respond_by: Option<String>,
    pub decision: Option<DisputeDecision>,
}

/// Everything the order page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub order_id: String,
    pub status: OrderStatus,
    pub group: OrderGroup,
    pub meaning: String,
    pub action: String,
    pub amount: String,
    pub refunded: String,
    /// Facts shown as label → value, in order; absent values are left out.
    pub payment: Vec<(String, String)>,
    pub customer: Vec<(String, String)>,
    pub references: Vec<(String, String)>,
    pub udfs: Vec<(String, String)>,
    pub amount_mismatch: Option<String>,
    pub payment_link: Option<String>,
    pub checklist: Vec<CheckItem>,
    pub timeline: Vec<TimelineEntry>,
    pub refunds: Vec<RefundLine>,
    pub disputes: Vec<DisputeLine>,
    /// Operator or admin: may sync.
    pub can_act: bool,
    /// Not yet attempted: amount and udfs may still change.
    pub can_update: bool,
    /// A refund form for operators on a paid order: its fresh idempotency key and the
    /// refundable balance (major units) as the default amount.
    pub refund_form: Option<RefundFormView>,
    pub capture_form: Option<CaptureFormView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundFormView {
    pub unique_request_id: String,
    pub refundable: String,
    pub currency: String,
    /// Refunds above this (same currency) need the user's identity confirmed again.
    pub step_up_above: String,
}

/// The capture and void forms of an authorised order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureFormView {
    /// Minted when the form is rendered: the same capture whatever is submitted again.
    pub idempotence_key: String,
    /// The held amount, in the currency's decimals.
    pub authorized: String,
    pub currency: String,
    /// "Capture or void today": the hold is older than six days.
    pub expiring: bool,
    /// Captures above this (same currency) need the user's identity confirmed again.
    pub step_up_above: String,
}

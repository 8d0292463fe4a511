//! What Juspay reported about an order, a refund or a mandate, from whichever source —
//! webhook, status poll, manual sync or an action's response — and the pure decision of
//! what that report does to our stored row: every source changes state through this one path.
//!
//! Invariants: a status only moves as [`crate::order_state`] allows; an order is marked
//! paid only when Juspay's amount and currency equal ours; the amount we hold changes only
//! on creation or through our own action (an update before payment); amounts are minor
//! units. The functions here do no I/O, so the decision is tested exhaustively and a dry
//! run shows exactly what applying would do.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

mod mandate;
mod order;
mod refund;
#[cfg(test)]
mod tests;

use dashboard_status::Outcome;
use serde::{Deserialize, Serialize};

pub use mandate::{MandatePlan, MandateReport, plan_mandate};
pub use order::{OrderPlan, OrderReport, plan_order};
pub use refund::{RefundPlan, RefundReport, plan_refund};

use crate::order_state::{AmountMismatch, IgnoreReason};

/// Juspay defaults an order's currency to INR (§4.1).
pub(crate) const DEFAULT_CURRENCY: &str = "INR";

/// How a report reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Via {
    Webhook,
    Poll,
    Sync,
    Action,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Poll => "poll",
            Self::Sync => "sync",
            Self::Action => "action",
        }
    }
}

/// What a report does to a stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The row did not exist and was created from the report.
    Created,
    /// The report changed the row.
    Applied,
    /// The report confirms what we hold; nothing but the confirmation time changes.
    Unchanged,
    /// The report's status is not applied (late, contradictory or unknown after an outcome).
    Ignored(IgnoreReason),
    /// Juspay reported a payment whose amount or currency differs from ours: flagged, the
    /// order is not marked paid.
    AmountMismatch(AmountMismatch),
}

impl Effect {
    /// The outcome stored on webhook events and timeline entries.
    pub fn outcome(&self) -> Outcome {
        match self {
            Self::Created => Outcome::Created,
            Self::Applied => Outcome::Applied,
            Self::Unchanged => Outcome::Duplicate,
            Self::Ignored(_) => Outcome::Stale,
            Self::AmountMismatch(_) => Outcome::AmountMismatch,
        }
    }

    /// A sentence for people, or `None` when the outcome says it all.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Ignored(IgnoreReason::Stale) => {
                Some("an earlier status than the one we hold (arrived late)".to_owned())
            }
            Self::Ignored(IgnoreReason::Conflicting) => {
                Some("contradicts the outcome we hold; kept ours".to_owned())
            }
            Self::Ignored(IgnoreReason::Unknown) => {
                Some("unknown status after an outcome; kept ours".to_owned())
            }
            Self::AmountMismatch(mismatch) => Some(mismatch.to_string()),
            _ => None,
        }
    }
}

/// Why a report cannot be applied at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("the order is not known here and the report carries no amount to create it with")]
    UnknownOrderWithoutAmount,
    #[error("the order is not known here and the report carries no status")]
    UnknownOrderWithoutStatus,
    #[error("the refund is not known here and the report carries no amount or status")]
    IncompleteRefund,
    #[error("the mandate is not known here and the report carries no status")]
    UnknownMandateWithoutStatus,
}

pub(crate) fn set<T: PartialEq>(
    field: &mut T,
    value: T,
    name: &'static str,
    changed: &mut Vec<&'static str>,
) {
    if *field != value {
        *field = value;
        changed.push(name);
    }
}

/// Juspay masks some fields with `"FILTERED"` (§9.1); such a value is not information.
pub(crate) fn is_real_value(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty() && value != "FILTERED"
}

pub(crate) fn non_blank(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Mandate dates are epoch seconds as text (§7); stored as epoch milliseconds.
pub(crate) fn epoch_seconds_text(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok()?.checked_mul(1000)
}

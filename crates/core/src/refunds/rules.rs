//! Refund rules: the no-regression rule for a refund's status, and what of an order can
//! still be refunded.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::RefundStatus;

use crate::{
    refunds::model::RefundRow,
    reports::{IgnoreReason, Transition},
};

/// Decides whether `incoming` may replace the stored status of one refund (§6.3).
///
/// `PENDING` → `MANUAL_REVIEW` → `SUCCESS` | `FAILURE`; `PENDING` may also go straight to an
/// outcome. `MANUAL_REVIEW` "still waits on a person", so it ranks after `PENDING` and before
/// the outcomes. `SUCCESS` and `FAILURE` never change (to each other or back to `PENDING`):
/// §6.3 and §13 document no such move. Unknown statuses (possibly the sub-statuses of §6.3
/// such as `PG_PROCESSING`) are applied only over a non-terminal status, and a stored
/// unknown status is replaced by anything but `PENDING`.
pub fn refund_transition(current: &RefundStatus, incoming: &RefundStatus) -> Transition {
    if current == incoming {
        return Transition::Same;
    }
    let Some(to) = refund_rank(incoming) else {
        return if current.is_terminal() {
            Transition::Ignore(IgnoreReason::Unknown)
        } else {
            Transition::Apply
        };
    };
    let Some(from) = refund_rank(current) else {
        return if matches!(incoming, RefundStatus::Pending) {
            Transition::Ignore(IgnoreReason::Stale)
        } else {
            Transition::Apply
        };
    };
    match to.cmp(&from) {
        std::cmp::Ordering::Greater => Transition::Apply,
        std::cmp::Ordering::Less => Transition::Ignore(IgnoreReason::Stale),
        // Only SUCCESS and FAILURE share a rank.
        std::cmp::Ordering::Equal => Transition::Ignore(IgnoreReason::Conflicting),
    }
}

/// Shorthand for `refund_transition(current, incoming).is_apply()`.
pub fn may_replace_refund(current: &RefundStatus, incoming: &RefundStatus) -> bool {
    refund_transition(current, incoming).is_apply()
}

/// Position of a known refund status, earliest first; `None` for `Other`.
fn refund_rank(status: &RefundStatus) -> Option<u8> {
    match status {
        RefundStatus::Pending => Some(0),
        RefundStatus::ManualReview => Some(1),
        RefundStatus::Success | RefundStatus::Failure => Some(2),
        RefundStatus::Other(_) => None,
    }
}

/// Sum of the refunds that may still take money: every one not failed.
pub fn committed_refunds(refunds: &[RefundRow]) -> i64 {
    refunds
        .iter()
        .filter(|r| !r.status.is_failure())
        .map(|r| r.amount)
        .sum()
}

/// What can still be refunded of an order of `amount` with `amount_refunded` reported by
/// Juspay and `refunds` of ours: pending refunds count, failed ones do not.
pub fn refundable_amount(amount: i64, amount_refunded: i64, refunds: &[RefundRow]) -> i64 {
    amount - committed_refunds(refunds).max(amount_refunded)
}

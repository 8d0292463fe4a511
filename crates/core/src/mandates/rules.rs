//! Mandate rules: which status report may replace the stored one.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::MandateStatus;

use crate::reports::{IgnoreReason, Transition};

/// Decides whether `incoming` may replace the stored mandate status `current` (§7.2).
///
/// Mandates move back and forth (`ACTIVE` ⇄ `PAUSED`), so the status order alone cannot
/// tell a late report from a new one; Juspay's report times can (`*_at`, epoch ms, when
/// known; an answer to our own call is dated when it arrived). Rules: equal statuses are
/// [`Transition::Same`]; `REVOKED`, `FAILURE` and `EXPIRED` never change
/// ([`IgnoreReason::Conflicting`], or `Unknown` for an unknown incoming status); `CREATED`
/// never replaces a later status; a report older than the one that set the stored status
/// is [`IgnoreReason::Stale`]; anything else is applied.
pub fn mandate_transition(
    current: &MandateStatus,
    current_at: Option<i64>,
    incoming: &MandateStatus,
    incoming_at: Option<i64>,
) -> Transition {
    if current == incoming {
        return Transition::Same;
    }
    if current.is_terminal() {
        return Transition::Ignore(match incoming {
            MandateStatus::Other(_) => IgnoreReason::Unknown,
            _ => IgnoreReason::Conflicting,
        });
    }
    if matches!(incoming, MandateStatus::Created) {
        return Transition::Ignore(IgnoreReason::Stale);
    }
    if let (Some(stored), Some(reported)) = (current_at, incoming_at)
        && reported < stored
    {
        return Transition::Ignore(IgnoreReason::Stale);
    }
    Transition::Apply
}

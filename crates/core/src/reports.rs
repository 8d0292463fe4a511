//! The vocabulary shared by every report of Juspay's — about an order, a refund or a
//! mandate, from whichever source (webhook, status poll, manual sync or an action's
//! response): how it reached us ([`Via`]), what it did to the stored row ([`Effect`]), why
//! it could not be applied, and the no-regression verdict ([`Transition`]). Each domain's
//! `snapshot` module plans with these; every source changes state through that one path.
//!
//! Invariants: a status only moves as the domains' `rules` allow; an order is marked paid
//! only when Juspay's amount and currency equal ours; amounts are minor units. Nothing here
//! does I/O, so the decisions are tested exhaustively and a dry run shows exactly what
//! applying would do.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::Outcome;
use serde::{Deserialize, Serialize};

/// Juspay defaults an order's currency to INR (§4.1).
pub(crate) const DEFAULT_CURRENCY: &str = juspay::DEFAULT_CURRENCY;

/// A field of Juspay's report that cannot be read (an amount with more decimals than its
/// currency has): the report is not applied, and the field is named so people can see why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct UnreadableField {
    pub field: String,
    pub reason: String,
}

/// Converts Juspay's `amount` (field `field`) into minor units of `currency` (absent:
/// Juspay's default currency), naming the field when it cannot be.
pub(crate) fn minor_units(
    amount: Option<juspay::Amount>,
    currency: Option<&str>,
    field: &str,
) -> Result<Option<i64>, UnreadableField> {
    amount
        .map(|a| a.minor_in(currency.unwrap_or(DEFAULT_CURRENCY)))
        .transpose()
        .map_err(|e| UnreadableField {
            field: field.to_owned(),
            reason: e.to_string(),
        })
}

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
    #[error("the dispute is not known here and the report carries no status")]
    UnknownDisputeWithoutStatus,
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

/// What to do with an incoming status, given the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// Store the incoming status: it is the same or a later point in the order's life.
    Apply,
    /// The incoming status equals the stored one; duplicates are normal (§9.4), nothing to write.
    Same,
    /// Keep the stored status. The report may still be recorded, but it must not change state.
    Ignore(IgnoreReason),
}

impl Transition {
    /// Whether the stored status should be overwritten.
    pub fn is_apply(self) -> bool {
        matches!(self, Self::Apply)
    }
}

/// Why an incoming status is not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IgnoreReason {
    /// The incoming status belongs to an earlier stage: a late webhook or an old poll answer.
    Stale,
    /// The stored status is terminal and the incoming one is a different terminal outcome
    /// that no documented path leads to from it (e.g. `CHARGED` then `VOIDED`). Worth a log
    /// line: either Juspay contradicted itself or a report belongs to an older attempt.
    Conflicting,
    /// The incoming status is not one this crate knows, and the stored one is terminal.
    /// Its meaning is unknown, so it cannot be trusted to outrank a settled outcome.
    Unknown,
}

/// Why Juspay's amount does not confirm ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountMismatch {
    /// Different (or blank) currency; the amounts are not comparable, so they are not judged.
    #[error("currency mismatch: ours {ours:?}, Juspay's {juspay:?}")]
    Currency { ours: String, juspay: String },
    /// Same currency, different amount in minor units.
    #[error("amount mismatch in {currency}: ours {ours} minor units, Juspay's {juspay}")]
    Amount {
        currency: String,
        ours: i64,
        juspay: i64,
    },
}

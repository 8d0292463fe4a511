//! Order and transaction statuses as Juspay reports them (docs/juspay.md §4.4, §5.3), the
//! stage of an order's life each one marks, and the group people filter by.
//!
//! Invariants: every known status maps to at most one `status_id` and back; every known
//! status has exactly one [`Stage`] and belongs to exactly one [`OrderGroup`] list.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use serde::{Deserialize, Serialize};

text_enum! {
    /// Order or transaction status (§4.4).
    OrderStatus {
        /// Short create-order response only (§4.1), id 1.
        Created => "CREATED", "Created";
        New => "NEW", "New";
        Started => "STARTED", "Started";
        Charged => "CHARGED", "Charged";
        JuspayDeclined => "JUSPAY_DECLINED", "Declined by Juspay";
        PendingVbv => "PENDING_VBV", "Awaiting customer (OTP / UPI)";
        VbvSuccessful => "VBV_SUCCESSFUL", "Customer confirmed";
        AuthenticationFailed => "AUTHENTICATION_FAILED", "Authentication failed";
        AuthorizationFailed => "AUTHORIZATION_FAILED", "Authorization failed";
        Authorizing => "AUTHORIZING", "Authorizing";
        CodInitiated => "COD_INITIATED", "Cash on delivery";
        Voided => "VOIDED", "Voided";
        VoidInitiated => "VOID_INITIATED", "Void requested";
        CaptureInitiated => "CAPTURE_INITIATED", "Capture requested";
        CaptureFailed => "CAPTURE_FAILED", "Capture failed";
        VoidFailed => "VOID_FAILED", "Void failed";
        AutoRefunded => "AUTO_REFUNDED", "Auto-refunded";
        NotFound => "NOT_FOUND", "Not found at Juspay";
        /// Pre-auth success (§5.3); no documented id.
        Authorized => "AUTHORIZED", "Authorized (held)";
        PartialCharged => "PARTIAL_CHARGED", "Partially captured";
        ToBeCharged => "TO_BE_CHARGED", "To be charged";
        Declined => "DECLINED", "Declined";
        Error => "ERROR", "Error";
        PendingAuthentication => "PENDING_AUTHENTICATION", "Pending authentication";
    }
}

/// A new row starts as `NEW`: created, no payment attempt yet.
impl Default for OrderStatus {
    fn default() -> Self {
        Self::New
    }
}

/// `(status, status_id)` pairs from the §4.4 table; statuses without a documented id are
/// absent.
const STATUS_IDS: [(OrderStatus, i64); 18] = [
    (OrderStatus::Created, 1),
    (OrderStatus::New, 10),
    (OrderStatus::Started, 20),
    (OrderStatus::Charged, 21),
    (OrderStatus::JuspayDeclined, 22),
    (OrderStatus::PendingVbv, 23),
    (OrderStatus::VbvSuccessful, 24),
    (OrderStatus::AuthenticationFailed, 26),
    (OrderStatus::AuthorizationFailed, 27),
    (OrderStatus::Authorizing, 28),
    (OrderStatus::CodInitiated, 29),
    (OrderStatus::Voided, 31),
    (OrderStatus::VoidInitiated, 32),
    (OrderStatus::CaptureInitiated, 33),
    (OrderStatus::CaptureFailed, 34),
    (OrderStatus::VoidFailed, 35),
    (OrderStatus::AutoRefunded, 36),
    (OrderStatus::NotFound, 40),
];

impl OrderStatus {
    /// The status for a numeric `status_id`, when §4.4 documents it.
    pub fn from_status_id(id: i64) -> Option<Self> {
        STATUS_IDS
            .iter()
            .find(|(_, known)| *known == id)
            .map(|(status, _)| status.clone())
    }

    /// The documented `status_id`, if any.
    pub fn status_id(&self) -> Option<i64> {
        STATUS_IDS
            .iter()
            .find(|(status, _)| status == self)
            .map(|(_, id)| *id)
    }

    /// Money was collected. `COD_INITIATED` is excluded: cash has not been received yet.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Charged | Self::PartialCharged)
    }

    /// The attempt, or a capture or void, ended without collecting money.
    pub fn is_failure(&self) -> bool {
        matches!(
            self.stage(),
            Some(Stage::AttemptFailed | Stage::SettlementFailed)
        )
    }

    /// No further change is expected without a new action (§4.4 "terminal?" column).
    /// Failed orders are terminal for this attempt even though a new txn may follow.
    pub fn is_terminal(&self) -> bool {
        self.stage().is_some_and(Stage::is_terminal)
    }

    /// Still moving: keep polling `GET /orders/{id}` or wait for a webhook.
    pub fn is_pending(&self) -> bool {
        self.stage()
            .is_some_and(|stage| !stage.is_terminal() && stage != Stage::Missing)
    }

    /// The order counts as paid for fulfilment and success rates: `CHARGED`,
    /// `PARTIAL_CHARGED` and `COD_INITIATED` ([`Stage::Succeeded`]).
    pub fn is_paid(&self) -> bool {
        self.stage() == Some(Stage::Succeeded)
    }

    /// The stage of a known status; `None` for `Other`.
    pub fn stage(&self) -> Option<Stage> {
        Stage::of(self)
    }
}

/// Where a known order status sits in the life of an order, earliest first (§4.4, §5.3).
///
/// The ranking is the core of the no-regression rule: a status of a later stage replaces
/// one of an earlier stage, never the reverse, with the documented exceptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// `NOT_FOUND` (40): Juspay does not know the order id. Anything learned later is
    /// newer information, and a "not found" never overwrites a status already held.
    Missing,
    /// `CREATED` (1): only in the short create-order response; it "becomes NEW" (§4.4).
    Created,
    /// `NEW` (10): order created, no payment attempt yet.
    New,
    /// A payment attempt is in progress: `STARTED`, `PENDING_VBV`, `VBV_SUCCESSFUL`,
    /// `AUTHORIZING`, and the undocumented `PENDING_AUTHENTICATION` and `TO_BE_CHARGED`.
    Attempting,
    /// The attempt ended without money: `JUSPAY_DECLINED`, `AUTHENTICATION_FAILED`,
    /// `AUTHORIZATION_FAILED`, `DECLINED`, `ERROR`. Terminal for the attempt only.
    AttemptFailed,
    /// `AUTHORIZED`: pre-auth hold placed, waiting for capture or void (§5.3).
    Authorized,
    /// `CAPTURE_INITIATED` (33) or `VOID_INITIATED` (32): capture or void pending (§5.3).
    Settling,
    /// `CAPTURE_FAILED` (34) or `VOID_FAILED` (35) (§5.3).
    SettlementFailed,
    /// The order was paid: `CHARGED` (21), `PARTIAL_CHARGED` (partial capture, §5.3) or
    /// `COD_INITIATED` (29, cash on delivery; terminal in §4.4 though cash is not yet in).
    Succeeded,
    /// The money went back or the hold was released: `VOIDED` (31), `AUTO_REFUNDED` (36).
    Closed,
}

impl Stage {
    /// The stage of a known status; `None` for `OrderStatus::Other`.
    ///
    /// Deliberately exhaustive, with no wildcard: a status added to [`OrderStatus`] does not
    /// compile here until someone decides where it sits.
    pub fn of(status: &OrderStatus) -> Option<Self> {
        let stage = match status {
            OrderStatus::NotFound => Self::Missing,
            OrderStatus::Created => Self::Created,
            OrderStatus::New => Self::New,
            OrderStatus::Started
            | OrderStatus::PendingVbv
            | OrderStatus::VbvSuccessful
            | OrderStatus::Authorizing
            | OrderStatus::PendingAuthentication
            | OrderStatus::ToBeCharged => Self::Attempting,
            OrderStatus::JuspayDeclined
            | OrderStatus::AuthenticationFailed
            | OrderStatus::AuthorizationFailed
            | OrderStatus::Declined
            | OrderStatus::Error => Self::AttemptFailed,
            OrderStatus::Authorized => Self::Authorized,
            OrderStatus::CaptureInitiated | OrderStatus::VoidInitiated => Self::Settling,
            OrderStatus::CaptureFailed | OrderStatus::VoidFailed => Self::SettlementFailed,
            OrderStatus::Charged | OrderStatus::PartialCharged | OrderStatus::CodInitiated => {
                Self::Succeeded
            }
            OrderStatus::Voided | OrderStatus::AutoRefunded => Self::Closed,
            OrderStatus::Other(_) => return None,
        };
        Some(stage)
    }

    /// No further change is expected without a new action (§4.4 "terminal?" column).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::AttemptFailed | Self::SettlementFailed | Self::Succeeded | Self::Closed
        )
    }

    /// A final outcome for the order as a whole, not just for one attempt.
    pub fn is_settled(self) -> bool {
        matches!(self, Self::Succeeded | Self::Closed)
    }
}

/// The plain-language outcome of an order, for filtering and badges.
///
/// Paid, Pending, Failed and Cancelled are what support staff think in. Refunded is added
/// because §4.4 has `AUTO_REFUNDED` and because a refund leaves the order `CHARGED`, so a
/// fully refunded order would otherwise read "Paid". Other holds `NOT_FOUND` and statuses
/// this product does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderGroup {
    Paid,
    Pending,
    Failed,
    Refunded,
    Cancelled,
    Other,
}

impl OrderGroup {
    /// Every group, in the order a filter menu shows them.
    pub const ALL: [OrderGroup; 6] = [
        OrderGroup::Paid,
        OrderGroup::Pending,
        OrderGroup::Failed,
        OrderGroup::Refunded,
        OrderGroup::Cancelled,
        OrderGroup::Other,
    ];

    /// Lowercase name, as in URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::Pending => "pending",
            Self::Failed => "failed",
            Self::Refunded => "refunded",
            Self::Cancelled => "cancelled",
            Self::Other => "other",
        }
    }

    /// Name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Paid => "Paid",
            Self::Pending => "Pending",
            Self::Failed => "Failed",
            Self::Refunded => "Refunded",
            Self::Cancelled => "Cancelled",
            Self::Other => "Other",
        }
    }

    /// The group named by [`Self::as_str`] (ignoring ASCII case and surrounding spaces),
    /// e.g. from a `?group=` query parameter.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|group| group.as_str().eq_ignore_ascii_case(text))
    }

    /// The group of an order with `status` and the amounts of its row, in minor units.
    ///
    /// By stage: Paid is [`Stage::Succeeded`] (cash on delivery included: terminal in §4.4
    /// and the order goes ahead) unless refunds cover the whole amount; Refunded is
    /// `AUTO_REFUNDED` and a Paid order refunded in full (`amount_refunded >= amount > 0`;
    /// a partial refund stays Paid); Pending is every stage before an outcome, a pre-auth
    /// hold and a capture or void in flight; Failed is a failed attempt, capture or void;
    /// Cancelled is `VOIDED` (nothing collected; Juspay has no status named CANCELLED);
    /// Other is `NOT_FOUND` and unknown statuses.
    pub fn of(status: &OrderStatus, amount_refunded: i64, amount: i64) -> Self {
        let Some(stage) = status.stage() else {
            return Self::Other;
        };
        match stage {
            Stage::Missing => Self::Other,
            Stage::Created
            | Stage::New
            | Stage::Attempting
            | Stage::Authorized
            | Stage::Settling => Self::Pending,
            Stage::AttemptFailed | Stage::SettlementFailed => Self::Failed,
            Stage::Succeeded if amount > 0 && amount_refunded >= amount => Self::Refunded,
            Stage::Succeeded => Self::Paid,
            Stage::Closed if *status == OrderStatus::Voided => Self::Cancelled,
            Stage::Closed => Self::Refunded,
        }
    }

    /// The known statuses whose orders belong to this group when amounts are ignored, for a
    /// `status IN (...)` filter. Together the lists hold every known status exactly once.
    ///
    /// Two groups also depend on the amounts, and one on statuses nobody can list: Paid
    /// lists statuses that are Paid only while not fully refunded; Refunded lists only
    /// `AUTO_REFUNDED` (a Paid order refunded in full belongs to it too); Other lists only
    /// `NOT_FOUND` (statuses not in [`OrderStatus::KNOWN`] belong to it too).
    pub fn statuses(self) -> impl Iterator<Item = &'static OrderStatus> {
        OrderStatus::KNOWN
            .iter()
            .filter(move |status| Self::of(status, 0, 0) == self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_ids_follow_the_documented_table() {
        assert_eq!(OrderStatus::from_status_id(21), Some(OrderStatus::Charged));
        assert_eq!(
            OrderStatus::from_status_id(36),
            Some(OrderStatus::AutoRefunded)
        );
        assert_eq!(OrderStatus::from_status_id(105), None);
        assert_eq!(OrderStatus::PendingVbv.status_id(), Some(23));
        assert_eq!(OrderStatus::Authorized.status_id(), None);
        for (status, id) in &STATUS_IDS {
            assert_eq!(OrderStatus::from_status_id(*id).as_ref(), Some(status));
        }
    }

    #[test]
    fn every_known_status_round_trips_through_its_spelling_in_any_case() {
        for status in OrderStatus::KNOWN {
            assert_eq!(&OrderStatus::from(status.as_str()), status);
            assert_eq!(
                &OrderStatus::from(status.as_str().to_ascii_lowercase().as_str()),
                status
            );
        }
    }

    #[test]
    fn an_unknown_status_is_kept_verbatim_and_is_neither_pending_nor_terminal() {
        let status = OrderStatus::from("SOMETHING_NEW");
        assert_eq!(status, OrderStatus::Other("SOMETHING_NEW".to_owned()));
        assert_eq!(status.as_str(), "SOMETHING_NEW");
        assert!(!status.is_terminal() && !status.is_pending() && !status.is_known());
    }

    #[test]
    fn charged_is_a_terminal_success_and_pending_vbv_is_not_terminal() {
        assert!(OrderStatus::Charged.is_success() && OrderStatus::Charged.is_terminal());
        assert!(OrderStatus::PendingVbv.is_pending() && !OrderStatus::PendingVbv.is_terminal());
        assert!(OrderStatus::AuthorizationFailed.is_terminal());
        assert!(!OrderStatus::AuthorizationFailed.is_success());
        assert!(OrderStatus::CodInitiated.is_paid() && !OrderStatus::CodInitiated.is_success());
    }

    #[test]
    fn every_known_status_belongs_to_exactly_one_group_list() {
        for status in OrderStatus::KNOWN {
            let holders: Vec<_> = OrderGroup::ALL
                .into_iter()
                .filter(|group| group.statuses().any(|listed| listed == status))
                .collect();
            assert_eq!(holders.len(), 1, "{status} is in {holders:?}");
        }
    }

    #[test]
    fn a_paid_order_refunded_in_full_is_refunded_and_a_partial_refund_stays_paid() {
        assert_eq!(
            OrderGroup::of(&OrderStatus::Charged, 500, 500),
            OrderGroup::Refunded
        );
        assert_eq!(
            OrderGroup::of(&OrderStatus::Charged, 100, 500),
            OrderGroup::Paid
        );
        assert_eq!(
            OrderGroup::of(&OrderStatus::Voided, 0, 500),
            OrderGroup::Cancelled
        );
        assert_eq!(
            OrderGroup::of(&OrderStatus::from("WHAT"), 0, 1),
            OrderGroup::Other
        );
    }

    #[test]
    fn statuses_travel_as_their_spelling_in_json() {
        let json = serde_json::to_string(&OrderStatus::PendingVbv).unwrap();
        assert_eq!(json, "\"PENDING_VBV\"");
        let back: OrderStatus = serde_json::from_str("\"charged\"").unwrap();
        assert_eq!(back, OrderStatus::Charged);
    }
}

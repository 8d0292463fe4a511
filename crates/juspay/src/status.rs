//! Order / transaction status values of §4.4 and their `status_id` codes.
//!
//! Invariant: every known status maps to at most one id and back; unknown text is kept
//! in `Other` so a new Juspay status never breaks decoding.

wire_enum! {
    /// Order or transaction status (§4.4).
    OrderStatus {
        /// Short create-order response only (§4.1), id 1.
        Created => "CREATED",
        New => "NEW",
        Started => "STARTED",
        Charged => "CHARGED",
        JuspayDeclined => "JUSPAY_DECLINED",
        PendingVbv => "PENDING_VBV",
        VbvSuccessful => "VBV_SUCCESSFUL",
        AuthenticationFailed => "AUTHENTICATION_FAILED",
        AuthorizationFailed => "AUTHORIZATION_FAILED",
        Authorizing => "AUTHORIZING",
        CodInitiated => "COD_INITIATED",
        Voided => "VOIDED",
        VoidInitiated => "VOID_INITIATED",
        CaptureInitiated => "CAPTURE_INITIATED",
        CaptureFailed => "CAPTURE_FAILED",
        VoidFailed => "VOID_FAILED",
        AutoRefunded => "AUTO_REFUNDED",
        NotFound => "NOT_FOUND",
        /// Pre-auth success (§5.3); no documented id.
        Authorized => "AUTHORIZED",
        PartialCharged => "PARTIAL_CHARGED",
        ToBeCharged => "TO_BE_CHARGED",
        Declined => "DECLINED",
        Error => "ERROR",
        PendingAuthentication => "PENDING_AUTHENTICATION",
    }
}

/// `(status, status_id)` pairs from the §4.4 table; statuses marked `?` there are absent.
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

    /// The attempt ended without collecting money.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Self::JuspayDeclined
                | Self::AuthenticationFailed
                | Self::AuthorizationFailed
                | Self::CaptureFailed
                | Self::VoidFailed
                | Self::Declined
                | Self::Error
        )
    }

    /// No further change is expected without a new action (§4.4 "terminal?" column).
    /// Failed orders are terminal for this attempt even though a new txn may follow.
    pub fn is_terminal(&self) -> bool {
        self.is_success()
            || self.is_failure()
            || matches!(self, Self::CodInitiated | Self::Voided | Self::AutoRefunded)
    }

    /// Still moving: keep polling `GET /orders/{id}` or wait for a webhook.
    pub fn is_pending(&self) -> bool {
        !self.is_terminal() && !matches!(self, Self::NotFound | Self::Other(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_ids_follow_the_documented_table() {
        assert_eq!(OrderStatus::from_status_id(21), Some(OrderStatus::Charged));
        assert_eq!(OrderStatus::from_status_id(10), Some(OrderStatus::New));
        assert_eq!(
            OrderStatus::from_status_id(36),
            Some(OrderStatus::AutoRefunded)
        );
        assert_eq!(OrderStatus::from_status_id(105), None);
        assert_eq!(OrderStatus::PendingVbv.status_id(), Some(23));
        assert_eq!(OrderStatus::Authorized.status_id(), None);
    }

    #[test]
    fn every_mapped_id_round_trips_through_its_status() {
        for (status, id) in &STATUS_IDS {
            assert_eq!(OrderStatus::from_status_id(*id).as_ref(), Some(status));
            assert_eq!(OrderStatus::from(status.as_str()), *status);
        }
    }

    #[test]
    fn an_unknown_status_is_kept_verbatim() {
        let status = OrderStatus::from("SOMETHING_NEW");
        assert_eq!(status, OrderStatus::Other("SOMETHING_NEW".to_owned()));
        assert_eq!(status.as_str(), "SOMETHING_NEW");
        assert!(!status.is_terminal() && !status.is_pending());
    }

    #[test]
    fn charged_is_a_terminal_success_and_pending_vbv_is_not_terminal() {
        assert!(OrderStatus::Charged.is_success() && OrderStatus::Charged.is_terminal());
        assert!(OrderStatus::PendingVbv.is_pending() && !OrderStatus::PendingVbv.is_terminal());
        assert!(OrderStatus::AuthorizationFailed.is_terminal());
        assert!(!OrderStatus::AuthorizationFailed.is_success());
        assert!(OrderStatus::from("charged").is_success());
    }
}

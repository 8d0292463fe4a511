//! Refund statuses as Juspay reports them (docs/juspay.md §6.3), and the state of our own
//! request to Juspay for a refund staff asked for.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

text_enum! {
    /// Refund status (§6.3).
    RefundStatus {
        Pending => "PENDING", "pending";
        Success => "SUCCESS", "refunded";
        Failure => "FAILURE", "failed";
        ManualReview => "MANUAL_REVIEW", "manual review";
    }
}

/// A new refund starts as `PENDING`.
impl Default for RefundStatus {
    fn default() -> Self {
        Self::Pending
    }
}

impl RefundStatus {
    /// The money reached the customer.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }

    /// `SUCCESS` and `FAILURE` are final; `MANUAL_REVIEW` still waits on a person.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Success | Self::Failure)
    }

    /// Still open: the refund may yet succeed, so its amount is reserved against the order.
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Pending | Self::ManualReview)
    }

    /// The refund failed: its amount is free to be refunded again.
    pub fn is_failure(&self) -> bool {
        matches!(self, Self::Failure)
    }
}

text_enum! {
    /// Where our `POST /orders/{id}/refunds` call for a staff refund stands. The key the
    /// call carries was stored before it was sent, so an unknown outcome is retried with the
    /// same key and can never pay twice.
    RefundRequestState {
        /// Stored, the call is being made (or the process stopped while making it).
        Sending => "sending", "sending";
        /// Juspay accepted the request.
        Sent => "sent", "sent";
        /// The call timed out or failed in transport: retried with the same request id.
        Unknown => "unknown", "outcome unknown";
        /// Juspay refused the request; nothing will be paid.
        Refused => "refused", "refused";
    }
}

impl RefundRequestState {
    /// The call may not have reached Juspay: a retry with the same request id is due.
    pub fn needs_retry(&self) -> bool {
        matches!(self, Self::Sending | Self::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_success_and_failure_are_final_for_a_refund() {
        let finals: Vec<_> = RefundStatus::KNOWN
            .iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(finals, [&RefundStatus::Success, &RefundStatus::Failure]);
        assert!(RefundStatus::ManualReview.is_open() && RefundStatus::Pending.is_open());
        assert!(!RefundStatus::from("FAILURE").is_open());
    }

    #[test]
    fn a_request_in_flight_or_unanswered_is_retried_and_an_answered_one_is_not() {
        assert!(RefundRequestState::Sending.needs_retry());
        assert!(RefundRequestState::Unknown.needs_retry());
        assert!(!RefundRequestState::Sent.needs_retry());
        assert!(!RefundRequestState::Refused.needs_retry());
    }
}

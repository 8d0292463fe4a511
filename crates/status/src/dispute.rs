//! Dispute (chargeback) statuses as Juspay names them in its `CHARGEBACK_*` events
//! (docs/juspay.md §9.5), and the order they move in.
//!
//! Invariant: a dispute only moves forward — received, evidence required, under review,
//! then one final status — so a late event never reopens a dispute that ended.

text_enum! {
    /// A dispute's status: the `CHARGEBACK_` event name without its prefix.
    DisputeStatus {
        Received => "RECEIVED", "received: respond";
        EvidenceRequired => "EVIDENCE_REQUIRED", "evidence required";
        UnderReview => "UNDER_REVIEW", "under review";
        ResolvedInMerchantFavour => "RESOLVED_IN_MERCHANT_FAVOUR", "won";
        ResolvedInCustomerFavour => "RESOLVED_IN_CUSTOMER_FAVOUR", "lost";
        Canceled => "CANCELED", "cancelled";
        Expired => "EXPIRED", "expired";
        AlreadyRefunded => "ALREADY_REFUNDED", "closed: already refunded";
    }
}

text_enum! {
    /// How far a dispute has gone (Hyperswitch's stages): an inquiry before a chargeback,
    /// the chargeback itself, then the scheme's pre-arbitration and arbitration.
    DisputeStage {
        PreDispute => "PRE_DISPUTE", "inquiry";
        Dispute => "DISPUTE", "chargeback";
        PreArbitration => "PRE_ARBITRATION", "pre-arbitration";
        Arbitration => "ARBITRATION", "arbitration";
    }
}

/// A chargeback is at the `DISPUTE` stage unless Juspay says otherwise.
impl Default for DisputeStage {
    fn default() -> Self {
        Self::Dispute
    }
}

impl DisputeStage {
    /// Stages only move forward; an unknown one ranks with the chargeback.
    pub fn rank(&self) -> u8 {
        match self {
            Self::PreDispute => 0,
            Self::Dispute | Self::Other(_) => 1,
            Self::PreArbitration => 2,
            Self::Arbitration => 3,
        }
    }
}

text_enum! {
    /// What the merchant decided to do about a dispute.
    DisputeDecision {
        Accept => "ACCEPT", "accepted";
        Contest => "CONTEST", "contested";
    }
}

/// A dispute starts as `RECEIVED`.
impl Default for DisputeStatus {
    fn default() -> Self {
        Self::Received
    }
}

impl DisputeStatus {
    /// Where the status sits in a dispute's life: later ones replace earlier ones, never
    /// the reverse; every final status shares the last rank. `None` for an unknown one.
    pub fn rank(&self) -> Option<u8> {
        match self {
            Self::Received => Some(1),
            Self::EvidenceRequired => Some(2),
            Self::UnderReview => Some(3),
            Self::ResolvedInMerchantFavour
            | Self::ResolvedInCustomerFavour
            | Self::Canceled
            | Self::Expired
            | Self::AlreadyRefunded => Some(4),
            Self::Other(_) => None,
        }
    }

    /// The dispute ended; nothing changes it any more.
    pub fn is_final(&self) -> bool {
        self.rank() == Some(4)
    }

    /// The merchant is expected to respond (accept or contest, with evidence).
    pub fn needs_response(&self) -> bool {
        matches!(self, Self::Received | Self::EvidenceRequired)
    }

    /// The money stays with the customer (or went back already).
    pub fn is_lost(&self) -> bool {
        matches!(self, Self::ResolvedInCustomerFavour | Self::Expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_rank_forward_and_every_ending_is_final() {
        assert!(DisputeStatus::Received.rank() < DisputeStatus::UnderReview.rank());
        assert!(DisputeStatus::ResolvedInMerchantFavour.is_final());
        assert!(!DisputeStatus::UnderReview.is_final());
        assert!(DisputeStatus::EvidenceRequired.needs_response());
        assert_eq!(DisputeStatus::from("canceled"), DisputeStatus::Canceled);
        assert_eq!(DisputeStatus::from("ARBITRATION").rank(), None);
        assert!(DisputeStage::from("pre_arbitration").rank() > DisputeStage::default().rank());
    }
}

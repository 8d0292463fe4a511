//! The dispute rule: a status moves only forward (received → evidence required → under
//! review → one final status), so an event that arrives late or twice changes nothing,
//! and a final status never changes.

use dashboard_status::DisputeStatus;

use crate::reports::{IgnoreReason, Transition};

/// Decides whether `incoming` may replace the stored dispute status `current`.
pub fn dispute_transition(current: &DisputeStatus, incoming: &DisputeStatus) -> Transition {
    if current == incoming {
        return Transition::Same;
    }
    match (current.rank(), incoming.rank()) {
        (_, None) => Transition::Ignore(IgnoreReason::Unknown),
        (Some(4), _) => Transition::Ignore(IgnoreReason::Conflicting),
        (Some(now), Some(new)) if new <= now => Transition::Ignore(IgnoreReason::Stale),
        _ => Transition::Apply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DisputeStatus::*;

    #[test]
    fn a_dispute_moves_forward_and_a_late_received_never_reopens_a_won_one() {
        assert_eq!(
            dispute_transition(&Received, &UnderReview),
            Transition::Apply
        );
        assert_eq!(
            dispute_transition(&UnderReview, &ResolvedInMerchantFavour),
            Transition::Apply
        );
        assert_eq!(
            dispute_transition(&ResolvedInMerchantFavour, &Received),
            Transition::Ignore(IgnoreReason::Conflicting)
        );
        assert_eq!(
            dispute_transition(&ResolvedInMerchantFavour, &ResolvedInCustomerFavour),
            Transition::Ignore(IgnoreReason::Conflicting)
        );
        assert_eq!(
            dispute_transition(&UnderReview, &EvidenceRequired),
            Transition::Ignore(IgnoreReason::Stale)
        );
        assert_eq!(dispute_transition(&Received, &Received), Transition::Same);
        assert_eq!(
            dispute_transition(&Received, &DisputeStatus::from("ARBITRATION")),
            Transition::Ignore(IgnoreReason::Unknown)
        );
    }
}

//! Mandate statuses as Juspay reports them (docs/juspay.md §7.2).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

text_enum! {
    /// Mandate status (§7.2).
    MandateStatus {
        Created => "CREATED", "created";
        Active => "ACTIVE", "active";
        Paused => "PAUSED", "paused";
        Revoked => "REVOKED", "revoked";
        Failure => "FAILURE", "failed";
        Expired => "EXPIRED", "expired";
    }
}

/// A new mandate starts as `CREATED`.
impl Default for MandateStatus {
    fn default() -> Self {
        Self::Created
    }
}

impl MandateStatus {
    /// `REVOKED`, `FAILURE` and `EXPIRED` never change again (§7.2).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Revoked | Self::Failure | Self::Expired)
    }

    /// The mandate can be debited.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Active)
    }

    /// The mandate is paused and can be resumed.
    pub fn is_paused(&self) -> bool {
        matches!(self, Self::Paused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoked_failed_and_expired_mandates_are_final_and_paused_ones_are_not() {
        let finals: Vec<_> = MandateStatus::KNOWN
            .iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            finals,
            [
                &MandateStatus::Revoked,
                &MandateStatus::Failure,
                &MandateStatus::Expired
            ]
        );
        assert!(MandateStatus::from("paused").is_paused());
    }
}

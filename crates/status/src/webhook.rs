//! What became of a stored webhook delivery: whether it was authentic, and what processing
//! made of it.

text_enum! {
    /// Whether a delivery passed authentication.
    AuthVerdict {
        Valid => "valid", "valid";
        /// Stored for the record, never processed.
        Rejected => "rejected", "rejected";
    }
}

text_enum! {
    /// What processing made of a delivery (or of a report on an order's timeline).
    Outcome {
        /// Stored, waiting to be processed.
        Pending => "pending", "pending (not yet processed)";
        /// The report created the order, refund or mandate.
        Created => "created", "order created";
        /// The report changed what we hold.
        Applied => "applied", "applied";
        /// The report confirms what we hold.
        Duplicate => "duplicate", "duplicate";
        /// An earlier status than the one we hold, or one contradicting an outcome.
        Stale => "stale", "stale / out of order";
        /// Juspay's amount or currency differs from ours: flagged, not marked paid.
        AmountMismatch => "amount_mismatch", "amount mismatch";
        /// Readable, but missing what processing needs (e.g. the order id).
        Invalid => "invalid", "invalid";
        /// An event this product does not act on.
        Ignored => "ignored", "ignored";
        /// The body could not be read.
        ParseError => "parse_error", "parse error";
        /// Processing gave up after errors of our own.
        Failed => "failed", "failed";
        /// Failed authentication; never processed.
        Rejected => "rejected", "rejected";
    }
}

/// A stored delivery starts as `pending`.
impl Default for Outcome {
    fn default() -> Self {
        Self::Pending
    }
}

impl Outcome {
    /// The delivery needs a person: it could not be read or applied.
    pub fn needs_attention(&self) -> bool {
        matches!(self, Self::Failed | Self::ParseError | Self::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_keep_their_stored_spelling_and_unknown_ones_are_kept() {
        for outcome in Outcome::KNOWN {
            assert_eq!(&Outcome::from(outcome.as_str()), outcome);
        }
        assert_eq!(
            Outcome::from("later_word"),
            Outcome::Other("later_word".to_owned())
        );
        assert!(Outcome::ParseError.needs_attention() && !Outcome::Pending.needs_attention());
    }
}

//! Money as people read and type it. Inside the product an amount is `i64` minor units
//! with its currency; these functions only convert at the edges (forms, pages, CSV).
//!
//! Invariant: every currency is shown and read with two decimals, as Juspay's API carries
//! amounts (§4.1); zero-decimal currencies are not special-cased because Juspay does not.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

/// `123456` INR → `1,234.56 INR`.
pub fn format_minor(amount: i64, currency: &str) -> String {
    format!("{} {currency}", format_plain(amount))
}

/// `123456` → `1,234.56` (negative amounts keep their sign).
pub fn format_plain(amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// An amount a person typed (major units, `1,234.50` accepted), read once into minor units:
/// forms, filters and the merchant API take this instead of checking text again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountInput(i64);

/// A typed amount that cannot be read; its message says how to write one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", AmountError::MESSAGE)]
pub struct AmountError;

impl AmountError {
    /// How to write an amount, for the field that held a bad one.
    pub const MESSAGE: &'static str = "Use an amount like 100 or 100.50.";
}

impl AmountInput {
    /// Any amount, zero included (a filter's lower bound).
    pub fn parse(text: &str) -> Result<Self, AmountError> {
        parse_major(text).map(Self).ok_or(AmountError)
    }

    /// An amount to move: more than zero.
    pub fn parse_positive(text: &str) -> Result<Self, AmountError> {
        Self::parse(text)
            .ok()
            .filter(|amount| amount.0 > 0)
            .ok_or(AmountError)
    }

    /// The amount in minor units.
    pub fn minor(self) -> i64 {
        self.0
    }
}

/// Reads a typed amount in major units (`1234.5`, `1,234.50`) as minor units.
pub fn parse_major(text: &str) -> Option<i64> {
    let cleaned: String = text.trim().chars().filter(|c| *c != ',').collect();
    juspay::Amount::parse_major(&cleaned)
        .ok()
        .map(juspay::Amount::minor_units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_shown_with_grouping_two_decimals_and_the_currency() {
        assert_eq!(format_minor(123_456, "INR"), "1,234.56 INR");
        assert_eq!(format_minor(5, "INR"), "0.05 INR");
        assert_eq!(format_plain(100_000_000), "1,000,000.00");
        assert_eq!(format_plain(-250), "-2.50");
    }

    #[test]
    fn an_amount_to_move_must_be_more_than_zero_and_a_bad_one_says_how_to_write_it() {
        assert_eq!(
            AmountInput::parse_positive(" 1,000.50 ").map(AmountInput::minor),
            Ok(100_050)
        );
        assert_eq!(AmountInput::parse("0").map(AmountInput::minor), Ok(0));
        assert_eq!(AmountInput::parse_positive("0"), Err(AmountError));
        assert_eq!(
            AmountInput::parse("ten").unwrap_err().to_string(),
            "Use an amount like 100 or 100.50."
        );
    }

    #[test]
    fn typed_amounts_are_read_as_minor_units() {
        assert_eq!(parse_major("1,234.5"), Some(123_450));
        assert_eq!(parse_major(" 10 "), Some(1_000));
        assert_eq!(parse_major("1.234"), None);
        assert_eq!(parse_major("ten"), None);
    }
}

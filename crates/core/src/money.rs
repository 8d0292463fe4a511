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
    fn typed_amounts_are_read_as_minor_units() {
        assert_eq!(parse_major("1,234.5"), Some(123_450));
        assert_eq!(parse_major(" 10 "), Some(1_000));
        assert_eq!(parse_major("1.234"), None);
        assert_eq!(parse_major("ten"), None);
    }
}

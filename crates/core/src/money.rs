//! Money as people read and type it. Inside the product an amount is `i64` minor units
//! with its currency; these functions only convert at the edges (forms, pages, CSV).
//!
//! Invariant: an amount is shown and read with its currency's ISO 4217 decimals (JPY none,
//! INR two, KWD three; a code ISO 4217 does not know, two), so the same minor units always
//! mean the same money (docs/juspay.md §4.1).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::LazyLock;

use juspay::{Amount, currency_exponent};

/// Amount filters are compared in this many decimals of a major unit, the most any ISO
/// 4217 currency has, so one bound serves orders in every currency.
pub const FILTER_DECIMALS: u32 = 4;

/// Every ISO 4217 code whose minor unit is not a hundredth, with its exponent, found by
/// asking the table about every three-letter code once.
pub static UNCOMMON_EXPONENTS: LazyLock<Vec<(String, u32)>> = LazyLock::new(|| {
    let letters = b'A'..=b'Z';
    letters
        .clone()
        .flat_map(|a| letters.clone().map(move |b| (a, b)))
        .flat_map(|(a, b)| (b'A'..=b'Z').map(move |c| [a, b, c]))
        .filter_map(|code| {
            let code = String::from_utf8(code.to_vec()).ok()?;
            let exponent = currency_exponent(&code);
            (juspay::is_known_currency(&code) && exponent != 2).then_some((code, exponent))
        })
        .collect()
});

/// SQL for the factor that turns `amount` (minor units of the row's `currency`) into
/// [`FILTER_DECIMALS`] decimals: `CASE currency WHEN 'JPY' THEN 10000 … ELSE 100 END`.
pub fn filter_scale_sql() -> String {
    let mut sql = String::from("(CASE currency");
    for (code, exponent) in UNCOMMON_EXPONENTS.iter() {
        let factor = 10_i64.pow(FILTER_DECIMALS.saturating_sub(*exponent));
        sql.push_str(&format!(" WHEN '{code}' THEN {factor}"));
    }
    sql.push_str(&format!(" ELSE {} END)", 10_i64.pow(FILTER_DECIMALS - 2)));
    sql
}

/// A typed filter bound (`100.50`) in [`FILTER_DECIMALS`] decimals, or `None` when it
/// cannot be read.
pub fn parse_filter_bound(text: &str) -> Option<i64> {
    let cleaned: String = text.trim().chars().filter(|c| *c != ',').collect();
    let amount = Amount::parse_major(&cleaned).ok()?;
    // CLF has exactly FILTER_DECIMALS decimals; any amount that fits them fits it.
    amount.minor_in("CLF").ok()
}

/// How a currency is written for people: its symbol (or its code and a space when the
/// symbol is ambiguous or unknown) before the figure, and whether the figure is grouped the
/// Indian way (lakh and crore: `1,31,182`) or by thousands.
fn notation(currency: &str) -> (&str, bool) {
    match currency {
        "INR" => ("₹", true),
        "USD" => ("$", false),
        "EUR" => ("€", false),
        "GBP" => ("£", false),
        "JPY" => ("¥", false),
        "SGD" => ("S$", false),
        "AUD" => ("A$", false),
        "CAD" => ("CA$", false),
        "LKR" | "NPR" | "PKR" => ("", true),
        _ => ("", false),
    }
}

/// `123456` INR → `₹1,234.56`; `13118200` INR → `₹1,31,182.00`; `500` JPY → `¥500`;
/// `1005` KWD → `KWD 1.005`: the currency's symbol where one is unambiguous, its code
/// otherwise, its decimals, and its usual digit grouping.
pub fn format_minor(amount: i64, currency: &str) -> String {
    let (symbol, _) = notation(currency);
    let figure = format_plain(amount.saturating_abs(), currency);
    let sign = if amount < 0 { "-" } else { "" };
    if symbol.is_empty() {
        format!("{sign}{currency} {figure}")
    } else {
        format!("{sign}{symbol}{figure}")
    }
}

/// `123456` INR → `1,234.56`; grouped as the currency's readers group it (lakh and crore
/// for INR), negative amounts keep their sign.
pub fn format_plain(amount: i64, currency: &str) -> String {
    let (_, indian) = notation(currency);
    let text = Amount::from_minor(amount.saturating_abs(), currency).to_major_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        let left = whole.len() - i;
        let boundary = if indian {
            left == 3 || (left > 3 && (left - 3).is_multiple_of(2))
        } else {
            left.is_multiple_of(3)
        };
        if i > 0 && boundary {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if amount < 0 { "-" } else { "" };
    match fraction {
        "" => format!("{sign}{grouped}"),
        _ => format!("{sign}{grouped}.{fraction}"),
    }
}

/// `123456` INR → `1234.56`: the plain decimal a spreadsheet reads as a number.
pub fn format_decimal(amount: i64, currency: &str) -> String {
    Amount::from_minor(amount, currency).to_major_string()
}

/// An amount a person typed (major units, `1,234.50` accepted), read once into minor units
/// of its currency: forms, filters and the merchant API take this instead of checking text
/// again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountInput(i64);

/// A typed amount that cannot be read in its currency; its message says how to write one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct AmountError {
    decimals: u32,
}

impl AmountError {
    /// How to write an amount of the currency, for the field that held a bad one.
    pub fn message(&self) -> &'static str {
        match self.decimals {
            0 => "Use a whole amount like 100; this currency has no decimals.",
            3 => "Use an amount like 100 or 100.500 (up to three decimals).",
            4 => "Use an amount like 100 or 100.5000 (up to four decimals).",
            _ => "Use an amount like 100 or 100.50.",
        }
    }
}

impl AmountInput {
    /// Any amount of `currency`, zero included (a filter's lower bound).
    pub fn parse(text: &str, currency: &str) -> Result<Self, AmountError> {
        parse_major(text, currency).map(Self).ok_or(AmountError {
            decimals: currency_exponent(currency),
        })
    }

    /// An amount of `currency` to move: more than zero.
    pub fn parse_positive(text: &str, currency: &str) -> Result<Self, AmountError> {
        Self::parse(text, currency)
            .ok()
            .filter(|amount| amount.0 > 0)
            .ok_or(AmountError {
                decimals: currency_exponent(currency),
            })
    }

    /// The amount in minor units.
    pub fn minor(self) -> i64 {
        self.0
    }
}

/// Reads a typed amount in major units (`1234.5`, `1,234.50`) as minor units of `currency`.
pub fn parse_major(text: &str, currency: &str) -> Option<i64> {
    let cleaned: String = text.trim().chars().filter(|c| *c != ',').collect();
    Amount::parse_major(&cleaned)
        .ok()
        .and_then(|amount| amount.minor_in(currency).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_shown_with_their_symbol_grouping_and_decimals() {
        assert_eq!(format_minor(123_456, "INR"), "₹1,234.56");
        assert_eq!(format_minor(13_118_200, "INR"), "₹1,31,182.00");
        assert_eq!(format_minor(1_234_567_890, "INR"), "₹1,23,45,678.90");
        assert_eq!(format_minor(5, "INR"), "₹0.05");
        assert_eq!(format_minor(-250, "INR"), "-₹2.50");
        assert_eq!(format_plain(100_000_000, "USD"), "1,000,000.00");
        assert_eq!(format_plain(100_000_000, "INR"), "10,00,000.00");
        assert_eq!(format_plain(-250, "INR"), "-2.50");
        assert_eq!(format_minor(100_000_000, "USD"), "$1,000,000.00");
        assert_eq!(format_minor(500, "JPY"), "¥500");
        assert_eq!(format_minor(1_234_567, "JPY"), "¥1,234,567");
        assert_eq!(format_minor(1_005, "KWD"), "KWD 1.005");
        assert_eq!(format_minor(2_500, "BHD"), "BHD 2.500");
        assert_eq!(format_minor(99_999, "AED"), "AED 999.99");
        assert_eq!(format_decimal(123_456, "INR"), "1234.56");
        assert_eq!(format_decimal(5, "KWD"), "0.005");
    }

    #[test]
    fn an_amount_to_move_must_be_more_than_zero_and_a_bad_one_says_how_to_write_it() {
        assert_eq!(
            AmountInput::parse_positive(" 1,000.50 ", "INR").map(AmountInput::minor),
            Ok(100_050)
        );
        assert_eq!(
            AmountInput::parse("0", "INR").map(AmountInput::minor),
            Ok(0)
        );
        assert!(AmountInput::parse_positive("0", "INR").is_err());
        assert_eq!(
            AmountInput::parse("ten", "INR").unwrap_err().to_string(),
            "Use an amount like 100 or 100.50."
        );
        assert_eq!(
            AmountInput::parse("1.5", "JPY").unwrap_err().to_string(),
            "Use a whole amount like 100; this currency has no decimals."
        );
    }

    #[test]
    fn the_uncommon_exponents_are_iso_4217s_and_filter_bounds_use_four_decimals() {
        let codes: Vec<&str> = UNCOMMON_EXPONENTS.iter().map(|(c, _)| c.as_str()).collect();
        for code in [
            "JPY", "KRW", "VND", "KWD", "BHD", "OMR", "JOD", "TND", "CLF",
        ] {
            assert!(codes.contains(&code), "{code} in {codes:?}");
        }
        assert!(!codes.contains(&"INR") && !codes.contains(&"USD"));
        assert_eq!(parse_filter_bound("100.50"), Some(1_005_000));
        assert_eq!(parse_filter_bound("1,000"), Some(10_000_000));
        assert_eq!(parse_filter_bound("1.00005"), None);
        let sql = filter_scale_sql();
        assert!(sql.contains("WHEN 'JPY' THEN 10000") && sql.contains("WHEN 'KWD' THEN 10"));
        assert!(sql.ends_with("ELSE 100 END)"), "{sql}");
    }

    #[test]
    fn typed_amounts_are_read_as_minor_units_of_their_currency() {
        assert_eq!(parse_major("1,234.5", "INR"), Some(123_450));
        assert_eq!(parse_major(" 10 ", "INR"), Some(1_000));
        assert_eq!(parse_major("1.234", "INR"), None);
        assert_eq!(parse_major("1.234", "KWD"), Some(1_234));
        assert_eq!(parse_major("0.005", "KWD"), Some(5));
        assert_eq!(parse_major("500", "JPY"), Some(500));
        assert_eq!(parse_major("500.5", "JPY"), None);
        assert_eq!(parse_major("ten", "INR"), None);
    }
}

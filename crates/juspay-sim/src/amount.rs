//! Money on the wire vs. in memory. Invariant: amounts are integer minor units of their
//! order's currency internally, a minor unit being 10^-exponent of the major unit with the
//! currency's ISO 4217 exponent (JPY 0, INR and USD 2, KWD, BHD and OMR 3; 2 for codes
//! without one). The wire sees decimal strings or JSON numbers with at most that many
//! decimals; extra digits are truncated, not rounded, as the sandbox does (§4.1, §13).
//! Every conversion goes through decimal text, never through floating-point arithmetic.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use iso_currency::Currency;
use serde_json::{Number, Value};

/// Exponent of codes ISO 4217 does not list or lists without minor units (`XAU`, `XXX`).
pub const DEFAULT_EXPONENT: u32 = 2;

/// The ISO 4217 exponent (number of decimals) of a currency code, case and surrounding
/// blanks ignored: `0` for `JPY`, `2` for `INR`, `3` for `KWD`; [`DEFAULT_EXPONENT`] for
/// unknown codes and codes without one.
pub fn exponent(currency: &str) -> u32 {
    Currency::from_code(&currency.trim().to_ascii_uppercase())
        .and_then(Currency::exponent)
        .map_or(DEFAULT_EXPONENT, u32::from)
}

/// Minor units per major unit: `10^exponent`.
fn scale(exponent: u32) -> Option<i64> {
    10_i64.checked_pow(exponent)
}

/// Parses a non-negative decimal in major units into minor units of `currency`, keeping
/// only as many decimals as the currency has: `"100.5"` INR → 10050, `"1.026456"` INR →
/// 102, `"500.9"` JPY → 500, `"1.0056"` KWD → 1005. Returns `None` for anything that is
/// not a non-negative decimal or does not fit.
pub fn parse_minor(raw: &str, currency: &str) -> Option<i64> {
    let text = raw.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let exponent = exponent(currency);
    let units: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut digits = frac.bytes().map(|b| i64::from(b - b'0'));
    let mut minor = units.checked_mul(scale(exponent)?)?;
    for place in (0..exponent).rev() {
        let digit = digits.next().unwrap_or(0);
        minor = minor.checked_add(digit.checked_mul(scale(place)?)?)?;
    }
    Some(minor)
}

/// Renders minor units of `currency` as a JSON number the way order objects carry them
/// (§4.3): whole amounts as integers (`10`, `500`), others as the shortest exact decimal
/// (`99.99`, `99.9`, `1.005`), built from the decimal text.
pub fn to_json(minor: i64, currency: &str) -> Value {
    let Some(scale) = scale(exponent(currency)) else {
        return Value::Null;
    };
    if minor % scale == 0 {
        return Value::from(minor / scale);
    }
    let text = to_decimal_string(minor, currency);
    let trimmed = text.trim_end_matches('0');
    trimmed.parse::<Number>().map_or(Value::Null, Value::Number)
}

/// Renders minor units of `currency` as a decimal string with exactly the currency's
/// number of decimals, as in `sdk_payload` (§4.2): `"10.00"` INR, `"500"` JPY,
/// `"0.005"` KWD.
pub fn to_decimal_string(minor: i64, currency: &str) -> String {
    let exponent = exponent(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    let Some(scale) = 10_u64.checked_pow(exponent) else {
        return format!("{minor}");
    };
    if exponent == 0 {
        return format!("{sign}{magnitude}");
    }
    let width = usize::try_from(exponent).unwrap_or(usize::MAX);
    format!(
        "{sign}{}.{:0width$}",
        magnitude / scale,
        magnitude % scale,
        width = width
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_have_their_iso_4217_exponents_and_unknown_codes_have_two() {
        assert_eq!(exponent("JPY"), 0);
        assert_eq!(exponent("INR"), 2);
        assert_eq!(exponent("USD"), 2);
        assert_eq!(exponent("KWD"), 3);
        assert_eq!(exponent("BHD"), 3);
        assert_eq!(exponent("OMR"), 3);
        assert_eq!(exponent(" jpy "), 0);
        assert_eq!(exponent("kwd"), 3);
        assert_eq!(exponent("ZZZ"), DEFAULT_EXPONENT);
        assert_eq!(exponent("XAU"), DEFAULT_EXPONENT);
        assert_eq!(exponent(""), DEFAULT_EXPONENT);
    }

    #[test]
    fn inr_decimal_amounts_become_paise_with_extra_digits_truncated() {
        assert_eq!(parse_minor("100", "INR"), Some(10_000));
        assert_eq!(parse_minor("100.5", "INR"), Some(10_050));
        assert_eq!(parse_minor("100.50", "INR"), Some(10_050));
        assert_eq!(parse_minor("1.026456", "INR"), Some(102));
        assert_eq!(parse_minor(".5", "INR"), Some(50));
        assert_eq!(parse_minor("7.", "INR"), Some(700));
        assert_eq!(parse_minor(" 1.5 ", "INR"), Some(150));
        assert_eq!(parse_minor("-1", "INR"), None);
        assert_eq!(parse_minor("abc", "INR"), None);
        assert_eq!(parse_minor("1.2.3", "INR"), None);
        assert_eq!(parse_minor(".", "INR"), None);
        assert_eq!(parse_minor("", "INR"), None);
        assert_eq!(parse_minor("99999999999999999999", "INR"), None);
    }

    #[test]
    fn usd_decimal_amounts_become_cents_with_extra_digits_truncated() {
        assert_eq!(parse_minor("12.34", "USD"), Some(1_234));
        assert_eq!(parse_minor("12.349", "USD"), Some(1_234));
        assert_eq!(parse_minor("0.01", "usd"), Some(1));
    }

    #[test]
    fn jpy_amounts_are_whole_yen_and_any_decimals_are_truncated() {
        assert_eq!(parse_minor("500", "JPY"), Some(500));
        assert_eq!(parse_minor("500.9", "JPY"), Some(500));
        assert_eq!(parse_minor("500.", "JPY"), Some(500));
        assert_eq!(parse_minor(".9", "JPY"), Some(0));
        assert_eq!(parse_minor("-500", "JPY"), None);
    }

    #[test]
    fn kwd_amounts_keep_three_decimals_and_truncate_the_rest() {
        assert_eq!(parse_minor("1.005", "KWD"), Some(1_005));
        assert_eq!(parse_minor("0.005", "KWD"), Some(5));
        assert_eq!(parse_minor("12.345", "KWD"), Some(12_345));
        assert_eq!(parse_minor("12.3459", "KWD"), Some(12_345));
        assert_eq!(parse_minor("12.3", "KWD"), Some(12_300));
        assert_eq!(parse_minor("12", "KWD"), Some(12_000));
    }

    #[test]
    fn minor_units_render_as_integers_when_whole_and_exact_decimals_otherwise() {
        assert_eq!(to_json(1_000, "INR"), Value::from(10));
        assert_eq!(to_json(9_999, "INR").to_string(), "99.99");
        assert_eq!(to_json(9_990, "INR").to_string(), "99.9");
        assert_eq!(to_json(1, "USD").to_string(), "0.01");
        assert_eq!(to_json(500, "JPY"), Value::from(500));
        assert_eq!(to_json(500, "JPY").to_string(), "500");
        assert_eq!(to_json(1_005, "KWD").to_string(), "1.005");
        assert_eq!(to_json(5, "KWD").to_string(), "0.005");
        assert_eq!(to_json(12_345, "KWD").to_string(), "12.345");
        assert_eq!(to_json(12_000, "KWD"), Value::from(12));
        assert_eq!(to_json(0, "KWD"), Value::from(0));
    }

    #[test]
    fn decimal_strings_carry_exactly_the_currency_number_of_decimals() {
        assert_eq!(to_decimal_string(1_000, "INR"), "10.00");
        assert_eq!(to_decimal_string(5, "INR"), "0.05");
        assert_eq!(to_decimal_string(1_234, "USD"), "12.34");
        assert_eq!(to_decimal_string(500, "JPY"), "500");
        assert_eq!(to_decimal_string(5, "KWD"), "0.005");
        assert_eq!(to_decimal_string(12_345, "KWD"), "12.345");
        assert_eq!(to_decimal_string(12_000, "KWD"), "12.000");
        assert_eq!(to_decimal_string(0, "JPY"), "0");
    }

    #[test]
    fn parsing_a_rendered_decimal_string_gives_back_the_same_minor_units() {
        for (minor, currency) in [(10_050, "INR"), (1, "USD"), (500, "JPY"), (1_005, "KWD")] {
            let text = to_decimal_string(minor, currency);
            assert_eq!(
                parse_minor(&text, currency),
                Some(minor),
                "{currency} {text}"
            );
        }
    }
}

//! Money on the wire vs. in memory. Invariant: amounts are integer minor units (paise)
//! internally; the wire sees decimal strings or JSON numbers with at most 2 dp, and extra
//! digits are truncated, not rounded, as the sandbox does (§4.1, §13).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use serde_json::Value;

/// Parses `"100"`, `"100.5"`, `"100.50"` or `"1.026456"` (→ 102) into minor units.
/// Returns `None` for anything that is not a non-negative decimal.
pub fn parse_minor(raw: &str) -> Option<i64> {
    let text = raw.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let units: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut digits = frac.bytes().map(|b| i64::from(b - b'0'));
    let tens = digits.next().unwrap_or(0);
    let ones = digits.next().unwrap_or(0);
    units.checked_mul(100)?.checked_add(tens * 10 + ones)
}

/// Renders minor units as a JSON number the way order objects carry them (§4.3):
/// whole amounts as integers (`10`), others as decimals (`99.99`).
pub fn to_json(minor: i64) -> Value {
    if minor % 100 == 0 {
        return Value::from(minor / 100);
    }
    serde_json::Number::from_f64(minor as f64 / 100.0).map_or(Value::Null, Value::Number)
}

/// Renders minor units as a 2-dp decimal string (`"10.00"`), as in `sdk_payload` (§4.2).
pub fn to_decimal_string(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_amounts_become_minor_units_with_extra_digits_truncated() {
        assert_eq!(parse_minor("100"), Some(10_000));
        assert_eq!(parse_minor("100.5"), Some(10_050));
        assert_eq!(parse_minor("1.026456"), Some(102));
        assert_eq!(parse_minor(".5"), Some(50));
        assert_eq!(parse_minor("-1"), None);
        assert_eq!(parse_minor("abc"), None);
        assert_eq!(parse_minor(""), None);
    }

    #[test]
    fn minor_units_render_as_integers_when_whole_and_decimals_otherwise() {
        assert_eq!(to_json(1_000), Value::from(10));
        assert_eq!(to_json(9_999).to_string(), "99.99");
        assert_eq!(to_decimal_string(1_000), "10.00");
    }
}

//! Money at the Juspay boundary: decimal major units on the wire, integer minor units inside.
//!
//! Invariant: conversion is exact decimal arithmetic on text — never float rounding.
//! Juspay accepts at most two decimals (§4.1), so an amount with non-zero digits beyond the
//! second decimal is refused instead of silently truncated the way the sandbox does.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::{JuspayError, truncate};
use crate::lenient::FILTERED;

/// An amount in minor units (paise for INR); the currency travels separately.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(i64);

impl Amount {
    /// Wraps a count of minor units.
    pub const fn from_minor_units(minor_units: i64) -> Self {
        Self(minor_units)
    }

    /// The amount in minor units.
    pub const fn minor_units(self) -> i64 {
        self.0
    }

    /// Parses a decimal major-unit string such as `"100.5"` into minor units (10050).
    pub fn parse_major(text: &str) -> Result<Self, JuspayError> {
        parse_minor_units(text).map(Self)
    }

    /// Formats the amount the way Juspay expects it in requests: `"100.50"`.
    pub fn to_major_string(self) -> String {
        format_minor_units(self.0)
    }

    /// Reads a JSON number or string; `Ok(None)` for `null`, `""` and `"FILTERED"`.
    pub(crate) fn from_json(value: &Value) -> Result<Option<Self>, JuspayError> {
        match value {
            Value::Null => Ok(None),
            Value::String(text) if text.trim().is_empty() || text == FILTERED => Ok(None),
            Value::String(text) => Self::parse_major(text).map(Some),
            Value::Number(number) => {
                if let Some(whole) = number.as_i64() {
                    return whole
                        .checked_mul(100)
                        .map(|m| Some(Self(m)))
                        .ok_or_else(|| {
                            invalid(
                                &number.to_string(),
                                "amount does not fit in 64-bit minor units",
                            )
                        });
                }
                // `f64`'s Display prints the shortest text that reads back as the same float
                // and never uses an exponent, so 99.99 becomes "99.99", not 99.98999….
                let float = number.as_f64().unwrap_or(f64::NAN);
                if float.is_finite() {
                    Self::parse_major(&float.to_string()).map(Some)
                } else {
                    Err(invalid(
                        &number.to_string(),
                        "amount is not a finite number",
                    ))
                }
            }
            Value::Bool(_) | Value::Array(_) | Value::Object(_) => Err(invalid(
                &value.to_string(),
                "amount is not a number or string",
            )),
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_major_string())
    }
}

/// An amount together with its ISO currency code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: Amount,
    pub currency: String,
}

fn invalid(input: &str, reason: &'static str) -> JuspayError {
    JuspayError::InvalidAmount {
        input: truncate(input, 64),
        reason,
    }
}

/// Parses `[-]digits[.digits]` into minor units with two implied decimals.
pub(crate) fn parse_minor_units(text: &str) -> Result<i64, JuspayError> {
    let trimmed = text.trim();
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(text, "not a decimal number"));
    }
    if unsigned.contains('.') && fraction.is_empty() {
        return Err(invalid(text, "missing digits after the decimal point"));
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(text, "not a decimal number"));
    }
    let (kept, extra) = fraction.split_at(fraction.len().min(2));
    if extra.bytes().any(|b| b != b'0') {
        return Err(invalid(text, "more than two decimal places"));
    }
    let overflow = || invalid(text, "amount does not fit in 64-bit minor units");
    let major: i64 = whole.parse().map_err(|_| overflow())?;
    let cents = match kept.len() {
        0 => 0,
        1 => i64::from(kept.as_bytes()[0] - b'0') * 10,
        _ => kept.parse::<i64>().map_err(|_| overflow())?,
    };
    let minor = major
        .checked_mul(100)
        .and_then(|m| m.checked_add(cents))
        .ok_or_else(overflow)?;
    Ok(if negative { -minor } else { minor })
}

/// Formats minor units as a two-decimal major-unit string.
pub(crate) fn format_minor_units(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

/// Serde adapter for optional amount fields: absent/`null`/`"FILTERED"` is `None`, a
/// malformed amount fails the whole decode because a wrong amount must never pass silently.
pub(crate) fn opt_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Amount>, D::Error> {
    let value = Option::<Value>::deserialize(d)?.unwrap_or(Value::Null);
    Amount::from_json(&value).map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minor(value: Value) -> Option<i64> {
        Amount::from_json(&value).unwrap().map(Amount::minor_units)
    }

    #[test]
    fn an_amount_sent_as_a_string_is_read_in_minor_units() {
        assert_eq!(minor(json!("100.5")), Some(10050));
        assert_eq!(minor(json!("100")), Some(10000));
        assert_eq!(minor(json!("0.07")), Some(7));
    }

    #[test]
    fn a_float_amount_is_converted_without_rounding_error() {
        assert_eq!(minor(json!(99.99)), Some(9999));
        assert_eq!(minor(json!(0.29)), Some(29));
        assert_eq!(minor(json!(1.1)), Some(110));
        assert_eq!(minor(json!(10)), Some(1000));
    }

    #[test]
    fn null_empty_and_filtered_amounts_are_absent() {
        assert_eq!(minor(json!(null)), None);
        assert_eq!(minor(json!("")), None);
        assert_eq!(minor(json!("FILTERED")), None);
    }

    #[test]
    fn more_than_two_decimals_are_refused() {
        assert!(Amount::parse_major("1.026456").is_err());
        assert!(Amount::from_json(&json!(1.005)).is_err());
    }

    #[test]
    fn trailing_zero_decimals_are_exact_and_accepted() {
        assert_eq!(Amount::parse_major("10.500").unwrap().minor_units(), 1050);
    }

    #[test]
    fn garbage_amounts_are_refused() {
        for text in ["abc", "1.2.3", "1e5", "", ".5", "5.", "+5", "1,50", "--1"] {
            assert!(
                Amount::parse_major(text).is_err(),
                "{text:?} should be refused"
            );
        }
        assert!(Amount::from_json(&json!(true)).is_err());
    }

    #[test]
    fn amounts_beyond_i64_are_refused_instead_of_wrapping() {
        assert!(Amount::parse_major("92233720368547758.08").is_err());
        assert!(Amount::from_json(&json!(1e300)).is_err());
    }

    #[test]
    fn minor_units_are_formatted_with_two_decimals() {
        assert_eq!(Amount::from_minor_units(10050).to_major_string(), "100.50");
        assert_eq!(Amount::from_minor_units(7).to_major_string(), "0.07");
        assert_eq!(Amount::from_minor_units(-150).to_major_string(), "-1.50");
    }

    #[test]
    fn formatting_and_parsing_round_trip() {
        for minor_units in [0, 1, 99, 100, 123_456_789, -42] {
            let text = Amount::from_minor_units(minor_units).to_major_string();
            assert_eq!(
                Amount::parse_major(&text).unwrap().minor_units(),
                minor_units
            );
        }
    }
}

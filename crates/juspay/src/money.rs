//! Money at the Juspay boundary: exact decimal major units on the wire, integer minor units
//! of the currency inside.
//!
//! Invariants: conversion is exact decimal arithmetic on text, never float rounding; a
//! currency's minor unit is the ISO 4217 exponent (JPY 0, INR 2, KWD 3), and an amount
//! with more decimals than its currency has is refused, not truncated the way the sandbox
//! does. A code ISO 4217 does not know is read with two decimals and reported as unknown
//! ([`is_known_currency`]) rather than dropped (docs/juspay.md §4.1).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::{JuspayError, truncate};
use crate::lenient::FILTERED;

/// The currency Juspay assumes when an order names none (§4.1).
pub const DEFAULT_CURRENCY: &str = "INR";

/// The exponent assumed for a currency ISO 4217 does not know.
const UNKNOWN_EXPONENT: u32 = 2;

/// The most decimals any ISO 4217 currency has (CLF and UYW have four).
const MAX_SCALE: u32 = 4;

fn iso(code: &str) -> Option<iso_currency::Currency> {
    iso_currency::Currency::from_code(&code.trim().to_ascii_uppercase())
}

/// How many decimals the currency's minor unit has: ISO 4217's exponent, or 2 for a code
/// ISO 4217 does not know or gives none (gold, test codes).
pub fn currency_exponent(code: &str) -> u32 {
    iso(code)
        .and_then(|c| c.exponent())
        .map_or(UNKNOWN_EXPONENT, u32::from)
}

/// Whether ISO 4217 knows `code` (any ASCII case).
pub fn is_known_currency(code: &str) -> bool {
    iso(code).is_some()
}

/// An exact decimal amount in major units, as Juspay carries it: `units × 10^-scale`.
/// It becomes minor units only with its currency ([`Amount::minor_in`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Amount {
    units: i64,
    scale: u32,
}

impl PartialEq for Amount {
    /// Equal values are equal whatever their written decimals: `10.5` = `10.50`.
    fn eq(&self, other: &Self) -> bool {
        let scale = self.scale.max(other.scale);
        let widen = |a: &Self| i128::from(a.units) * 10_i128.pow(scale - a.scale);
        widen(self) == widen(other)
    }
}

impl Eq for Amount {}

impl Amount {
    /// `minor` minor units of `currency`: `from_minor(10050, "INR")` is 100.50,
    /// `from_minor(500, "JPY")` is 500, `from_minor(5, "KWD")` is 0.005.
    pub fn from_minor(minor: i64, currency: &str) -> Self {
        Self {
            units: minor,
            scale: currency_exponent(currency),
        }
    }

    /// Reads a decimal major-unit text such as `"100.5"` exactly.
    pub fn parse_major(text: &str) -> Result<Self, JuspayError> {
        parse_decimal(text)
    }

    /// The amount in minor units of `currency`; refused when it has more decimals than the
    /// currency has (1.005 INR) or does not fit in 64 bits.
    pub fn minor_in(self, currency: &str) -> Result<i64, JuspayError> {
        let exponent = currency_exponent(currency);
        let text = self.to_major_string();
        if self.scale > exponent {
            let drop = 10_i64.pow(self.scale - exponent);
            if self.units % drop != 0 {
                return Err(invalid(
                    &text,
                    format!(
                        "more decimal places than {} has ({exponent})",
                        currency.trim().to_ascii_uppercase()
                    ),
                ));
            }
            return Ok(self.units / drop);
        }
        10_i64
            .checked_pow(exponent - self.scale)
            .and_then(|factor| self.units.checked_mul(factor))
            .ok_or_else(|| invalid(&text, "amount does not fit in 64-bit minor units".into()))
    }

    /// Formats the amount as Juspay expects it in requests, with its decimals:
    /// `"100.50"` INR, `"500"` JPY, `"0.005"` KWD.
    pub fn to_major_string(self) -> String {
        let sign = if self.units < 0 { "-" } else { "" };
        let magnitude = self.units.unsigned_abs();
        if self.scale == 0 {
            return format!("{sign}{magnitude}");
        }
        let factor = 10_u64.pow(self.scale);
        let width = self.scale as usize;
        format!(
            "{sign}{}.{:0width$}",
            magnitude / factor,
            magnitude % factor
        )
    }

    /// Reads a JSON number or string; `Ok(None)` for `null`, `""` and `"FILTERED"`.
    pub(crate) fn from_json(value: &Value) -> Result<Option<Self>, JuspayError> {
        match value {
            Value::Null => Ok(None),
            Value::String(text) if text.trim().is_empty() || text == FILTERED => Ok(None),
            Value::String(text) => Self::parse_major(text).map(Some),
            Value::Number(number) => {
                if let Some(whole) = number.as_i64() {
                    return Ok(Some(Self {
                        units: whole,
                        scale: 0,
                    }));
                }
                // `f64`'s Display prints the shortest text that reads back as the same float
                // and never uses an exponent, so 99.99 becomes "99.99", not 99.98999….
                let float = number.as_f64().unwrap_or(f64::NAN);
                if float.is_finite() {
                    Self::parse_major(&float.to_string()).map(Some)
                } else {
                    Err(invalid(
                        &number.to_string(),
                        "amount is not a finite number".into(),
                    ))
                }
            }
            Value::Bool(_) | Value::Array(_) | Value::Object(_) => Err(invalid(
                &value.to_string(),
                "amount is not a number or string".into(),
            )),
        }
    }
}

/// An amount serialises as its exact decimal text (`"100.50"`), never a float.
impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_major_string())
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_major_string())
    }
}

fn invalid(input: &str, reason: String) -> JuspayError {
    JuspayError::InvalidAmount {
        input: truncate(input, 64),
        reason,
    }
}

/// Parses `[-]digits[.digits]` exactly; trailing zero decimals are dropped, so `10.500`
/// reads as 10.5 and fits a two-decimal currency.
fn parse_decimal(text: &str) -> Result<Amount, JuspayError> {
    let trimmed = text.trim();
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return Err(invalid(text, "not a decimal number".into()));
    }
    if unsigned.contains('.') && fraction.is_empty() {
        return Err(invalid(
            text,
            "missing digits after the decimal point".into(),
        ));
    }
    let fraction = fraction.trim_end_matches('0');
    let scale = u32::try_from(fraction.len()).unwrap_or(u32::MAX);
    if scale > MAX_SCALE {
        return Err(invalid(
            text,
            format!("more than {MAX_SCALE} decimal places"),
        ));
    }
    let overflow = || invalid(text, "amount does not fit in 64-bit minor units".into());
    let units: i64 = format!("{whole}{fraction}")
        .parse()
        .map_err(|_| overflow())?;
    Ok(Amount {
        units: if negative { -units } else { units },
        scale,
    })
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

    fn minor(value: Value, currency: &str) -> Option<i64> {
        Amount::from_json(&value)
            .unwrap()
            .map(|a| a.minor_in(currency).unwrap())
    }

    #[test]
    fn an_amount_sent_as_a_string_is_read_in_minor_units_of_its_currency() {
        assert_eq!(minor(json!("100.5"), "INR"), Some(10050));
        assert_eq!(minor(json!("100"), "INR"), Some(10000));
        assert_eq!(minor(json!("0.07"), "usd"), Some(7));
        assert_eq!(minor(json!("500"), "JPY"), Some(500));
        assert_eq!(minor(json!("1.005"), "KWD"), Some(1005));
        assert_eq!(minor(json!("2.5"), "BHD"), Some(2500));
    }

    #[test]
    fn a_float_amount_is_converted_without_rounding_error() {
        assert_eq!(minor(json!(99.99), "INR"), Some(9999));
        assert_eq!(minor(json!(0.29), "INR"), Some(29));
        assert_eq!(minor(json!(1.1), "INR"), Some(110));
        assert_eq!(minor(json!(10), "INR"), Some(1000));
        assert_eq!(minor(json!(1.005), "KWD"), Some(1005));
        assert_eq!(minor(json!(500), "JPY"), Some(500));
    }

    #[test]
    fn null_empty_and_filtered_amounts_are_absent() {
        assert_eq!(minor(json!(null), "INR"), None);
        assert_eq!(minor(json!(""), "INR"), None);
        assert_eq!(minor(json!("FILTERED"), "INR"), None);
    }

    #[test]
    fn more_decimals_than_the_currency_has_are_refused_with_the_currency_named() {
        let error = Amount::parse_major("1.005")
            .unwrap()
            .minor_in("INR")
            .unwrap_err();
        assert!(error.to_string().contains("INR has (2)"), "{error}");
        assert!(Amount::parse_major("0.5").unwrap().minor_in("JPY").is_err());
        assert!(
            Amount::parse_major("1.0051")
                .unwrap()
                .minor_in("KWD")
                .is_err()
        );
        assert!(Amount::parse_major("1.026456").is_err());
    }

    #[test]
    fn trailing_zero_decimals_are_exact_and_accepted() {
        let amount = Amount::parse_major("10.500").unwrap();
        assert_eq!(amount.minor_in("INR").unwrap(), 1050);
        assert_eq!(
            Amount::parse_major("500.00")
                .unwrap()
                .minor_in("JPY")
                .unwrap(),
            500
        );
        assert_eq!(amount, Amount::from_minor(1050, "INR"));
    }

    #[test]
    fn an_unknown_currency_is_read_with_two_decimals_and_reported_as_unknown() {
        assert_eq!(minor(json!("12.34"), "XYZ"), Some(1234));
        assert!(!is_known_currency("XYZ"));
        assert!(is_known_currency("kwd"));
        assert_eq!(currency_exponent("JPY"), 0);
        assert_eq!(currency_exponent("OMR"), 3);
    }

    #[test]
    fn garbage_amounts_are_refused() {
        for text in [
            "abc", "1.2.3", "1e5", "", ".5", "5.", "+5", "1,50", "12,34", "--1",
        ] {
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
        assert!(
            Amount::from_json(&json!(i64::MAX))
                .unwrap()
                .unwrap()
                .minor_in("INR")
                .is_err()
        );
    }

    #[test]
    fn minor_units_are_formatted_with_the_decimals_of_their_currency() {
        assert_eq!(Amount::from_minor(10050, "INR").to_major_string(), "100.50");
        assert_eq!(Amount::from_minor(7, "INR").to_major_string(), "0.07");
        assert_eq!(Amount::from_minor(-150, "INR").to_major_string(), "-1.50");
        assert_eq!(Amount::from_minor(500, "JPY").to_major_string(), "500");
        assert_eq!(Amount::from_minor(5, "KWD").to_major_string(), "0.005");
    }

    #[test]
    fn formatting_and_parsing_round_trip_in_every_exponent() {
        for currency in ["INR", "JPY", "KWD", "CLF"] {
            for minor_units in [0, 1, 99, 100, 123_456_789, -42] {
                let text = Amount::from_minor(minor_units, currency).to_major_string();
                let back = Amount::parse_major(&text).unwrap().minor_in(currency);
                assert_eq!(back.unwrap(), minor_units, "{text} {currency}");
            }
        }
    }
}

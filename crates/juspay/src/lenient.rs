//! Lenient decoders for response fields (§14, §9.1).
//!
//! Juspay sends numbers as strings and strings as numbers, `null` for unset values and the
//! literal placeholder `"FILTERED"` for masked data. Every decoder here maps those shapes
//! onto `Option`s; none of them fails on a wrong scalar type, only nested objects that are
//! present but malformed propagate an error.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Placeholder Juspay uses for masked values in webhooks and logs (§9.1).
pub(crate) const FILTERED: &str = "FILTERED";

/// Text of a scalar value; `null`, containers and `"FILTERED"` give `None`. A NUL
/// character becomes U+FFFD: no text field of Juspay's carries one, and PostgreSQL's text
/// type cannot store it.
pub(crate) fn scalar_text(value: Value) -> Option<String> {
    match value {
        Value::String(text) if text == FILTERED => None,
        Value::String(text) if text.contains('\0') => Some(text.replace('\0', "\u{FFFD}")),
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn read_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    Ok(Option::<Value>::deserialize(deserializer)?.unwrap_or(Value::Null))
}

/// A string field that may arrive as a number or bool.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(scalar_text(read_value(d)?))
}

/// Parses integer text such as `"21"`, `21` or `21.0`.
pub(crate) fn parse_i64(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(number) = text.parse::<i64>() {
        return Some(number);
    }
    let (whole, fraction) = text.split_once('.')?;
    if fraction.bytes().all(|b| b == b'0') {
        whole.parse().ok()
    } else {
        None
    }
}

/// An integer field (`status_id`, `gateway_id`, `rule_value`, …) that may arrive as text.
/// Unparseable text becomes `None` because these fields are informative, not money.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(scalar_text(read_value(d)?).as_deref().and_then(parse_i64))
}

/// A boolean that may arrive as `true`, `"true"`, `"TRUE"`, `1` or `"1"` (§9.1 shows
/// `revokable_by_customer: "true"`).
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let text = scalar_text(read_value(d)?);
    Ok(match text.as_deref().map(str::trim) {
        Some(t) if t.eq_ignore_ascii_case("true") || t == "1" => Some(true),
        Some(t) if t.eq_ignore_ascii_case("false") || t == "0" => Some(false),
        _ => None,
    })
}

/// A string-backed enum; empty text counts as absent.
pub(crate) fn opt_from_text<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    let text = scalar_text(read_value(d)?);
    Ok(text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(T::from))
}

/// A nested object; anything that is not an object (`null`, `"FILTERED"`, `""`) is absent.
pub(crate) fn opt_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match read_value(d)? {
        value @ Value::Object(_) => decode_nested(value).map(Some).map_err(D::Error::custom),
        _ => Ok(None),
    }
}

/// Prefix of an error message that names the nested field it came from.
const AT: &str = "at ";

/// Decodes a nested value, naming the failing field in the error: `at amount: …`, or
/// `at txn_detail.txn_amount: …` when the failure was deeper still.
fn decode_nested<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        format!("{AT}{}", join_path(&path, &e.into_inner().to_string()))
    })
}

/// `path` joined with a nested error message: `a` + `at b: reason` is `a.b: reason`,
/// `a` + `reason` is `a: reason`.
pub(crate) fn join_path(path: &str, message: &str) -> String {
    match message.strip_prefix(AT) {
        Some(rest) if path == "." => rest.to_owned(),
        Some(rest) => format!("{path}.{rest}"),
        None => format!("{path}: {message}"),
    }
}

/// A list of objects; a missing or non-array value is an empty list.
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match read_value(d)? {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .filter(|(_, item)| item.is_object())
            .map(|(i, item)| {
                decode_nested(item).map_err(|message| {
                    D::Error::custom(format!("{AT}{}", join_path(&i.to_string(), &message)))
                })
            })
            .collect(),
        _ => Ok(Vec::new()),
    }
}

/// Free-form JSON (`metadata`, raw gateway payloads); `null` and `"FILTERED"` are absent,
/// and a string holding JSON (form-encoded `source_info`, §7.3) is parsed.
pub(crate) fn opt_json<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Ok(match read_value(d)? {
        Value::Null => None,
        Value::String(text) if text == FILTERED => None,
        Value::String(text) => Some(serde_json::from_str(&text).unwrap_or(Value::String(text))),
        other => Some(other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_string")]
        text: Option<String>,
        #[serde(default, deserialize_with = "opt_i64")]
        number: Option<i64>,
        #[serde(default, deserialize_with = "opt_bool")]
        flag: Option<bool>,
    }

    fn probe(value: serde_json::Value) -> Probe {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_number_sent_as_a_string_is_read_as_a_number() {
        assert_eq!(probe(json!({"number": "21"})).number, Some(21));
        assert_eq!(probe(json!({"number": 21.0})).number, Some(21));
        assert_eq!(probe(json!({"number": "x"})).number, None);
    }

    #[test]
    fn a_string_sent_as_a_number_is_read_as_text() {
        assert_eq!(probe(json!({"text": 23})).text.as_deref(), Some("23"));
    }

    #[test]
    fn null_and_the_filtered_placeholder_are_absent() {
        let p = probe(json!({"text": "FILTERED", "number": null, "flag": "FILTERED"}));
        assert_eq!((p.text, p.number, p.flag), (None, None, None));
    }

    #[test]
    fn booleans_are_accepted_as_text_and_digits() {
        assert_eq!(probe(json!({"flag": "true"})).flag, Some(true));
        assert_eq!(probe(json!({"flag": 0})).flag, Some(false));
        assert_eq!(probe(json!({"flag": "maybe"})).flag, None);
    }
}

//! Request normalisation. Invariant: whatever the client sent — query string, form body
//! (chunked or not), JSON with dotted keys or nested objects — handlers see one flat map
//! of dotted keys to strings (§2.4, §2.5).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use serde_json::Value;

use crate::error::ApiError;

/// Underscore spellings seen in the wild, mapped to the dotted names (§7.1).
const ALIASES: &[(&str, &str)] = &[
    ("mandate_max_amount", "mandate.max_amount"),
    ("options_create_mandate", "options.create_mandate"),
    ("order.mandate_max_amount", "order.mandate.max_amount"),
];

/// A request's parameters and API version, independent of encoding.
#[derive(Clone, Debug, Default)]
pub struct ApiRequest {
    /// Flat dotted keys to string values; JSON arrays are kept as JSON text (§2.5).
    pub params: BTreeMap<String, String>,
    /// `version` from the header or, failing that, the query string (§2.4).
    pub version: Option<String>,
}

impl ApiRequest {
    /// Parses query and body; the body wins over the query on a clash.
    pub fn parse(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Result<Self, ApiError> {
        let mut params = BTreeMap::new();
        if let Some(query) = query {
            for (key, value) in form_urlencoded::parse(query.as_bytes()) {
                params.insert(key.into_owned(), value.into_owned());
            }
        }
        let query_version = params.get("version").cloned();
        // GETs and bodiless POSTs often still carry a JSON content type; an empty body
        // is simply no parameters, whatever the header says.
        let has_body = !body.trim_ascii().is_empty();
        if has_body && is_json(headers, body) {
            let value: Value = serde_json::from_slice(body)
                .map_err(|_| ApiError::bad_request("invalid_request", "Malformed JSON body."))?;
            let Value::Object(map) = value else {
                return Err(ApiError::bad_request(
                    "invalid_request",
                    "JSON body must be an object.",
                ));
            };
            for (key, value) in map {
                flatten(&key, &value, &mut params);
            }
        } else {
            for (key, value) in form_urlencoded::parse(body) {
                params.insert(key.into_owned(), value.into_owned());
            }
        }
        for (alias, canonical) in ALIASES {
            if let Some(value) = params.remove(*alias) {
                params.entry((*canonical).to_owned()).or_insert(value);
            }
        }
        let version = headers
            .get("version")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or(query_version);
        Ok(Self { params, version })
    }

    /// A non-empty parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A mandatory parameter, or the §3.1 missing-parameter error.
    pub fn require(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key).ok_or_else(|| ApiError::missing(key))
    }

    /// A boolean flag given as `true`/`false` text.
    pub fn flag(&self, key: &str) -> Option<bool> {
        self.get(key).map(|v| v.eq_ignore_ascii_case("true"))
    }

    /// All parameters under `prefix.`, with the prefix stripped.
    pub fn with_prefix(&self, prefix: &str) -> BTreeMap<String, String> {
        let dotted = format!("{prefix}.");
        self.params
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&dotted)
                    .map(|rest| (rest.to_owned(), v.clone()))
            })
            .collect()
    }
}

fn is_json(headers: &HeaderMap, body: &[u8]) -> bool {
    let declared = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    // Some clients post JSON without a content type; a form body never starts with `{`.
    declared || body.trim_ascii_start().first() == Some(&b'{')
}

/// Nested objects become dotted keys; arrays stay JSON text, as form clients send them.
fn flatten(key: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (child, inner) in map {
                flatten(&format!("{key}.{child}"), inner, out);
            }
        }
        Value::Null => {}
        Value::String(text) => {
            out.insert(key.to_owned(), text.clone());
        }
        Value::Array(_) | Value::Bool(_) | Value::Number(_) => {
            out.insert(key.to_owned(), value.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn nested_json_and_dotted_json_keys_normalise_to_the_same_map() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let nested = ApiRequest::parse(
            &headers,
            None,
            br#"{"amount": 10.5, "metadata": {"webhook_url": "http://x"}, "basket": [1]}"#,
        )
        .unwrap();
        let dotted = ApiRequest::parse(
            &headers,
            None,
            br#"{"amount": "10.5", "metadata.webhook_url": "http://x", "basket": "[1]"}"#,
        )
        .unwrap();
        assert_eq!(nested.params, dotted.params);
    }

    #[test]
    fn an_empty_body_with_a_json_content_type_is_not_an_error() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let request = ApiRequest::parse(&headers, Some("order_id=o1"), b"  ").unwrap();
        assert_eq!(request.get("order_id"), Some("o1"));
    }

    #[test]
    fn malformed_json_is_a_400() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let error = ApiRequest::parse(&headers, None, b"{nope").unwrap_err();
        assert_eq!(error.http, axum::http::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn the_version_header_wins_over_the_query_parameter() {
        let mut headers = HeaderMap::new();
        let from_query = ApiRequest::parse(&headers, Some("version=2018-10-25"), b"a=1").unwrap();
        assert_eq!(from_query.version.as_deref(), Some("2018-10-25"));
        headers.insert("version", HeaderValue::from_static("2016-10-27"));
        let from_header = ApiRequest::parse(&headers, Some("version=2018-10-25"), b"a=1").unwrap();
        assert_eq!(from_header.version.as_deref(), Some("2016-10-27"));
        assert_eq!(from_header.get("a"), Some("1"));
    }
}

//! API-key authentication. Invariant: the merchant is identified by the key alone;
//! a merchant header, when present under either spelling, must agree with it (§2.1, §2.2).
//! Every successful check yields the merchant id whose state the request may touch.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::body::ApiRequest;
use crate::config::SimConfig;
use crate::error::ApiError;

/// Checks `Authorization: Basic` (with or without the trailing colon, §2.1) and the
/// optional `x-merchantid` / `x-merchant-id` header (§2.2).
pub fn authenticate(config: &SimConfig, headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(key) = basic_username(headers) else {
        return Err(ApiError::access_denied());
    };
    let Some(account) = config.accounts().into_iter().find(|a| a.api_key == key) else {
        return Err(ApiError::access_denied());
    };
    check_merchant_header(&account.merchant_id, headers)?;
    Ok(account.merchant_id)
}

/// `/txns` may be called without a key (§2.1); then the body's `merchant_id` must name
/// this merchant. With a key, the usual rules apply.
pub fn authenticate_txn(
    config: &SimConfig,
    headers: &HeaderMap,
    request: &ApiRequest,
) -> Result<String, ApiError> {
    if headers.contains_key(axum::http::header::AUTHORIZATION) {
        return authenticate(config, headers);
    }
    let merchant = request
        .get("merchant_id")
        .ok_or_else(ApiError::access_denied)?;
    if !config.accounts().iter().any(|a| a.merchant_id == merchant) {
        return Err(ApiError::access_denied());
    }
    check_merchant_header(merchant, headers)?;
    Ok(merchant.to_owned())
}

fn check_merchant_header(merchant_id: &str, headers: &HeaderMap) -> Result<(), ApiError> {
    for name in ["x-merchantid", "x-merchant-id"] {
        if let Some(value) = headers.get(name)
            && value.to_str().ok() != Some(merchant_id)
        {
            return Err(ApiError::access_denied());
        }
    }
    Ok(())
}

/// The decoded Basic credential with one trailing `:` removed: NODE and SAL send
/// `base64(key)`, everyone else `base64(key:)` (§2.1).
fn basic_username(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    Some(decoded.strip_suffix(':').unwrap_or(&decoded).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers_with(auth: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_str(auth).unwrap());
        headers
    }

    #[test]
    fn the_key_is_accepted_with_and_without_the_trailing_colon() {
        let config = SimConfig::default();
        let with_colon = format!("Basic {}", STANDARD.encode("sim_api_key:"));
        let without = format!("Basic {}", STANDARD.encode("sim_api_key"));
        assert!(authenticate(&config, &headers_with(&with_colon)).is_ok());
        assert!(authenticate(&config, &headers_with(&without)).is_ok());
        let wrong = format!("Basic {}", STANDARD.encode("other:"));
        assert!(authenticate(&config, &headers_with(&wrong)).is_err());
    }

    #[test]
    fn each_key_authenticates_its_own_merchant() {
        let config = SimConfig {
            extra_merchants: vec![crate::config::MerchantAccount {
                merchant_id: "second".to_owned(),
                api_key: "second_key".to_owned(),
            }],
            ..SimConfig::default()
        };
        let second = format!("Basic {}", STANDARD.encode("second_key:"));
        assert_eq!(
            authenticate(&config, &headers_with(&second)).unwrap(),
            "second"
        );
        let primary = format!("Basic {}", STANDARD.encode("sim_api_key"));
        assert_eq!(
            authenticate(&config, &headers_with(&primary)).unwrap(),
            "sim_merchant"
        );
    }

    #[test]
    fn a_merchant_header_that_disagrees_with_the_key_is_refused() {
        let config = SimConfig::default();
        let mut headers = headers_with(&format!("Basic {}", STANDARD.encode("sim_api_key:")));
        headers.insert("x-merchant-id", HeaderValue::from_static("someone_else"));
        assert!(authenticate(&config, &headers).is_err());
    }
}

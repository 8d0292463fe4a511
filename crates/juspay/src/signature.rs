//! Return-URL signature check (§10): HMAC-SHA256 with the merchant's Response Key over the
//! sorted, percent-encoded redirect parameters.
//!
//! Invariant: `signature` and `signature_algorithm` never take part in the signed string,
//! and the comparison is constant-time. Because §10 leaves the percent-encoding flavour and
//! the number of encoding layers on `signature` open (open question 7), verification
//! accepts any documented flavour and one or two extra encoding layers — all of which
//! still require the secret key to produce.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac as _};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq as _};

use crate::encoding::{PercentEncoding, percent_decode};
use crate::error::JuspayError;

const SIGNATURE: &str = "signature";
const SIGNATURE_ALGORITHM: &str = "signature_algorithm";
const HMAC_SHA256: &str = "HMAC-SHA256";

/// The string §10 signs: steps 1–5 (drop the two signature keys, encode each key and value,
/// sort by encoded key, join `k=v` with `&`, encode the whole string once more).
fn signing_input(params: &[(String, String)], flavour: PercentEncoding) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(key, _)| key != SIGNATURE && key != SIGNATURE_ALGORITHM)
        .map(|(key, value)| (flavour.encode(key), flavour.encode(value)))
        .collect();
    pairs.sort();
    let joined = pairs
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    flavour.encode(&joined)
}

/// Computes the base64 HMAC-SHA256 signature of decoded redirect parameters (§10 steps
/// 1–7). Useful for simulators and tests; merchants only need the verifiers.
pub fn sign_return_params(
    params: &[(String, String)],
    response_key: &SecretString,
    flavour: PercentEncoding,
) -> String {
    STANDARD.encode(hmac_sha256(response_key, &signing_input(params, flavour)))
}

fn hmac_sha256(key: &SecretString, message: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this constructor cannot fail; an empty
    // result would simply never match.
    match Hmac::<Sha256>::new_from_slice(key.expose_secret().as_bytes()) {
        Ok(mut mac) => {
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// Verifies decoded redirect parameters (as a web framework hands them over).
///
/// The `signature` value is tried as given, percent-decoded once and twice (§10 examples
/// show `%3D` and `%253D`), and with spaces restored to `+` in case a form decoder turned
/// base64 `+` into spaces.
pub fn verify_return_params(
    params: &[(String, String)],
    response_key: &SecretString,
) -> Result<(), JuspayError> {
    let signature = params
        .iter()
        .find(|(key, _)| key == SIGNATURE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
        .ok_or(JuspayError::MissingSignature)?;
    let algorithm = params.iter().find(|(key, _)| key == SIGNATURE_ALGORITHM);
    if algorithm.is_some_and(|(_, value)| !value.eq_ignore_ascii_case(HMAC_SHA256)) {
        return Err(JuspayError::SignatureMismatch);
    }
    let once = percent_decode(signature);
    let twice = percent_decode(&once);
    let mut candidates = vec![signature.to_owned(), once, twice];
    candidates.extend(
        candidates
            .clone()
            .into_iter()
            .map(|candidate| candidate.replace(' ', "+")),
    );
    let mut matched = Choice::from(0);
    for flavour in PercentEncoding::ALL {
        let expected = sign_return_params(params, response_key, flavour);
        for candidate in &candidates {
            matched |= expected.as_bytes().ct_eq(candidate.as_bytes());
        }
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(JuspayError::SignatureMismatch)
    }
}

/// Verifies a raw query string such as `order_id=…&status=CHARGED&…&signature=…`
/// (a leading `?` is ignored).
pub fn verify_return_query(query: &str, response_key: &SecretString) -> Result<(), JuspayError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    verify_return_params(&params, response_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A second, deliberately plain implementation of §10 for alphanumeric parameters:
    /// sort by key, join `k=v` with `&`, escape `=` and `&` (the only characters needing it
    /// here), HMAC-SHA256, base64.
    fn reference_signature(pairs: &[(&str, &str)], key: &str) -> String {
        let mut sorted: Vec<(&str, &str)> = pairs.to_vec();
        sorted.sort();
        let joined: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let message = joined.join("&").replace('=', "%3D").replace('&', "%26");
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(message.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }

    fn escape_base64(signature: &str) -> String {
        signature
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    }

    const KEY: &str = "response_key_123";
    const PARAMS: [(&str, &str); 3] = [
        ("status_id", "21"),
        ("status", "CHARGED"),
        ("order_id", "order_id_007"),
    ];

    fn key() -> SecretString {
        SecretString::from(KEY)
    }

    fn query_with(signature_on_wire: &str) -> String {
        format!(
            "?status_id=21&status=CHARGED&order_id=order_id_007&signature={signature_on_wire}&signature_algorithm=HMAC-SHA256"
        )
    }

    #[test]
    fn a_single_encoded_signature_matches_the_reference_implementation() {
        let signature = reference_signature(&PARAMS, KEY);
        assert!(verify_return_query(&query_with(&escape_base64(&signature)), &key()).is_ok());
    }

    #[test]
    fn a_double_encoded_signature_is_accepted() {
        let signature = reference_signature(&PARAMS, KEY);
        let double = escape_base64(&signature).replace('%', "%25");
        assert!(verify_return_query(&query_with(&double), &key()).is_ok());
    }

    #[test]
    fn signing_agrees_with_the_reference_for_every_flavour_on_plain_values() {
        let params: Vec<(String, String)> = PARAMS
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        for flavour in PercentEncoding::ALL {
            assert_eq!(
                sign_return_params(&params, &key(), flavour),
                reference_signature(&PARAMS, KEY)
            );
        }
    }

    #[test]
    fn a_tampered_parameter_is_rejected() {
        let signature = escape_base64(&reference_signature(&PARAMS, KEY));
        let tampered = query_with(&signature).replace("status_id=21", "status_id=22");
        assert!(matches!(
            verify_return_query(&tampered, &key()),
            Err(JuspayError::SignatureMismatch)
        ));
    }

    #[test]
    fn a_signature_made_with_another_key_is_rejected() {
        let signature = escape_base64(&reference_signature(&PARAMS, "some_other_key"));
        let result = verify_return_query(&query_with(&signature), &key());
        assert!(matches!(result, Err(JuspayError::SignatureMismatch)));
    }

    #[test]
    fn a_missing_or_empty_signature_is_reported_as_missing() {
        let query = "order_id=order_id_007&status=CHARGED&status_id=21";
        assert!(matches!(
            verify_return_query(query, &key()),
            Err(JuspayError::MissingSignature)
        ));
        let empty = format!("{query}&signature=");
        assert!(matches!(
            verify_return_query(&empty, &key()),
            Err(JuspayError::MissingSignature)
        ));
    }

    #[test]
    fn an_unexpected_signature_algorithm_is_rejected() {
        let signature = escape_base64(&reference_signature(&PARAMS, KEY));
        let query = query_with(&signature).replace("HMAC-SHA256", "MD5");
        assert!(verify_return_query(&query, &key()).is_err());
    }

    #[test]
    fn values_with_spaces_and_symbols_round_trip_through_sign_and_verify() {
        let mut params = vec![
            ("order_id".to_owned(), "guest (test)+1~x".to_owned()),
            ("status".to_owned(), "CHARGED".to_owned()),
        ];
        let signature = sign_return_params(&params, &key(), PercentEncoding::UriComponent);
        params.push(("signature".to_owned(), signature));
        assert!(verify_return_params(&params, &key()).is_ok());
        params[1].1 = "FAILED".to_owned();
        assert!(verify_return_params(&params, &key()).is_err());
    }
}

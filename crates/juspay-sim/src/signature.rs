//! Return-URL signature (§10). Invariant: the signed string is built from RFC 3986
//! percent-encoded keys and values sorted by encoded key, joined `k=v&…`, encoded once
//! more as a whole, then HMAC-SHA256 with the response key and standard padded base64;
//! the `signature` travels percent-encoded once in the redirect query (twice when
//! configured, matching the other doc example).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - _ . ~` (§10 step 2 and 5;
/// the flavour is Open question 7, this is the strictest reading).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The §10 signature over `params` (any `signature`/`signature_algorithm` are ignored).
pub fn sign(params: &[(&str, &str)], response_key: &str) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| *k != "signature" && *k != "signature_algorithm")
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    pairs.sort();
    let joined = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let message = percent_encode(&joined);
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(response_key.as_bytes()) else {
        // HMAC accepts keys of any length, so this branch cannot be taken.
        return String::new();
    };
    mac.update(message.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// `return_url` plus `order_id`, `status`, `status_id`, `signature`,
/// `signature_algorithm=HMAC-SHA256` (§10); query parameters already on `return_url` are
/// signed along with them. With `double_encode`, the signature value is
/// percent-encoded once more before it goes into the query.
pub fn signed_return_url(
    return_url: &str,
    order_id: &str,
    status: &str,
    status_id: u16,
    response_key: &str,
    double_encode: bool,
) -> String {
    let status_id = status_id.to_string();
    let params = [
        ("order_id", order_id),
        ("status", status),
        ("status_id", status_id.as_str()),
    ];
    // §10 step 1 signs every query parameter of the redirect, so parameters already on
    // the merchant's `return_url` are signed too; otherwise a verifier rejects the redirect.
    let existing: Vec<(String, String)> = return_url
        .split_once('?')
        .map(|(_, query)| {
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let signed_params: Vec<(&str, &str)> = existing
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(params.iter().copied())
        .collect();
    let signed = sign(&signed_params, response_key);
    let signature = if double_encode {
        percent_encode(&signed)
    } else {
        signed
    };
    let query = params
        .iter()
        .chain(&[
            ("signature", signature.as_str()),
            ("signature_algorithm", "HMAC-SHA256"),
        ])
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let separator = if return_url.contains('?') { '&' } else { '?' };
    format!("{return_url}{separator}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_ignores_parameter_order_and_the_signature_fields() {
        let a = sign(&[("status", "CHARGED"), ("order_id", "o1")], "key");
        let b = sign(
            &[
                ("order_id", "o1"),
                ("signature", "x"),
                ("status", "CHARGED"),
            ],
            "key",
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 44);
        assert_ne!(
            a,
            sign(&[("order_id", "o1"), ("status", "CHARGED")], "other")
        );
    }

    #[test]
    fn double_encoding_wraps_the_signature_in_a_second_layer() {
        let single = signed_return_url("https://r.example/x", "o1", "CHARGED", 21, "k", false);
        let double = signed_return_url("https://r.example/x", "o1", "CHARGED", 21, "k", true);
        assert!(single.contains("%3D&signature_algorithm"));
        assert!(double.contains("%253D&signature_algorithm"));
    }

    #[test]
    fn parameters_already_on_the_return_url_are_signed_too() {
        let url = signed_return_url(
            "https://r.example/x?cart=7",
            "o1",
            "CHARGED",
            21,
            "k",
            false,
        );
        let expected = sign(
            &[
                ("cart", "7"),
                ("order_id", "o1"),
                ("status", "CHARGED"),
                ("status_id", "21"),
            ],
            "k",
        );
        assert!(url.contains(&format!("signature={}", percent_encode(&expected))));
    }

    #[test]
    fn reserved_characters_are_percent_encoded() {
        assert_eq!(percent_encode("a b+c=d~"), "a%20b%2Bc%3Dd~");
    }
}

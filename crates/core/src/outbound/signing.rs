//! Signing outbound events the Standard Webhooks way (standardwebhooks.com): the receiver
//! checks `webhook-signature` against `{webhook-id}.{webhook-timestamp}.{body}` with the
//! endpoint's secret, using any of the spec's libraries.
//!
//! Invariants: a secret is `whsec_` and the base64 of 32 random bytes, and the bytes are
//! the HMAC key; while a secret is being rotated the header carries one `v1,` signature
//! per secret still valid, separated by spaces, so a receiver holding either verifies.

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new endpoint secret: `whsec_` and 32 random bytes in base64.
pub fn mint_secret() -> String {
    let mut key = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The `v1,` signature of one message with one secret; `None` when the secret is not a
/// `whsec_` base64 secret (never stored so, but a hand-edited row must not panic).
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{msg_id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per secret given, space-separated.
pub fn signature_header<'a>(
    secrets: impl IntoIterator<Item = &'a str>,
    msg_id: &str,
    timestamp: i64,
    body: &str,
) -> String {
    secrets
        .into_iter()
        .filter_map(|secret| sign(secret, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification: its secret, id, timestamp and
    /// payload give its signature.
    #[test]
    fn the_specifications_example_gives_its_signature() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_minted_secret_signs_and_rotation_carries_both_signatures() {
        let old = mint_secret();
        let new = mint_secret();
        assert!(new.starts_with(SECRET_PREFIX) && new != old);
        let header = signature_header([new.as_str(), old.as_str()], "msg_1", 1, "{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_eq!(sign("not base64!", "msg_1", 1, "{}"), None);
    }
}

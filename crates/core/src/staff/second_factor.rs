//! The second factor of staff sign-in: time-based one-time codes (TOTP, RFC 6238: SHA-1,
//! six digits, 30-second steps, as every authenticator app reads them) and one-time
//! recovery codes, plus the policy of who must have one.
//!
//! Invariants: a code is accepted at most once — the caller records the step it matched
//! and refuses any step not later than the last one used; recovery codes are stored only
//! as SHA-256 digests (they are random, 50 bits each, so a fast hash suffices) and each
//! works once.

use qrcode::{QrCode, render::svg};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

use dashboard_status::Role;

/// Seconds per code.
pub const STEP_SECONDS: u64 = 30;
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show beside the account.
const ISSUER: &str = "Merchant dashboard";

/// Who must sign in with a second factor (`auth.require_mfa`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaPolicy {
    /// Admins (they manage users and revoke mandates).
    Admins,
    /// Every user.
    All,
    /// Nobody is made to; anyone may still enrol.
    Off,
}

impl MfaPolicy {
    /// Whether a user of `role` must have a second factor before doing anything else.
    pub fn requires(self, role: Role) -> bool {
        match self {
            Self::Admins => role == Role::Admin,
            Self::All => true,
            Self::Off => false,
        }
    }
}

/// A new TOTP secret: 20 random bytes (160 bits, RFC 4226's recommendation), base32.
pub fn generate_secret() -> String {
    let bytes: [u8; 20] = rand::thread_rng().r#gen();
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => String::new(),
    }
}

fn totp(secret_base32: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS,
        bytes,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .ok()
}

/// The step a code matches at `now_secs` (the current step or one either side, for clock
/// drift), or `None` when it matches none. The caller must refuse a step already used.
pub fn matching_step(secret_base32: &str, code: &str, now_secs: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret_base32, "")?;
    let current = now_secs / STEP_SECONDS;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .find(|step| totp.generate(step * STEP_SECONDS) == code)
}

/// The code for `secret_base32` at `now_secs` (for tests and the simulator's users).
pub fn code_at(secret_base32: &str, now_secs: u64) -> Option<String> {
    totp(secret_base32, "").map(|t| t.generate(now_secs))
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn provisioning_url(secret_base32: &str, username: &str) -> Option<String> {
    totp(secret_base32, username).map(|t| t.get_url())
}

/// The QR code of `url` as an SVG document, for the enrolment page (no script, no image
/// request: it works with JavaScript off and under the page's policy).
pub fn qr_svg(url: &str) -> Option<String> {
    let code = QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// Ten new recovery codes, as shown to the user once (`xxxxx-xxxxx`, lower-case letters
/// and digits without look-alikes).
pub fn generate_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut code: String = (0..10)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect();
            code.insert(5, '-');
            code
        })
        .collect()
}

/// The stored digest of a recovery code, as typed (spaces, dashes and case ignored).
pub fn hash_recovery_code(code: &str) -> String {
    let canonical: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_but_nothing_further() {
        let secret = generate_secret();
        assert_eq!(secret.len(), 32, "160 bits in base32");
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(matching_step(&secret, &code, now), Some(now / 30));
        assert_eq!(
            matching_step(&secret, &code, now + 30),
            Some(now / 30),
            "drift"
        );
        assert_eq!(matching_step(&secret, &code, now + 90), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(&secret, &spaced, now), Some(now / 30));
        assert_eq!(matching_step(&secret, "12345a", now), None);
        assert_eq!(matching_step("not base32!", &code, now), None);
    }

    #[test]
    fn the_rfc_6238_test_vector_gives_its_code() {
        // RFC 6238 appendix B, SHA-1: the ASCII secret "12345678901234567890" at 59 s.
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(text) => text,
            Secret::Raw(_) => unreachable!(),
        };
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
    }

    #[test]
    fn the_provisioning_address_and_its_qr_code_name_the_account() {
        let secret = generate_secret();
        let url = provisioning_url(&secret, "ana").unwrap();
        assert!(
            url.starts_with("otpauth://totp/Merchant%20dashboard:ana?secret="),
            "{url}"
        );
        assert!(url.contains(&secret));
        let svg = qr_svg(&url).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }

    #[test]
    fn recovery_codes_are_distinct_and_match_as_typed() {
        let codes = generate_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert_eq!(code.len(), 11);
        assert_eq!(
            hash_recovery_code(code),
            hash_recovery_code(&code.to_uppercase().replace('-', " "))
        );
        assert_ne!(hash_recovery_code(code), hash_recovery_code(&codes[1]));
    }

    #[test]
    fn the_policy_names_who_must_enrol() {
        assert!(MfaPolicy::Admins.requires(Role::Admin));
        assert!(!MfaPolicy::Admins.requires(Role::Operator));
        assert!(MfaPolicy::All.requires(Role::Viewer));
        assert!(!MfaPolicy::Off.requires(Role::Admin));
    }
}

//! One module per screen.

pub mod health;
pub mod login;
pub mod mandates;
pub mod not_found;
pub mod order;
pub mod orders;
pub mod refunds;
pub mod users;
pub mod webhooks;

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

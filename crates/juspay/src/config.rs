//! Client configuration: where Juspay lives and how to authenticate (§1, §2).
//!
//! Invariant: the API key is a [`SecretString`]; `Debug` output shows it as redacted.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::time::Duration;

use secrecy::SecretString;

/// `version` header pinned by default (§2.4): a date after the cut-over to the full
/// create-order response, matching Juspay's own Saleor app.
pub const DEFAULT_API_VERSION: &str = "2024-01-01";

/// Per-request timeout when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings for [`crate::JuspayClient`].
#[derive(Debug, Clone)]
pub struct JuspayConfig {
    /// e.g. `https://sandbox.juspay.in`, `https://api.juspay.in` or a local simulator.
    pub base_url: String,
    /// Sent as the Basic-auth username with an empty password (§2.1).
    pub api_key: SecretString,
    /// Sent as `x-merchantid` (§2.2) and as `merchant_id` on `/txns`.
    pub merchant_id: String,
    /// `version` header value (§2.4).
    pub version: String,
    /// Whole-request timeout, connect to last body byte.
    pub timeout: Duration,
}

impl JuspayConfig {
    /// A configuration with the default version and timeout.
    pub fn new(
        base_url: impl Into<String>,
        api_key: SecretString,
        merchant_id: impl Into<String>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            merchant_id: merchant_id.into(),
            version: DEFAULT_API_VERSION.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Overrides the `version` header.
    #[must_use]
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Overrides the request timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_the_config_does_not_contain_the_api_key() {
        let config = JuspayConfig::new(
            "https://sandbox.juspay.in",
            SecretString::from("KEY_very_secret_123"),
            "m1",
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("KEY_very_secret_123"));
        assert!(shown.contains("m1"));
    }
}

//! Simulator configuration. Invariant: everything that changes wire behaviour
//! (credentials, keys, URLs, timing) is set here once at start and never mutated.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use serde::{Deserialize, Serialize};

/// Another merchant the simulator serves, with its own isolated state (§2.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantAccount {
    /// Merchant id.
    pub merchant_id: String,
    /// Its API key.
    pub api_key: String,
}

/// How the simulator identifies its merchants, signs and delivers things,
/// and how fast its clock runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimConfig {
    /// Port on 127.0.0.1; `0` picks a free one (tests).
    pub port: u16,
    /// The merchant whose API key is accepted (§2.1, §2.2).
    pub merchant_id: String,
    /// API key expected as the Basic-auth username (§2.1).
    pub api_key: String,
    /// Further merchants; each key maps to its own merchant and state.
    pub extra_merchants: Vec<MerchantAccount>,
    /// Default webhook URL; an order's `metadata.webhook_url` overrides it (§9.3).
    pub webhook_url: Option<String>,
    /// Webhook API version set "in the dashboard": events newer than it are not sent
    /// (§9.2 minimum versions); `None` sends every event.
    pub webhook_version: Option<String>,
    /// Basic-auth username sent with webhooks (§9.3).
    pub webhook_username: String,
    /// Basic-auth password sent with webhooks (§9.3).
    pub webhook_password: String,
    /// Response key for the return-URL signature (§10).
    pub response_key: String,
    /// Percent-encode the redirect `signature` twice (`%253D`), as one doc example shows;
    /// single encoding (`%3D`) otherwise (§10 pitfalls).
    pub double_encode_signature: bool,
    /// Multiplier for every simulated delay: `0.01` turns a 10 s retry delay into 100 ms.
    pub time_scale: f64,
    /// Seed for ids, outcomes of probabilistic faults and demo traffic.
    pub seed: u64,
    /// Start the demo traffic generator at boot.
    pub demo_traffic: bool,
    /// JPSL callbacks (a second gateway) for demos and tests; off without a URL.
    #[serde(default)]
    pub jpsl: crate::jpsl::JpslConfig,
    /// Standard Webhooks secret (`whsec_` and base64) that deliveries to the
    /// `/__sim/receiver` route are verified against; without one every delivery is
    /// accepted and recorded unverified. Never logged.
    #[serde(default)]
    pub receiver_secret: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            merchant_id: "sim_merchant".to_owned(),
            api_key: "sim_api_key".to_owned(),
            extra_merchants: Vec::new(),
            webhook_url: None,
            webhook_version: None,
            webhook_username: "sim_webhook_user".to_owned(),
            webhook_password: "sim_webhook_password".to_owned(),
            response_key: "sim_response_key".to_owned(),
            double_encode_signature: false,
            time_scale: 1.0,
            seed: 7,
            demo_traffic: false,
            jpsl: crate::jpsl::JpslConfig::default(),
            receiver_secret: None,
        }
    }
}

impl SimConfig {
    /// Every merchant served, the primary one first.
    pub fn accounts(&self) -> Vec<MerchantAccount> {
        std::iter::once(MerchantAccount {
            merchant_id: self.merchant_id.clone(),
            api_key: self.api_key.clone(),
        })
        .chain(self.extra_merchants.iter().cloned())
        .collect()
    }
}

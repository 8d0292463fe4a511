//! Configuration: compiled-in defaults, then an optional TOML file, then environment
//! variables prefixed `DASHBOARD_` (sections split by `__`, e.g. `DASHBOARD_SERVER__ADDR`);
//! `DATABASE_URL` is honoured as `database.url`. Everything is validated once at start-up
//! and a bad value is reported with the key that holds it. Secrets are wrapped so that
//! neither `Debug` nor a log line can print them.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

mod validate;

pub use validate::MIN_SECRET_BYTES;

use std::{net::SocketAddr, path::Path};

use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use secrecy::SecretString;
use serde::Deserialize;

/// The documented defaults, compiled in. `config.example.toml` in the repository root
/// repeats them with comments.
pub const DEFAULTS: &str = r#"
[server]
addr = "127.0.0.1:3000"
trust_forwarded_for = false
trusted_proxies = 1
hsts_max_age_seconds = 31536000
session_idle_minutes = 30
session_absolute_hours = 12
site_root = "target/site"

[database]
url = "sqlite://data/dashboard.db"
max_connections = 8

[admin]
username = "admin"

[login]
max_failures_per_account = 5
max_failures_per_ip = 20
window_minutes = 15
account_delay_after = 3
max_concurrent_verifications = 4

[auth]
require_mfa = "admins"
step_up_amount = "10000.00"

[webhook]
username = "juspay"
max_body_bytes = 1048576
max_rejected_kept = 1000
rejected_kept_per_address_per_minute = 10

[processor]
enabled = true
max_attempts = 8
retry_base_seconds = 2
ready_max_backlog = 10000
workers = 4

[juspay]
base_url = "https://sandbox.juspay.in"
merchant_id = ""
environment = "sandbox"
timeout_seconds = 15

[merchant_api]
payment_page_client_id = ""

[jpsl]
merchant_id = ""

[reconciler]
enabled = true
first_check_seconds = 60
max_interval_minutes = 60
stale_after_hours = 24
concurrency = 4
lease_seconds = 120
batch = 20

[outbound]
enabled = true
timeout_seconds = 15
retry_schedule_seconds = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
disable_after_days = 5
secret_overlap_hours = 24
concurrency = 8
per_endpoint_concurrency = 4
lease_seconds = 60
poll_millis = 500

[disputes]
evidence_max_bytes = 5242880

[retention]
webhook_days = 90
batch = 500

[alerts]
enabled = true
interval_seconds = 60
window_minutes = 60
min_attempts = 20
success_rate_percent = 90.0
webhook_silence_minutes = 30
pending_minutes = 30
auth_failures = 20
dispute_respond_hours = 48
notify_attempts = 6
notify_backoff_seconds = 5

[log]
filter = "info"
format = "text"

[telemetry]
service_name = "merchant-dashboard"
accept_traceparent = false

[ui]
default_timezone = "Asia/Kolkata"
"#;

/// Environment prefix of every setting.
pub const ENV_PREFIX: &str = "DASHBOARD_";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub admin: AdminConfig,
    pub login: crate::staff::auth::LoginConfig,
    pub auth: AuthConfig,
    pub webhook: WebhookConfig,
    pub processor: ProcessorConfig,
    pub juspay: JuspaySettings,
    pub merchant_api: MerchantApiConfig,
    pub jpsl: JpslConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
    pub reconciler: ReconcilerConfig,
    pub outbound: OutboundConfig,
    pub disputes: DisputesConfig,
    pub retention: RetentionConfig,
    pub alerts: AlertsConfig,
    pub log: LogConfig,
    pub telemetry: TelemetryConfig,
    pub ui: UiConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the HTTP server listens on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Mark cookies `Secure` (and name the cookie `__Host-…`) and send HSTS: the site is
    /// served over https. Unset, it is on whenever `addr` is not a loopback address; read it
    /// through [`ServerConfig::secure_cookies`].
    #[serde(rename = "secure_cookies")]
    pub secure_cookies_setting: Option<bool>,
    /// Take the client address from `X-Forwarded-For` (only behind trusted proxies).
    pub trust_forwarded_for: bool,
    /// How many proxies of ours stand in front: the client address is the one this many
    /// entries from the right of `X-Forwarded-For` (entries further left are the client's
    /// own claims).
    pub trusted_proxies: usize,
    /// `Strict-Transport-Security: max-age` when cookies are secure.
    pub hsts_max_age_seconds: u64,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Folder of the built browser bundle and static assets (`pkg/`, `favicon.ico`).
    pub site_root: String,
}

impl ServerConfig {
    /// Whether cookies are `Secure`: as set, or on unless the server listens on loopback
    /// only (a deployment reachable from elsewhere is expected behind https).
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies_setting
            .unwrap_or(!self.addr.ip().is_loopback())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path/to/file.db` or `postgres://user@host:port/db`.
    pub url: String,
    pub max_connections: u32,
    /// SQLite only: the most pages (4 KiB each) the file may grow to; writes beyond fail
    /// as on a full disk. Unset (the default) means no limit but the disk's.
    #[serde(default)]
    pub sqlite_max_pages: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// Account created at start-up when no admin exists.
    pub username: String,
    /// Its password; when absent a random one is generated and printed once.
    pub password: Option<SecretString>,
}

/// Staff authentication beyond the password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Who must sign in with a second factor: `admins`, `all` or `off` (anyone may enrol).
    pub require_mfa: crate::staff::second_factor::MfaPolicy,
    /// Refunds and captures above this amount (major units, in the order's currency) need
    /// the password (and second factor) again within the last five minutes; read it
    /// through [`AuthConfig::step_up_minor`].
    #[serde(deserialize_with = "amount_text")]
    pub step_up_amount: String,
}

/// An amount written as text or as a number (an environment variable `10000.00` arrives as
/// a number), kept as text for exact parsing.
fn amount_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Amount {
        Text(String),
        Whole(i64),
        Decimal(f64),
    }
    Ok(match Amount::deserialize(deserializer)? {
        Amount::Text(text) => text,
        Amount::Whole(n) => n.to_string(),
        Amount::Decimal(x) => x.to_string(),
    })
}

impl AuthConfig {
    /// [`AuthConfig::step_up_amount`] in minor units of `currency` (validated at start-up
    /// with two decimals; a threshold finer than the currency's unit, such as `0.50` for
    /// JPY, is 0, so every refund in it asks again: the safe side).
    pub fn step_up_minor(&self, currency: &str) -> i64 {
        crate::money::parse_major(&self.step_up_amount, currency).unwrap_or(0)
    }
}

/// Credentials Juspay sends on webhooks (set in Juspay's dashboard, §9.3) and limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub username: String,
    /// Until it is set, webhooks are answered 503 so Juspay keeps retrying them.
    pub password: Option<SecretString>,
    /// Larger bodies are refused with 413 before they are read.
    pub max_body_bytes: usize,
    /// How many rejected (bad-credential) attempts are kept for diagnosis.
    pub max_rejected_kept: i64,
    /// Refused deliveries (here and on `/callbacks/jpsl`) stored per client address per
    /// minute; the rest are answered and counted, not stored.
    pub rejected_kept_per_address_per_minute: u32,
}

/// The background worker that applies stored webhooks to orders, refunds and mandates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessorConfig {
    /// Off when a separate process does the processing; events then wait in the database.
    pub enabled: bool,
    /// Attempts after a transient failure (database unavailable) before the event is
    /// marked failed; the wait doubles each time from `retry_base_seconds`.
    pub max_attempts: i64,
    pub retry_base_seconds: i64,
    /// `/readyz` fails while more stored events than this wait to be processed (the
    /// instance is falling behind; a load balancer should prefer another).
    pub ready_max_backlog: i64,
    /// Processing loops side by side in this instance on PostgreSQL, each applying its own
    /// group of events on its own connection while it works; at most half of
    /// `database.max_connections`, so pages keep connections (SQLite takes one writer at a
    /// time, so it runs one).
    pub workers: i64,
}

/// Where Juspay is and how we authenticate to it (§1, §2). Calls to Juspay (sync, the
/// reconciler, refunds, mandates) are off until `api_key` and `merchant_id` are set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JuspaySettings {
    /// `https://sandbox.juspay.in`, `https://api.juspay.in`, or the local simulator.
    pub base_url: String,
    pub api_key: Option<SecretString>,
    pub merchant_id: String,
    /// Key that signs the return-URL redirect (§10).
    pub response_key: Option<SecretString>,
    /// `sandbox` or `production`, passed to the SDK (§11).
    pub environment: String,
    /// Where Juspay sends the customer after paying for an order we create: this
    /// dashboard's `/payments/return` as the customer's browser reaches it.
    pub return_url: Option<String>,
    pub timeout_seconds: u64,
}

impl JuspaySettings {
    /// The client configuration, when Juspay calls are configured.
    pub fn client_config(&self) -> Option<juspay::JuspayConfig> {
        let key = self.api_key.clone()?;
        if self.merchant_id.is_empty() {
            return None;
        }
        Some(
            juspay::JuspayConfig::new(self.base_url.clone(), key, self.merchant_id.clone())
                .with_timeout(std::time::Duration::from_secs(self.timeout_seconds)),
        )
    }
}

/// The JSON endpoints the merchant's own app calls before opening Juspay's payment page
/// (Juspay's SDK flow): off until `token` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantApiConfig {
    /// Bearer token the merchant's app sends.
    pub token: Option<SecretString>,
    /// `payment_page_client_id` / `clientId` of the SDK (§4.2, §11).
    pub payment_page_client_id: String,
    /// Key id of the RSA key uploaded to Juspay's dashboard (`merchantKeyId`, §11).
    pub sdk_key_id: Option<String>,
    /// PEM file of the matching private key; signed payloads are off until both are set.
    pub sdk_private_key_file: Option<String>,
}

/// The second callback source: JPSL (JioPay, PayPhi stack) payment advice, verified by
/// its `secureHash`. Off (503, so JPSL retries) until `merchant_id` and `secret` are set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JpslConfig {
    /// Our merchant id at JPSL; callbacks for another merchant are stored as foreign.
    pub merchant_id: String,
    /// When set, callbacks must carry this `aggregatorID`.
    pub aggregator_id: Option<String>,
    /// The secret key of the merchant dashboard that keys the `secureHash`.
    pub secret: Option<SecretString>,
}

/// `GET /metrics` in Prometheus text format, for a scraper holding the token.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Bearer token; `/metrics` answers 404 until it is set.
    pub token: Option<SecretString>,
}

/// The background task that polls Juspay for orders whose outcome we do not know yet.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcilerConfig {
    pub enabled: bool,
    /// Wait before the first check of a new order; each later wait doubles.
    pub first_check_seconds: i64,
    /// Longest wait between two checks of one order.
    pub max_interval_minutes: i64,
    /// An order still unresolved this long after creation is marked stale and no longer
    /// polled (it is listed for a person to look at).
    pub stale_after_hours: i64,
    /// Juspay calls in flight at once, per instance.
    pub concurrency: usize,
    /// How long an instance owns the orders it is checking; another instance may take
    /// them over after that (a crashed instance does not hold them forever).
    pub lease_seconds: i64,
    /// Orders leased per pass.
    pub batch: i64,
}

/// Events sent to the merchant's own systems (Standard Webhooks, docs/outbound.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundConfig {
    /// Run the delivery worker on this instance (every instance may; they share the work).
    pub enabled: bool,
    /// A receiver has this long to answer before the attempt counts as failed.
    pub timeout_seconds: u64,
    /// Wait before each attempt (the first is normally immediate); a delivery that fails
    /// them all is marked failed. Each wait gets up to a tenth of random extra.
    pub retry_schedule_seconds: Vec<u64>,
    /// An endpoint whose every delivery failed for this long is disabled (and an alert
    /// says so).
    pub disable_after_days: i64,
    /// After a rotation the old secret also signs for this long, so the receiver can
    /// switch without losing events.
    pub secret_overlap_hours: i64,
    /// Deliveries in flight at once, per instance.
    pub concurrency: usize,
    /// Deliveries in flight at once to one endpoint, per instance: a slow receiver does
    /// not take every slot.
    pub per_endpoint_concurrency: usize,
    /// How long an instance owns a delivery it is sending.
    pub lease_seconds: i64,
    /// How often the worker looks for due deliveries when idle.
    pub poll_millis: u64,
}

/// Disputes: what staff may attach as evidence.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputesConfig {
    /// The largest evidence file accepted (PDF, PNG, JPEG or plain text), in bytes.
    pub evidence_max_bytes: usize,
}

/// How long raw webhook deliveries are kept. The event row and its outcome stay for good;
/// the audit log is never pruned.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days after receipt when a processed delivery's raw body and headers are removed.
    pub webhook_days: i64,
    /// Deliveries stripped per statement, so a pass never holds the write lock for long.
    pub batch: i64,
}

/// Health conditions evaluated in the background (for example, the success rate below
/// 90 %), and where to send their notifications.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    pub enabled: bool,
    /// Seconds between two evaluations.
    pub interval_seconds: u64,
    /// The window the success rate and the auth failures are counted over.
    pub window_minutes: i64,
    /// Outcomes needed in the window before a success rate is judged (overall and per
    /// gateway or method).
    pub min_attempts: i64,
    /// A success rate below this opens an alert.
    pub success_rate_percent: f64,
    /// Orders were created but no authenticated webhook arrived for this long.
    pub webhook_silence_minutes: i64,
    /// Orders whose payment is in progress (not `NEW`, no outcome) for longer than this.
    pub pending_minutes: i64,
    /// Deliveries refused for bad credentials in the window that open an alert.
    pub auth_failures: i64,
    /// A dispute awaiting our response opens an alert when it arrives, and a second, urgent
    /// one when its respond-by time is this close.
    pub dispute_respond_hours: i64,
    /// Receives a signed JSON POST when an alert opens or resolves.
    pub notify_url: Option<String>,
    /// HMAC-SHA256 key of the notification signature; required with `notify_url`.
    pub notify_secret: Option<SecretString>,
    /// Tries per notification before it is given up (logged).
    pub notify_attempts: u32,
    /// Wait before the first retry; each later wait doubles.
    pub notify_backoff_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `tracing` filter directive, e.g. `info` or `dashboard_core=debug,info`.
    pub filter: String,
    /// `text` for people, `json` (one object a line) for log collectors.
    pub format: LogFormat,
}

/// How pages show things to people.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// IANA zone pages show times in for a user who has not chosen one (each user may pick
    /// their own on their account page). Exports and the API stay in UTC.
    pub default_timezone: String,
}

impl UiConfig {
    /// The default zone; validated at start-up, so a bad name cannot reach here from a
    /// loaded configuration (UTC if it somehow does).
    pub fn default_zone(&self) -> crate::clock::Zone {
        crate::clock::Zone::named(&self.default_timezone)
            .unwrap_or_else(|_| crate::clock::Zone::utc())
    }

    /// The zone a user reads times in: the one they chose, if the database still knows
    /// it, else the default.
    pub fn zone_for(&self, chosen: Option<&str>) -> crate::clock::Zone {
        chosen
            .and_then(|name| crate::clock::Zone::named(name).ok())
            .unwrap_or_else(|| self.default_zone())
    }
}

/// Distributed traces (OpenTelemetry).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// OTLP/HTTP traces endpoint (e.g. `http://collector:4318/v1/traces`); unset, no
    /// spans leave the process (trace ids are still minted, logged and propagated).
    #[serde(default)]
    pub otlp_endpoint: Option<String>,
    /// `service.name` of the exported spans.
    pub service_name: String,
    /// Continue the trace of an incoming `traceparent` (its trace id becomes the request's
    /// trace id, in logs and audit rows). Only behind a proxy or mesh you control: any
    /// client could otherwise choose the trace id written into the audit log.
    pub accept_traceparent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// A configuration that cannot be used; the message names the offending key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration error: {0}")]
    Load(Box<figment::Error>),
    #[error("configuration error: `{key}` {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl Config {
    /// Loads defaults → `file` (if given) → environment, then validates.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::from_figment(Self::figment(file))
    }

    /// The layered sources, exposed so tests and tools can add their own layer on top.
    pub fn figment(file: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Some(path) = file {
            figment = figment.merge(Toml::file_exact(path));
        }
        figment
            .merge(Env::prefixed(ENV_PREFIX).ignore(&["CONFIG"]).split("__"))
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database.url".into()),
            )
    }

    /// Extracts and validates a configuration from any figment.
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Self = figment
            .extract()
            .map_err(|e| ConfigError::Load(Box::new(e)))?;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use figment::providers::Serialized;
    use secrecy::ExposeSecret;

    use super::*;

    fn with(key: &str, value: &str) -> Result<Config, ConfigError> {
        Config::from_figment(
            Figment::from(Toml::string(DEFAULTS)).merge(Serialized::global(key, value)),
        )
    }

    #[test]
    fn defaults_are_valid_and_use_embedded_sqlite() {
        let config = Config::from_figment(Figment::from(Toml::string(DEFAULTS))).unwrap();
        assert!(config.database.url.starts_with("sqlite:"));
        assert_eq!(config.server.addr.port(), 3000);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_reported_with_its_key() {
        let err = with("server.addr", "not-an-address")
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.addr"), "{err}");
    }

    #[test]
    fn an_unknown_database_scheme_is_reported_with_its_key() {
        let err = with("database.url", "mysql://x").unwrap_err().to_string();
        assert!(err.contains("database.url"), "{err}");
    }

    #[test]
    fn processing_workers_are_between_one_and_sixteen() {
        let figment = |workers: i64| {
            Figment::from(Toml::string(DEFAULTS))
                .merge(Toml::string(&format!("[processor]\nworkers = {workers}")))
        };
        assert_eq!(
            Config::from_figment(figment(4)).unwrap().processor.workers,
            4
        );
        for refused in [0, 17] {
            let err = Config::from_figment(figment(refused))
                .unwrap_err()
                .to_string();
            assert!(err.contains("processor.workers"), "{refused}: {err}");
        }
    }

    #[test]
    fn an_unknown_key_is_named() {
        let err = Config::from_figment(
            Figment::from(Toml::string(DEFAULTS)).merge(Toml::string("[server]\nadr = \"x\"")),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("adr"), "{err}");
    }

    #[test]
    fn a_weak_admin_password_is_refused_at_start_up() {
        let err = with("admin.password", "short").unwrap_err().to_string();
        assert!(err.contains("admin.password"), "{err}");
    }

    #[test]
    fn a_short_or_empty_secret_is_refused_at_start_up_naming_its_key() {
        for key in [
            "webhook.password",
            "jpsl.secret",
            "metrics.token",
            "merchant_api.token",
            "juspay.response_key",
            "alerts.notify_secret",
        ] {
            for weak in ["", "fifteen bytes!!"] {
                let err = with(key, weak).unwrap_err().to_string();
                assert!(err.contains(key) && err.contains("16 bytes"), "{err}");
            }
            assert!(with(key, "sixteen bytes!!!").is_ok(), "{key}");
        }
    }

    #[test]
    fn cookies_are_secure_by_default_unless_the_server_listens_on_loopback() {
        let secure = |addr: &str| with("server.addr", addr).unwrap().server.secure_cookies();
        assert!(!secure("127.0.0.1:3000"));
        assert!(!secure("[::1]:3000"));
        assert!(secure("0.0.0.0:3000"));
        assert!(secure("10.1.2.3:443"));
        let config = Config::from_figment(Figment::from(Toml::string(DEFAULTS)).merge(
            Toml::string("[server]\naddr = \"0.0.0.0:3000\"\nsecure_cookies = false\n"),
        ))
        .unwrap();
        assert!(!config.server.secure_cookies(), "an explicit setting wins");
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the closure's error type.
    fn the_step_up_amount_is_read_as_text_or_as_a_number_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DASHBOARD_AUTH__STEP_UP_AMOUNT", "50.00");
            assert_eq!(Config::load(None).unwrap().auth.step_up_minor("INR"), 5_000);
            jail.set_env("DASHBOARD_AUTH__STEP_UP_AMOUNT", "250.5");
            assert_eq!(
                Config::load(None).unwrap().auth.step_up_minor("INR"),
                25_050
            );
            jail.set_env("DASHBOARD_AUTH__STEP_UP_AMOUNT", "lots");
            assert!(
                Config::load(None)
                    .unwrap_err()
                    .to_string()
                    .contains("auth.step_up_amount")
            );
            Ok(())
        });
        assert_eq!(
            with("auth.step_up_amount", "10000.00")
                .unwrap()
                .auth
                .step_up_minor("INR"),
            1_000_000
        );
    }

    #[test]
    fn secrets_do_not_appear_in_debug_output() {
        let config = with("admin.password", "correct-horse-battery").unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("correct-horse-battery"), "{shown}");
        let password = config.admin.password.unwrap();
        assert_eq!(password.expose_secret(), "correct-horse-battery");
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the closure's error type.
    fn environment_overrides_the_file_and_database_url_is_honoured() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("dash.toml", "[server]\naddr = \"127.0.0.1:4000\"\n")?;
            jail.set_env("DASHBOARD_LOG__FILTER", "debug");
            jail.set_env("DATABASE_URL", "postgres://u@127.0.0.1:5/db");
            let config = Config::load(Some(Path::new("dash.toml"))).unwrap();
            assert_eq!(config.server.addr.port(), 4000);
            assert_eq!(config.log.filter, "debug");
            assert_eq!(config.database.url, "postgres://u@127.0.0.1:5/db");
            Ok(())
        });
    }
}

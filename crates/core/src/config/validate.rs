//! Start-up validation of a loaded configuration: every value that cannot work is refused
//! with the key that holds it, before anything is served.

use secrecy::SecretString;

use super::{Config, ConfigError};

impl Config {
    /// Refuses a configuration that cannot work, naming the offending key.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.database.url;
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database.url",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        if let Err(e) = crate::clock::Zone::named(&self.ui.default_timezone) {
            return Err(invalid("ui.default_timezone", &e.to_string()));
        }
        if self.database.max_connections == 0 {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        positive(
            "server.session_idle_minutes",
            self.server.session_idle_minutes,
        )?;
        positive(
            "server.session_absolute_hours",
            self.server.session_absolute_hours,
        )?;
        positive(
            "login.max_failures_per_account",
            self.login.max_failures_per_account,
        )?;
        positive("login.max_failures_per_ip", self.login.max_failures_per_ip)?;
        positive("login.window_minutes", self.login.window_minutes)?;
        positive("login.account_delay_after", self.login.account_delay_after)?;
        if self.login.max_concurrent_verifications == 0 {
            return Err(invalid(
                "login.max_concurrent_verifications",
                "must be at least 1",
            ));
        }
        if self.webhook.max_body_bytes == 0 {
            return Err(invalid("webhook.max_body_bytes", "must be at least 1"));
        }
        positive("webhook.max_rejected_kept", self.webhook.max_rejected_kept)?;
        positive("processor.max_attempts", self.processor.max_attempts)?;
        positive("retention.webhook_days", self.retention.webhook_days)?;
        positive("retention.batch", self.retention.batch)?;
        positive(
            "processor.ready_max_backlog",
            self.processor.ready_max_backlog,
        )?;
        positive("processor.workers", self.processor.workers)?;
        if self.processor.workers > 16 {
            return Err(invalid("processor.workers", "must be at most 16"));
        }
        positive(
            "processor.retry_base_seconds",
            self.processor.retry_base_seconds,
        )?;
        if let Some(endpoint) = &self.telemetry.otlp_endpoint
            && let Err(e) = url_of(endpoint)
        {
            return Err(invalid("telemetry.otlp_endpoint", &e));
        }
        if let Err(e) = url_of(&self.juspay.base_url) {
            return Err(invalid("juspay.base_url", &e));
        }
        if let Some(url) = &self.juspay.return_url
            && let Err(e) = url_of(url)
        {
            return Err(invalid("juspay.return_url", &e));
        }
        if !matches!(self.juspay.environment.as_str(), "sandbox" | "production") {
            return Err(invalid(
                "juspay.environment",
                "must be sandbox or production",
            ));
        }
        if self.juspay.timeout_seconds == 0 {
            return Err(invalid("juspay.timeout_seconds", "must be at least 1"));
        }
        for (key, value) in [
            (
                "reconciler.first_check_seconds",
                self.reconciler.first_check_seconds,
            ),
            (
                "reconciler.max_interval_minutes",
                self.reconciler.max_interval_minutes,
            ),
            (
                "reconciler.stale_after_hours",
                self.reconciler.stale_after_hours,
            ),
            ("reconciler.lease_seconds", self.reconciler.lease_seconds),
            ("reconciler.batch", self.reconciler.batch),
        ] {
            positive(key, value)?;
        }
        if self.reconciler.concurrency == 0 {
            return Err(invalid("reconciler.concurrency", "must be at least 1"));
        }
        if self.outbound.retry_schedule_seconds.is_empty() {
            return Err(invalid(
                "outbound.retry_schedule_seconds",
                "must list at least one wait (0 for an immediate first attempt)",
            ));
        }
        if self.outbound.concurrency == 0 {
            return Err(invalid("outbound.concurrency", "must be at least 1"));
        }
        if self.outbound.per_endpoint_concurrency == 0 {
            return Err(invalid(
                "outbound.per_endpoint_concurrency",
                "must be at least 1",
            ));
        }
        for (key, value) in [
            (
                "outbound.timeout_seconds",
                i64::try_from(self.outbound.timeout_seconds).unwrap_or(i64::MAX),
            ),
            (
                "outbound.disable_after_days",
                self.outbound.disable_after_days,
            ),
            (
                "outbound.secret_overlap_hours",
                self.outbound.secret_overlap_hours,
            ),
            ("outbound.lease_seconds", self.outbound.lease_seconds),
            (
                "outbound.poll_millis",
                i64::try_from(self.outbound.poll_millis).unwrap_or(i64::MAX),
            ),
        ] {
            positive(key, value)?;
        }
        for (key, value) in [
            (
                "alerts.interval_seconds",
                self.alerts.interval_seconds as i64,
            ),
            ("alerts.window_minutes", self.alerts.window_minutes),
            ("alerts.min_attempts", self.alerts.min_attempts),
            (
                "alerts.webhook_silence_minutes",
                self.alerts.webhook_silence_minutes,
            ),
            ("alerts.pending_minutes", self.alerts.pending_minutes),
            ("alerts.auth_failures", self.alerts.auth_failures),
            (
                "alerts.dispute_respond_hours",
                self.alerts.dispute_respond_hours,
            ),
            (
                "disputes.evidence_max_bytes",
                self.disputes.evidence_max_bytes as i64,
            ),
            (
                "alerts.notify_attempts",
                i64::from(self.alerts.notify_attempts),
            ),
        ] {
            positive(key, value)?;
        }
        if !(0.0..=100.0).contains(&self.alerts.success_rate_percent) {
            return Err(invalid(
                "alerts.success_rate_percent",
                "must be between 0 and 100",
            ));
        }
        if let Some(url) = &self.alerts.notify_url {
            if let Err(e) = url_of(url) {
                return Err(invalid("alerts.notify_url", &e));
            }
            if self.alerts.notify_secret.is_none() {
                return Err(invalid(
                    "alerts.notify_secret",
                    "is required with alerts.notify_url (notifications are signed)",
                ));
            }
        }
        if self.webhook.username.is_empty() || self.webhook.username.contains(':') {
            return Err(invalid(
                "webhook.username",
                "must be non-empty and contain no ':'",
            ));
        }
        if crate::staff::auth::Username::parse(&self.admin.username).is_err() {
            return Err(invalid(
                "admin.username",
                "must be 3–64 characters of a–z, 0–9, '.', '_' or '-'",
            ));
        }
        if let Some(password) = &self.admin.password
            && let Err(e) = crate::staff::auth::Password::parse(password.clone())
        {
            return Err(invalid("admin.password", &e.to_string()));
        }
        if crate::money::parse_major(&self.auth.step_up_amount, crate::reports::DEFAULT_CURRENCY)
            .is_none_or(|a| a < 0)
        {
            return Err(invalid(
                "auth.step_up_amount",
                "must be an amount like 10000.00",
            ));
        }
        if self.server.trust_forwarded_for && self.server.trusted_proxies == 0 {
            return Err(invalid(
                "server.trusted_proxies",
                "must be at least 1 with server.trust_forwarded_for",
            ));
        }
        for (key, secret) in [
            ("webhook.password", &self.webhook.password),
            ("jpsl.secret", &self.jpsl.secret),
            ("metrics.token", &self.metrics.token),
            ("merchant_api.token", &self.merchant_api.token),
            ("juspay.response_key", &self.juspay.response_key),
            ("alerts.notify_secret", &self.alerts.notify_secret),
        ] {
            if let Some(secret) = secret {
                strong_secret(key, secret)?;
            }
        }
        Ok(())
    }
}

/// Accepts `http://` and `https://` URLs with a host.
fn url_of(text: &str) -> Result<(), String> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or_else(|| "must start with http:// or https://".to_owned())?;
    if rest.trim_end_matches('/').is_empty() {
        return Err("must name a host".to_owned());
    }
    Ok(())
}

fn invalid(key: &'static str, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.to_owned(),
    }
}

/// Shortest secret we accept: a guessable shared secret would let anyone post webhooks,
/// read metrics or create orders.
pub const MIN_SECRET_BYTES: usize = 16;

/// Refuses a secret that is set but shorter than [`MIN_SECRET_BYTES`] (empty included).
fn strong_secret(key: &'static str, secret: &SecretString) -> Result<(), ConfigError> {
    use secrecy::ExposeSecret;
    if secret.expose_secret().len() < MIN_SECRET_BYTES {
        Err(invalid(
            key,
            &format!("must be at least {MIN_SECRET_BYTES} bytes when set"),
        ))
    } else {
        Ok(())
    }
}

fn positive(key: &'static str, value: i64) -> Result<(), ConfigError> {
    if value > 0 {
        Ok(())
    } else {
        Err(invalid(key, "must be greater than 0"))
    }
}

//! The merchant's receiving endpoints, managed by admins: added with the event types they
//! want, their secret shown once, rotated with an overlap, enabled and disabled, tested,
//! and failed deliveries replayed. Every change is audited in its own transaction.
//!
//! Invariants: an endpoint's URL is `https`, or `http` on a loopback address (a receiver
//! on the same machine); a secret leaves this module only in the answer to the call that
//! made it; the previous secret keeps signing until its overlap ends.

use serde::{Deserialize, Serialize};

use crate::{
    clock::now_millis,
    outbound::{
        events::{EVENT_TYPES, test_event},
        signing::mint_secret,
    },
    staff::audit::AuditEntry,
    store::{Store, StoreError, on_pool, on_tx},
};

/// The reason an endpoint disabled by an admin carries (no alert: a person chose it).
pub const DISABLED_BY_ADMIN: &str = "Disabled by an admin.";

/// An endpoint as the Outbound page shows it: never its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EndpointRecord {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<i64>,
    /// Deliveries per second at most (per instance); `None` for no limit.
    pub rate_limit: Option<i64>,
    /// The previous secret still signs until then (a rotation's overlap).
    pub previous_secret_until: Option<i64>,
    pub created_at: i64,
}

/// An endpoint to add, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEndpoint {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    /// Deliveries per second at most (per instance); `None` for no limit.
    pub rate_limit: Option<i64>,
}

impl NewEndpoint {
    /// An endpoint for `url` receiving every event, without a limit.
    pub fn all_events(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            ..Self::default()
        }
    }
}

/// Why an endpoint change cannot be made: a field to correct, a missing endpoint, or
/// storage.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("no such endpoint")]
    NotFound,
    #[error("storage failed")]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for EndpointError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

fn invalid(field: &'static str, message: &str) -> EndpointError {
    EndpointError::Invalid {
        field,
        message: message.to_owned(),
    }
}

/// Checks an endpoint URL: `https`, or `http` to a loopback address.
pub fn check_url(text: &str) -> Result<String, EndpointError> {
    let text = text.trim();
    let url = reqwest::Url::parse(text).map_err(|_| {
        invalid(
            "url",
            "Enter a full address like https://shop.example/hooks.",
        )
    })?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" if !host.is_empty() => Ok(url.to_string()),
        "http" if loopback => Ok(url.to_string()),
        "http" => Err(invalid(
            "url",
            "Use https; plain http is allowed only to this machine (localhost).",
        )),
        _ => Err(invalid("url", "Use an https address.")),
    }
}

/// Whether `secret` is a Standard Webhooks secret of a sensible strength.
pub fn is_valid_secret(secret: &str) -> bool {
    use base64::{Engine, engine::general_purpose::STANDARD};
    secret
        .strip_prefix(crate::outbound::signing::SECRET_PREFIX)
        .and_then(|key| STANDARD.decode(key).ok())
        .is_some_and(|key| (24..=64).contains(&key.len()))
}

/// Reads the chosen event types: `*` (or none chosen) for all, else known names only.
pub fn check_event_types(chosen: &[String]) -> Result<String, EndpointError> {
    let chosen: Vec<&str> = chosen
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    if chosen.is_empty() || chosen.contains(&"*") {
        return Ok("*".to_owned());
    }
    if let Some(unknown) = chosen.iter().find(|t| !EVENT_TYPES.contains(t)) {
        return Err(invalid(
            "event_types",
            &format!("{unknown} is not an event type this dashboard sends."),
        ));
    }
    Ok(chosen.join(","))
}

impl Store {
    /// Adds an endpoint; returns its id and its secret (shown once).
    pub async fn create_endpoint(
        &self,
        new: &NewEndpoint,
        audit: &AuditEntry,
    ) -> Result<(i64, String), EndpointError> {
        self.create_endpoint_with_secret(new, mint_secret(), audit)
            .await
    }

    /// Adds an endpoint with a secret made elsewhere (the command line, for a receiver
    /// configured beforehand); the secret must be `whsec_` and 24 to 64 bytes in base64.
    pub async fn create_endpoint_with_secret(
        &self,
        new: &NewEndpoint,
        secret: String,
        audit: &AuditEntry,
    ) -> Result<(i64, String), EndpointError> {
        if !is_valid_secret(&secret) {
            return Err(invalid(
                "secret",
                "Use whsec_ and 24 to 64 bytes in base64.",
            ));
        }
        let url = check_url(&new.url)?;
        let event_types = check_event_types(&new.event_types)?;
        let description = new.description.trim();
        if new.rate_limit.is_some_and(|r| !(1..=10_000).contains(&r)) {
            return Err(invalid(
                "rate_limit",
                "Use a whole number of events per second from 1 to 10000, or leave it empty.",
            ));
        }
        if description.chars().count() > 200 || description.chars().any(char::is_control) {
            return Err(invalid(
                "description",
                "Use up to 200 characters on one line.",
            ));
        }
        let now = now_millis();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, t => sqlx::query_scalar(
            "INSERT INTO outbound_endpoints (url, description, event_types, secret, enabled, \
             rate_limit, created_at, updated_at) VALUES ($1, $2, $3, $4, TRUE, $5, $6, $6) \
             RETURNING id")
            .bind(&url)
            .bind(description)
            .bind(&event_types)
            .bind(&secret)
            .bind(new.rate_limit)
            .bind(now)
            .fetch_one(&mut **t).await)?;
        let mut audit = audit.clone();
        audit.target = format!("endpoint:{id}");
        tx.audit(&audit).await?;
        tx.commit().await?;
        Ok((id, secret))
    }

    /// Gives the endpoint a new secret; the old one keeps signing for `overlap_ms`.
    /// Returns the new secret (shown once).
    pub async fn rotate_endpoint_secret(
        &self,
        id: i64,
        overlap_ms: i64,
        audit: &AuditEntry,
    ) -> Result<String, EndpointError> {
        let secret = mint_secret();
        let now = now_millis();
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE outbound_endpoints SET previous_secret = secret, secret = $1, \
             previous_secret_until = $2, updated_at = $3 WHERE id = $4")
            .bind(&secret)
            .bind(now + overlap_ms)
            .bind(now)
            .bind(id)
            .execute(&mut **t).await.map(|r| r.rows_affected()))?;
        if changed == 0 {
            return Err(EndpointError::NotFound);
        }
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// Enables or disables an endpoint. Enabling clears the reason and the failure clock.
    pub async fn set_endpoint_enabled(
        &self,
        id: i64,
        enabled: bool,
        audit: &AuditEntry,
    ) -> Result<(), EndpointError> {
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE outbound_endpoints SET enabled = $1, updated_at = $2, \
             disabled_reason = CASE WHEN $1 THEN NULL ELSE $4 END, \
             failing_since = CASE WHEN $1 THEN NULL ELSE failing_since END WHERE id = $3")
            .bind(enabled)
            .bind(now_millis())
            .bind(id)
            .bind(DISABLED_BY_ADMIN)
            .execute(&mut **t).await.map(|r| r.rows_affected()))?;
        if changed == 0 {
            return Err(EndpointError::NotFound);
        }
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a `test.ping` for one endpoint, whatever it subscribes to.
    pub async fn send_test_event(&self, id: i64, audit: &AuditEntry) -> Result<(), EndpointError> {
        if self.find_endpoint(id).await?.is_none() {
            return Err(EndpointError::NotFound);
        }
        let mut tx = self.begin().await?;
        tx.emit_to(&test_event(), id).await?;
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends a delivery again from its first attempt's schedule (same `webhook-id`).
    pub async fn replay_delivery(&self, id: i64, audit: &AuditEntry) -> Result<(), EndpointError> {
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE outbound_deliveries SET state = 'pending', attempts = 0, \
             next_attempt_at = $1, lease_owner = NULL, lease_until = NULL, delivered_at = NULL \
             WHERE id = $2 AND state <> 'pending'")
            .bind(now_millis())
            .bind(id)
            .execute(&mut **t).await.map(|r| r.rows_affected()))?;
        if changed == 0 {
            return Err(invalid(
                "delivery",
                "Only a delivered or failed event can be sent again.",
            ));
        }
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many deliveries to `endpoint_id` of events written since `since` failed: what
    /// [`Store::replay_failed_since`] would send again.
    pub async fn count_failed_since(
        &self,
        endpoint_id: i64,
        since: i64,
    ) -> Result<i64, StoreError> {
        let n: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbound_deliveries d JOIN outbound_events e ON e.seq = d.event_seq \
             WHERE d.endpoint_id = $1 AND d.state = 'failed' AND e.created_at >= $2")
            .bind(endpoint_id)
            .bind(since)
            .fetch_one(p).await)?;
        Ok(n)
    }

    /// Sends again every failed delivery to `endpoint_id` of events written since `since`
    /// (each under its own `webhook-id`, in their order); returns how many.
    pub async fn replay_failed_since(
        &self,
        endpoint_id: i64,
        since: i64,
        audit: &AuditEntry,
    ) -> Result<u64, EndpointError> {
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE outbound_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1, \
             lease_owner = NULL, lease_until = NULL WHERE endpoint_id = $2 AND state = 'failed' \
             AND event_seq IN (SELECT seq FROM outbound_events WHERE created_at >= $3)")
            .bind(now_millis())
            .bind(endpoint_id)
            .bind(since)
            .execute(&mut **t).await.map(|r| r.rows_affected()))?;
        let mut audit = audit.clone();
        audit.detail = format!("{} count={changed}", audit.detail);
        tx.audit(&audit).await?;
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn find_endpoint(&self, id: i64) -> Result<Option<EndpointRecord>, StoreError> {
        let row = on_pool!(self, p => sqlx::query_as::<_, EndpointRecord>(
            "SELECT id, url, description, event_types, enabled, disabled_reason, failing_since, \
             rate_limit, previous_secret_until, created_at FROM outbound_endpoints WHERE id = $1")
            .bind(id)
            .fetch_optional(p).await)?;
        Ok(row)
    }

    /// Every endpoint, oldest first.
    pub async fn list_endpoints(&self) -> Result<Vec<EndpointRecord>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, EndpointRecord>(
            "SELECT id, url, description, event_types, enabled, disabled_reason, failing_since, \
             rate_limit, previous_secret_until, created_at FROM outbound_endpoints ORDER BY id")
            .fetch_all(p).await)?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_must_use_https_unless_it_is_on_this_machine() {
        assert!(check_url("https://shop.example/hooks").is_ok());
        assert!(check_url("http://127.0.0.1:9000/hooks").is_ok());
        assert!(check_url("http://localhost/hooks").is_ok());
        assert!(check_url("http://[::1]:8080/").is_ok());
        assert!(check_url("http://shop.example/hooks").is_err());
        assert!(check_url("ftp://shop.example").is_err());
        assert!(check_url("shop.example").is_err());
    }

    #[test]
    fn only_whsec_secrets_of_24_to_64_bytes_are_taken() {
        assert!(is_valid_secret(&mint_secret()));
        assert!(is_valid_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        assert!(!is_valid_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        assert!(!is_valid_secret("whsec_c2hvcnQ="));
        assert!(!is_valid_secret("whsec_not base64"));
    }

    #[test]
    fn event_types_are_all_or_known_names() {
        assert_eq!(check_event_types(&[]).unwrap(), "*");
        assert_eq!(
            check_event_types(&["order.paid".into(), "refund.failed".into()]).unwrap(),
            "order.paid,refund.failed"
        );
        assert!(check_event_types(&["order.shipped".into()]).is_err());
    }
}

//! Tokens of the merchant's own systems for the merchant API: several, each named and
//! scoped, created and revoked by admins (audited), with the time each was last used.
//!
//! Invariants: a token is shown once, when it is made; only its SHA-256 is stored (it is
//! 32 random characters, so a fast hash is enough) with its first characters to tell it
//! apart; a revoked token authenticates nothing; a token allows only its scopes.

use rand::{Rng, distributions::Alphanumeric};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    clock::now_millis,
    staff::audit::AuditEntry,
    store::{Store, StoreError, on_pool, on_tx},
};

/// The prefix of every merchant API token.
pub const TOKEN_PREFIX: &str = "mdt_";

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Read orders and events (`GET /merchant-api/orders/{id}`, `/events`).
    Read,
    /// Create orders for checkout (`POST /merchant-api/session`, `/signed-payloads`).
    Orders,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Orders => "orders",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "read" => Some(Self::Read),
            "orders" => Some(Self::Orders),
            _ => None,
        }
    }
}

/// A token as the page lists it (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    /// Comma-separated scopes.
    pub scopes: String,
    /// The token's first characters, to tell it apart.
    pub prefix: String,
    pub created_by: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TokenRecord {
    pub fn allows(&self, scope: Scope) -> bool {
        self.revoked_at.is_none() && self.scopes.split(',').any(|s| s == scope.as_str())
    }
}

/// What a presented token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// A live token with the scope.
    Allowed,
    /// A live token without the scope.
    Forbidden,
    /// No live token matches.
    Unknown,
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Uses are recorded at most this often per token, so reads do not each cost a write.
const LAST_USED_STEP_MS: i64 = 60_000;

impl Store {
    /// Makes a token with `scopes`; returns its id and the token (shown once).
    pub async fn create_token(
        &self,
        name: &str,
        scopes: &[Scope],
        audit: &AuditEntry,
    ) -> Result<(i64, String), StoreError> {
        let suffix: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        let token = format!("{TOKEN_PREFIX}{suffix}");
        let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, t => sqlx::query_scalar(
            "INSERT INTO merchant_tokens (name, scopes, token_hash, prefix, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(name.trim())
            .bind(scopes.join(","))
            .bind(hash(&token))
            .bind(&token[..TOKEN_PREFIX.len() + 6])
            .bind(&audit.actor)
            .bind(now_millis())
            .fetch_one(&mut **t).await)?;
        let mut audit = audit.clone();
        audit.target = format!("token:{id}");
        tx.audit(&audit).await?;
        tx.commit().await?;
        Ok((id, token))
    }

    /// Revokes a token; `false` when there is no such live token.
    pub async fn revoke_token(&self, id: i64, audit: &AuditEntry) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE merchant_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_millis())
            .bind(id)
            .execute(&mut **t).await.map(|r| r.rows_affected()))?;
        if changed == 0 {
            return Ok(false);
        }
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Every token, newest first.
    pub async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, TokenRecord>(
            "SELECT id, name, scopes, prefix, created_by, created_at, last_used_at, revoked_at \
             FROM merchant_tokens ORDER BY id DESC")
            .fetch_all(p).await)?;
        Ok(rows)
    }

    /// Checks a presented token for `scope`, and records its use.
    pub async fn check_token(&self, token: &str, scope: Scope) -> Result<TokenCheck, StoreError> {
        let row: Option<TokenRecord> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, name, scopes, prefix, created_by, created_at, last_used_at, revoked_at \
             FROM merchant_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(hash(token.trim()))
            .fetch_optional(p).await)?;
        let Some(row) = row else {
            return Ok(TokenCheck::Unknown);
        };
        let now = now_millis();
        if row
            .last_used_at
            .is_none_or(|at| now - at > LAST_USED_STEP_MS)
        {
            on_pool!(self, p => sqlx::query(
                "UPDATE merchant_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(row.id)
                .execute(p).await.map(|_| ()))?;
        }
        Ok(if row.allows(scope) {
            TokenCheck::Allowed
        } else {
            TokenCheck::Forbidden
        })
    }

    /// Whether any live token exists (the merchant API is on).
    pub async fn has_tokens(&self) -> Result<bool, StoreError> {
        let n: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM merchant_tokens WHERE revoked_at IS NULL")
            .fetch_one(p).await)?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit() -> AuditEntry {
        AuditEntry {
            actor: "admin".into(),
            action: "merchant_api.token.create".into(),
            target: String::new(),
            detail: String::new(),
            client_ip: "127.0.0.1".into(),
            trace_id: "t".into(),
        }
    }

    crate::test_on_both_backends! {
        async fn a_token_allows_its_scopes_until_revoked_and_only_its_hash_is_kept(db) {
            let store = db.store();
            assert!(!store.has_tokens().await.unwrap());
            let (id, token) = store.create_token("shop", &[Scope::Read], &audit()).await.unwrap();
            assert!(token.starts_with(TOKEN_PREFIX) && token.len() == TOKEN_PREFIX.len() + 32);
            assert_eq!(store.check_token(&token, Scope::Read).await.unwrap(), TokenCheck::Allowed);
            assert_eq!(store.check_token(&token, Scope::Orders).await.unwrap(), TokenCheck::Forbidden);
            assert_eq!(store.check_token("mdt_guess", Scope::Read).await.unwrap(), TokenCheck::Unknown);
            let listed = store.list_tokens().await.unwrap();
            assert!(listed[0].last_used_at.is_some(), "the use is recorded");
            assert!(token.starts_with(&listed[0].prefix));
            let stored: String = on_pool!(store, p => sqlx::query_scalar(
                "SELECT token_hash FROM merchant_tokens").fetch_one(p).await).unwrap();
            assert!(!stored.contains(&token[TOKEN_PREFIX.len()..]));
            assert!(store.revoke_token(id, &audit()).await.unwrap());
            assert!(!store.revoke_token(id, &audit()).await.unwrap(), "once");
            assert_eq!(store.check_token(&token, Scope::Read).await.unwrap(), TokenCheck::Unknown);
            assert!(!store.has_tokens().await.unwrap());
        }
    }
}

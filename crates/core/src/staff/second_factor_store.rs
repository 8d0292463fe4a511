//! Storage of staff second factors: the TOTP secret (and the one offered while enrolling),
//! the last step accepted, and hashed recovery codes.
//!
//! Invariants: accepting a code and using a recovery code are single conditional updates,
//! so two requests racing with the same code cannot both succeed; enabling, and resetting
//! (which also ends the user's sessions), are audited in the same transaction.

use crate::{
    clock::now_millis,
    staff::audit::AuditEntry,
    store::{Store, StoreError, Tx, on_pool, on_tx},
};

/// A user's TOTP state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TotpState {
    /// The confirmed secret, when the second factor is on.
    pub secret: Option<String>,
    /// The secret offered on the enrolment page, not yet confirmed by a code.
    pub pending: Option<String>,
}

impl Store {
    pub async fn totp_state(&self, user_id: i64) -> Result<TotpState, StoreError> {
        let row: Option<(Option<String>, Option<String>)> = on_pool!(self, p => {
            sqlx::query_as("SELECT totp_secret, totp_pending_secret FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(p)
                .await
        })?;
        let (secret, pending) = row.ok_or(StoreError::NotFound("user"))?;
        Ok(TotpState { secret, pending })
    }

    /// Offers `secret` for enrolment (replacing any earlier offer).
    pub async fn offer_totp_secret(&self, user_id: i64, secret: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("UPDATE users SET totp_pending_secret = $2 WHERE id = $1")
                .bind(user_id)
                .bind(secret)
                .execute(p)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Turns the offered `secret` on, with `step` as its first used step and the recovery
    /// codes' digests, audited. Fails with `NotFound` when `secret` is no longer the one on
    /// offer (enrolment restarted elsewhere).
    pub async fn enable_totp(
        &self,
        user_id: i64,
        secret: &str,
        step: i64,
        recovery_digests: &[String],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, t => {
            sqlx::query(
                "UPDATE users SET totp_secret = $3, totp_pending_secret = NULL, \
                 totp_enabled_at = $2, totp_last_step = $4, updated_at = $2 \
                 WHERE id = $1 AND totp_pending_secret = $3",
            )
            .bind(user_id)
            .bind(now)
            .bind(secret)
            .bind(step)
            .execute(&mut **t)
            .await
            .map(|done| done.rows_affected())
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound("enrolment"));
        }
        tx.delete_recovery_codes(user_id).await?;
        for digest in recovery_digests {
            on_tx!(&mut tx, t => {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(user_id)
                    .bind(digest)
                    .execute(&mut **t)
                    .await
                    .map(|_| ())
            })?;
        }
        tx.audit(audit).await?;
        tx.commit().await
    }

    /// Records `step` as used if it is later than the last one used: true when this call
    /// may accept the code.
    pub async fn claim_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let changed = on_pool!(self, p => {
            sqlx::query(
                "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_secret IS NOT NULL \
                 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            )
            .bind(user_id)
            .bind(step)
            .execute(p)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// Marks the unused recovery code with `digest` as used: true when there was one.
    pub async fn use_recovery_code(&self, user_id: i64, digest: &str) -> Result<bool, StoreError> {
        let changed = on_pool!(self, p => {
            sqlx::query(
                "UPDATE recovery_codes SET used_at = $3 \
                 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            )
            .bind(user_id)
            .bind(digest)
            .bind(now_millis())
            .execute(p)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, StoreError> {
        let left = on_pool!(self, p => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
            )
            .bind(user_id)
            .fetch_one(p)
            .await
        })?;
        Ok(left)
    }

    /// Removes the user's second factor and recovery codes and ends their sessions (they
    /// sign in with the password and enrol again), audited.
    pub async fn reset_second_factor(
        &self,
        user_id: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, t => {
            sqlx::query(
                "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, \
                 totp_enabled_at = NULL, totp_last_step = NULL, \
                 session_epoch = session_epoch + 1, updated_at = $2 WHERE id = $1",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut **t)
            .await
            .map(|done| done.rows_affected())
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound("user"));
        }
        tx.delete_recovery_codes(user_id).await?;
        tx.audit(audit).await?;
        tx.commit().await
    }
}

impl Tx {
    async fn delete_recovery_codes(&mut self, user_id: i64) -> Result<(), StoreError> {
        on_tx!(self, t => {
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut **t)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::staff::audit::AuditEntry;
    use dashboard_status::Role;

    fn audit(action: &str) -> AuditEntry {
        AuditEntry {
            actor: "test".into(),
            action: action.into(),
            target: "ana".into(),
            detail: String::new(),
            client_ip: String::new(),
            trace_id: String::new(),
        }
    }

    crate::test_on_both_backends! {
        async fn a_second_factor_is_enabled_once_confirmed_each_step_and_code_is_used_once_and_a_reset_ends_sessions(db) {
            let store = db.store();
            let ana = store.insert_user("ana", "h", Role::Admin, &audit("user.create")).await.unwrap();
            assert!(!ana.two_factor);
            store.offer_totp_secret(ana.id, "SECRETONE").await.unwrap();
            let err = store.enable_totp(ana.id, "OTHER", 10, &[], &audit("x")).await.unwrap_err();
            assert!(matches!(err, crate::store::StoreError::NotFound(_)), "only the offered secret");
            let digests = vec!["d1".to_owned(), "d2".to_owned()];
            store.enable_totp(ana.id, "SECRETONE", 10, &digests, &audit("user.mfa_enable")).await.unwrap();
            let state = store.totp_state(ana.id).await.unwrap();
            assert_eq!((state.secret.as_deref(), state.pending), (Some("SECRETONE"), None));
            assert!(store.find_user(ana.id).await.unwrap().unwrap().two_factor);

            assert!(!store.claim_totp_step(ana.id, 10).await.unwrap(), "the enrolment step is used");
            assert!(store.claim_totp_step(ana.id, 11).await.unwrap());
            assert!(!store.claim_totp_step(ana.id, 11).await.unwrap(), "a replay is refused");
            assert!(store.use_recovery_code(ana.id, "d1").await.unwrap());
            assert!(!store.use_recovery_code(ana.id, "d1").await.unwrap());
            assert_eq!(store.recovery_codes_left(ana.id).await.unwrap(), 1);

            store.reset_second_factor(ana.id, &audit("user.mfa_reset")).await.unwrap();
            let after = store.find_user(ana.id).await.unwrap().unwrap();
            assert!(!after.two_factor);
            assert_eq!(after.session_epoch, ana.session_epoch + 1);
            assert_eq!(store.recovery_codes_left(ana.id).await.unwrap(), 0);
            assert!(!store.claim_totp_step(ana.id, 12).await.unwrap(), "no secret, no code");
            let actions: Vec<String> = store.list_audit(10).await.unwrap().into_iter().map(|a| a.action).collect();
            assert!(actions.contains(&"user.mfa_enable".to_owned()) && actions.contains(&"user.mfa_reset".to_owned()));
        }
    }
}

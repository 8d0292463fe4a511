//! Staff accounts. Mutations carry an [`AuditEntry`] written in the same transaction.
//! Disabling a user or resetting a password bumps `session_epoch`, which ends every session
//! issued before (sessions remember the epoch they were issued under).

use serde::{Deserialize, Serialize};

use crate::{
    clock::now_millis,
    staff::audit::AuditEntry,
    store::{Store, StoreError, on_pool, on_tx},
};

use dashboard_status::Role;

/// A staff account as the rest of the product sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub session_epoch: i64,
    pub created_at: i64,
    /// Signs in with a second factor (TOTP) after the password.
    pub two_factor: bool,
    /// The IANA zone the user reads times in; `None` follows `ui.default_timezone`.
    pub timezone: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    password_hash: String,
    role: String,
    disabled: bool,
    session_epoch: i64,
    created_at: i64,
    two_factor: bool,
    timezone: Option<String>,
}

impl UserRow {
    pub(crate) fn into_user(self) -> (User, String) {
        let user = User {
            id: self.id,
            username: self.username,
            // The CHECK constraint admits only known roles; fall back to the least privilege.
            role: Role::parse(&self.role).unwrap_or(Role::Viewer),
            disabled: self.disabled,
            session_epoch: self.session_epoch,
            created_at: self.created_at,
            two_factor: self.two_factor,
            timezone: self.timezone,
        };
        (user, self.password_hash)
    }
}

pub(crate) const USER_COLUMNS: &str = "SELECT id, username, password_hash, role, disabled, session_epoch, \
     created_at, (totp_enabled_at IS NOT NULL) AS two_factor, timezone FROM users";

impl Store {
    /// Creates a user; a taken username is a [`StoreError::Conflict`].
    pub async fn insert_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        audit: &AuditEntry,
    ) -> Result<User, StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, t => {
            sqlx::query_scalar(
                "INSERT INTO users (username, password_hash, role, disabled, session_epoch, created_at, updated_at) \
                 VALUES ($1, $2, $3, FALSE, 0, $4, $4) RETURNING id",
            )
            .bind(username)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(now)
            .fetch_one(&mut **t)
            .await
            .map_err(|e| StoreError::on_unique(e, "username"))
        })?;
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(User {
            id,
            username: username.to_owned(),
            role,
            disabled: false,
            session_epoch: 0,
            created_at: now,
            two_factor: false,
            timezone: None,
        })
    }

    /// The user and their password hash, for login.
    pub async fn find_user_credentials(
        &self,
        username: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        let row = on_pool!(self, p => {
            sqlx::query_as::<_, UserRow>(&format!("{USER_COLUMNS} WHERE username = $1"))
                .bind(username)
                .fetch_optional(p)
                .await
        })?;
        Ok(row.map(UserRow::into_user))
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row = on_pool!(self, p => {
            sqlx::query_as::<_, UserRow>(&format!("{USER_COLUMNS} WHERE id = $1"))
                .bind(id)
                .fetch_optional(p)
                .await
        })?;
        Ok(row.map(|r| r.into_user().0))
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = on_pool!(self, p => {
            sqlx::query_as::<_, UserRow>(&format!("{USER_COLUMNS} ORDER BY username"))
                .fetch_all(p)
                .await
        })?;
        Ok(rows.into_iter().map(|r| r.into_user().0).collect())
    }

    /// True when at least one enabled admin exists.
    pub async fn has_active_admin(&self) -> Result<bool, StoreError> {
        let count: i64 = on_pool!(self, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled")
                .fetch_one(p)
                .await
        })?;
        Ok(count > 0)
    }

    pub async fn set_user_role(
        &self,
        id: i64,
        role: Role,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.update_user(
            "UPDATE users SET role = $3, updated_at = $2 WHERE id = $1",
            id,
            Some(role.as_str()),
            audit,
        )
        .await
    }

    /// Sets the zone the user reads times in (`None`: the configured default), audited.
    pub async fn set_user_timezone(
        &self,
        id: i64,
        timezone: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let sql = match timezone {
            Some(_) => "UPDATE users SET timezone = $3, updated_at = $2 WHERE id = $1",
            None => "UPDATE users SET timezone = NULL, updated_at = $2 WHERE id = $1",
        };
        self.update_user(sql, id, timezone, audit).await
    }

    /// Disables or re-enables a user; disabling ends all of the user's sessions.
    pub async fn set_user_disabled(
        &self,
        id: i64,
        disabled: bool,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let sql = if disabled {
            "UPDATE users SET disabled = TRUE, session_epoch = session_epoch + 1, updated_at = $2 \
             WHERE id = $1"
        } else {
            "UPDATE users SET disabled = FALSE, updated_at = $2 WHERE id = $1"
        };
        self.update_user(sql, id, None, audit).await
    }

    /// Replaces the password hash and ends all of the user's sessions.
    pub async fn set_user_password(
        &self,
        id: i64,
        password_hash: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.update_user(
            "UPDATE users SET password_hash = $3, session_epoch = session_epoch + 1, updated_at = $2 \
             WHERE id = $1",
            id,
            Some(password_hash),
            audit,
        )
        .await
    }

    /// Replaces the user's own password hash and ends their other sessions (all registered
    /// sessions but `keep`), audited in one transaction.
    pub async fn change_own_password(
        &self,
        id: i64,
        password_hash: &str,
        keep: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, t => {
            sqlx::query("UPDATE users SET password_hash = $3, updated_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .bind(password_hash)
                .execute(&mut **t)
                .await
                .map(|done| done.rows_affected())
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound("user"));
        }
        on_tx!(&mut tx, t => {
            sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1 AND handle <> $2")
                .bind(id)
                .bind(keep)
                .execute(&mut **t)
                .await
                .map(|_| ())
        })?;
        tx.audit(audit).await?;
        tx.commit().await
    }

    /// Runs one `UPDATE users` with parameters `($1 id, $2 now[, $3 value])` and its audit
    /// row in one transaction.
    async fn update_user(
        &self,
        sql: &str,
        id: i64,
        value: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, t => {
            let mut query = sqlx::query(sql).bind(id).bind(now);
            if let Some(value) = value {
                query = query.bind(value);
            }
            query.execute(&mut **t).await.map(|done| done.rows_affected())
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound("user"));
        }
        tx.audit(audit).await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit(action: &str) -> AuditEntry {
        crate::testing::audit_entry(action, "user")
    }

    crate::test_on_both_backends! {
        async fn users_are_created_found_listed_and_audited(db) {
            let store = db.store();
            let ana = store.insert_user("ana", "hash-a", Role::Admin, &audit("user.create")).await.unwrap();
            store.insert_user("bob", "hash-b", Role::Viewer, &audit("user.create")).await.unwrap();
            let (found, hash) = store.find_user_credentials("ana").await.unwrap().unwrap();
            assert_eq!(found, ana);
            assert_eq!(hash, "hash-a");
            assert_eq!(store.find_user(ana.id).await.unwrap().unwrap().username, "ana");
            let names: Vec<_> = store.list_users().await.unwrap().into_iter().map(|u| u.username).collect();
            assert_eq!(names, ["ana", "bob"]);
            assert_eq!(store.list_audit(10).await.unwrap().len(), 2);
        }
    }

    crate::test_on_both_backends! {
        async fn a_taken_username_is_a_conflict_and_writes_no_audit_row(db) {
            let store = db.store();
            store.insert_user("ana", "h", Role::Viewer, &audit("user.create")).await.unwrap();
            let err = store.insert_user("ana", "h", Role::Admin, &audit("user.create")).await.unwrap_err();
            assert!(matches!(err, StoreError::Conflict("username")), "{err:?}");
            assert_eq!(store.list_audit(10).await.unwrap().len(), 1);
        }
    }

    crate::test_on_both_backends! {
        async fn disabling_and_password_reset_bump_the_session_epoch(db) {
            let store = db.store();
            let ana = store.insert_user("ana", "h", Role::Operator, &audit("user.create")).await.unwrap();
            store.set_user_disabled(ana.id, true, &audit("user.disable")).await.unwrap();
            let after = store.find_user(ana.id).await.unwrap().unwrap();
            assert!(after.disabled);
            assert_eq!(after.session_epoch, 1);
            store.set_user_disabled(ana.id, false, &audit("user.enable")).await.unwrap();
            store.set_user_password(ana.id, "h2", &audit("user.password")).await.unwrap();
            let (after, hash) = store.find_user_credentials("ana").await.unwrap().unwrap();
            assert!(!after.disabled);
            assert_eq!(after.session_epoch, 2);
            assert_eq!(hash, "h2");
        }
    }

    crate::test_on_both_backends! {
        async fn role_changes_apply_and_missing_users_are_reported(db) {
            let store = db.store();
            assert!(!store.has_active_admin().await.unwrap());
            let ana = store.insert_user("ana", "h", Role::Viewer, &audit("user.create")).await.unwrap();
            store.set_user_role(ana.id, Role::Admin, &audit("user.role")).await.unwrap();
            assert_eq!(store.find_user(ana.id).await.unwrap().unwrap().role, Role::Admin);
            assert!(store.has_active_admin().await.unwrap());
            let err = store.set_user_role(9999, Role::Admin, &audit("user.role")).await.unwrap_err();
            assert!(matches!(err, StoreError::NotFound("user")));
        }
    }

    crate::test_on_both_backends! {
        async fn a_chosen_time_zone_is_kept_cleared_and_audited(db) {
            let store = db.store();
            let ana = store.insert_user("ana", "h", Role::Viewer, &audit("user.create")).await.unwrap();
            assert_eq!(ana.timezone, None);
            store.set_user_timezone(ana.id, Some("Europe/London"), &audit("account.timezone")).await.unwrap();
            let found = store.find_user(ana.id).await.unwrap().unwrap();
            assert_eq!(found.timezone.as_deref(), Some("Europe/London"));
            store.set_user_timezone(ana.id, None, &audit("account.timezone")).await.unwrap();
            assert_eq!(store.find_user(ana.id).await.unwrap().unwrap().timezone, None);
            assert_eq!(store.list_audit(10).await.unwrap().len(), 3);
        }
    }
}

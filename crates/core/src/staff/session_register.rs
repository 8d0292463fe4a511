//! The register of signed-in sessions: one row per session handle (minted at sign-in and
//! kept in the session's claims), with when it started, when it was last seen, from which
//! address and browser.
//!
//! Invariant: a session is accepted only while its row exists, so deleting the row ends
//! the session at its next request, on every instance; ending sessions is audited in the
//! same transaction.

use serde::{Deserialize, Serialize};

use crate::{
    staff::{
        audit::AuditEntry,
        users::{USER_COLUMNS, User, UserRow},
    },
    store::{Store, StoreError, on_pool, on_tx},
};

/// A signed-in session as its user (or an admin) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StaffSession {
    pub handle: String,
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub client_ip: String,
    pub user_agent: String,
}

/// Longest user agent kept.
const USER_AGENT_KEPT: usize = 256;

impl Store {
    /// Registers a session that just signed in.
    pub async fn register_session(&self, session: &StaffSession) -> Result<(), StoreError> {
        let user_agent: String = session.user_agent.chars().take(USER_AGENT_KEPT).collect();
        on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO staff_sessions \
                 (handle, user_id, created_at, last_seen_at, client_ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&session.handle)
            .bind(session.user_id)
            .bind(session.created_at)
            .bind(session.last_seen_at)
            .bind(&session.client_ip)
            .bind(&user_agent)
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// The user of the session `handle`, if that session is still registered to `user_id`.
    pub async fn find_session_user(
        &self,
        user_id: i64,
        handle: &str,
    ) -> Result<Option<User>, StoreError> {
        let row = on_pool!(self, p => {
            sqlx::query_as::<_, UserRow>(&format!(
                "{USER_COLUMNS} WHERE id = $1 AND EXISTS \
                 (SELECT 1 FROM staff_sessions s WHERE s.handle = $2 AND s.user_id = users.id)"
            ))
            .bind(user_id)
            .bind(handle)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.map(|r| r.into_user().0))
    }

    /// Notes that the session was used at `at` from `client_ip`.
    pub async fn touch_session(
        &self,
        handle: &str,
        at: i64,
        client_ip: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("UPDATE staff_sessions SET last_seen_at = $2, client_ip = $3 WHERE handle = $1")
                .bind(handle)
                .bind(at)
                .bind(client_ip)
                .execute(p)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The user's sessions, most recently used first.
    pub async fn list_sessions(&self, user_id: i64) -> Result<Vec<StaffSession>, StoreError> {
        let rows = on_pool!(self, p => {
            sqlx::query_as::<_, StaffSession>(
                "SELECT handle, user_id, created_at, last_seen_at, client_ip, user_agent \
                 FROM staff_sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, handle",
            )
            .bind(user_id)
            .fetch_all(p)
            .await
        })?;
        Ok(rows)
    }

    /// Ends one session of `user_id` (without an audit row: signing out audits itself).
    pub async fn forget_session(&self, handle: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("DELETE FROM staff_sessions WHERE handle = $1")
                .bind(handle)
                .execute(p)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Ends the sessions of `user_id` named by `handles` (all of them but `keep` when
    /// `handles` is `None`), audited; returns how many ended.
    pub async fn end_sessions(
        &self,
        user_id: i64,
        handles: Option<&[String]>,
        keep: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let ended = match handles {
            Some(handles) => {
                let mut ended = 0;
                for handle in handles {
                    ended += on_tx!(&mut tx, t => {
                        sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1 AND handle = $2")
                            .bind(user_id)
                            .bind(handle)
                            .execute(&mut **t)
                            .await
                            .map(|done| done.rows_affected())
                    })?;
                }
                ended
            }
            None => on_tx!(&mut tx, t => {
                sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1 AND handle <> $2")
                    .bind(user_id)
                    .bind(keep.unwrap_or_default())
                    .execute(&mut **t)
                    .await
                    .map(|done| done.rows_affected())
            })?,
        };
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Forgets sessions not seen since `before` (past every idle timeout).
    pub async fn prune_sessions(&self, before: i64) -> Result<u64, StoreError> {
        let done = on_pool!(self, p => {
            sqlx::query("DELETE FROM staff_sessions WHERE last_seen_at < $1")
                .bind(before)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dashboard_status::Role;

    fn audit(action: &str) -> AuditEntry {
        AuditEntry {
            actor: "ana".into(),
            action: action.into(),
            target: "ana".into(),
            detail: String::new(),
            client_ip: String::new(),
            trace_id: String::new(),
        }
    }

    fn session(handle: &str, user_id: i64, seen: i64) -> StaffSession {
        StaffSession {
            handle: handle.into(),
            user_id,
            created_at: 1,
            last_seen_at: seen,
            client_ip: "10.0.0.1".into(),
            user_agent: "x".repeat(300),
        }
    }

    crate::test_on_both_backends! {
        async fn sessions_are_registered_listed_touched_ended_and_pruned(db) {
            let store = db.store();
            let ana = store.insert_user("ana", "h", Role::Admin, &audit("user.create")).await.unwrap();
            let bob = store.insert_user("bob", "h", Role::Viewer, &audit("user.create")).await.unwrap();
            for (handle, user, seen) in [("a1", ana.id, 10), ("a2", ana.id, 20), ("a3", ana.id, 30), ("b1", bob.id, 5)] {
                store.register_session(&session(handle, user, seen)).await.unwrap();
            }
            assert_eq!(store.find_session_user(ana.id, "a1").await.unwrap().unwrap().id, ana.id);
            assert!(store.find_session_user(ana.id, "b1").await.unwrap().is_none(), "another user's handle");
            store.touch_session("a1", 40, "10.0.0.9").await.unwrap();
            let listed = store.list_sessions(ana.id).await.unwrap();
            let handles: Vec<&str> = listed.iter().map(|s| s.handle.as_str()).collect();
            assert_eq!(handles, ["a1", "a3", "a2"]);
            assert_eq!((listed[0].client_ip.as_str(), listed[0].user_agent.len()), ("10.0.0.9", 256));

            let one = store.end_sessions(ana.id, Some(&["a2".to_owned(), "b1".to_owned()]), None, &audit("session.end")).await.unwrap();
            assert_eq!(one, 1, "only ana's own");
            assert!(store.find_session_user(ana.id, "a2").await.unwrap().is_none());
            let others = store.end_sessions(ana.id, None, Some("a1"), &audit("session.end_others")).await.unwrap();
            assert_eq!(others, 1);
            assert_eq!(store.list_sessions(ana.id).await.unwrap().len(), 1);
            assert_eq!(store.prune_sessions(6).await.unwrap(), 1, "bob's idle session");
            assert_eq!(store.list_audit(10).await.unwrap()[0].action, "session.end_others");
        }
    }
}

//! The audit trail: who did what, when, from where, under which trace id. Rows are written
//! in the same transaction as the change they describe (see [`audit_in_tx!`]), so a change
//! without its audit row cannot exist.

use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError, Tx, on_pool, on_tx};

/// One audited action, as the caller describes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub client_ip: String,
    pub trace_id: String,
}

/// Which audit rows to show; every field narrows (exact matches, times in epoch ms).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    /// At or after.
    pub from: Option<i64>,
    /// Before.
    pub until: Option<i64>,
}

/// A stored audit row.
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub client_ip: String,
    pub trace_id: String,
}

pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit_log \
     (at, actor, action, target, detail, client_ip, trace_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Inserts `$entry` (an [`AuditEntry`]) inside the open transaction `$tx`.
macro_rules! audit_in_tx {
    ($tx:expr, $entry:expr) => {
        sqlx::query($crate::staff::audit::INSERT_AUDIT)
            .bind($crate::clock::now_millis())
            .bind(&$entry.actor)
            .bind(&$entry.action)
            .bind(&$entry.target)
            .bind(&$entry.detail)
            .bind(&$entry.client_ip)
            .bind(&$entry.trace_id)
            .execute(&mut *$tx)
            .await
    };
}
pub(crate) use audit_in_tx;

impl Tx {
    /// Writes `entry` in this transaction, beside the change it describes.
    pub async fn audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        on_tx!(self, t => audit_in_tx!(*t, entry).map(|_| ()))?;
        Ok(())
    }
}

impl Store {
    /// Records an action that changes no other table (a login, a logout).
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.audit(entry).await?;
        tx.commit().await
    }

    /// The audit rows about `target` (an order id, a mandate id), oldest first.
    pub async fn list_audit_for(
        &self,
        target: &str,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = on_pool!(self, p => {
            sqlx::query_as::<_, AuditRecord>(
                "SELECT id, at, actor, action, target, detail, client_ip, trace_id \
                 FROM audit_log WHERE target = $1 ORDER BY id LIMIT $2",
            )
            .bind(target)
            .bind(limit)
            .fetch_all(p)
            .await
        })?;
        Ok(rows)
    }

    /// Audit rows matching `filter`, newest first, at most `limit`, older than the row
    /// `before` when given (the page cursor).
    pub async fn search_audit(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = on_pool!(self, p => {
            sqlx::query_as::<_, AuditRecord>(
                "SELECT id, at, actor, action, target, detail, client_ip, trace_id FROM audit_log \
                 WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR action = $2) \
                 AND ($3 IS NULL OR target = $3) AND ($4 IS NULL OR at >= $4) \
                 AND ($5 IS NULL OR at < $5) AND ($6 IS NULL OR id < $6) \
                 ORDER BY id DESC LIMIT $7",
            )
            .bind(filter.actor.as_deref())
            .bind(filter.action.as_deref())
            .bind(filter.target.as_deref())
            .bind(filter.from)
            .bind(filter.until)
            .bind(before)
            .bind(limit)
            .fetch_all(p)
            .await
        })?;
        Ok(rows)
    }

    /// The newest audit rows, newest first.
    pub async fn list_audit(&self, limit: i64) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = on_pool!(self, p => {
            sqlx::query_as::<_, AuditRecord>(
                "SELECT id, at, actor, action, target, detail, client_ip, trace_id \
                 FROM audit_log ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(p)
            .await
        })?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::test_on_both_backends! {
        async fn audit_rows_are_listed_newest_first(db) {
            let store = db.store();
            for action in ["login", "logout"] {
                store
                    .record_audit(&AuditEntry {
                        actor: "ana".into(),
                        action: action.into(),
                        target: "session".into(),
                        detail: String::new(),
                        client_ip: "127.0.0.1".into(),
                        trace_id: "t-1".into(),
                    })
                    .await
                    .unwrap();
            }
            let rows = store.list_audit(10).await.unwrap();
            let actions: Vec<_> = rows.iter().map(|r| r.action.as_str()).collect();
            assert_eq!(actions, ["logout", "login"]);
            assert_eq!(rows[0].trace_id, "t-1");
        }
    }

    crate::test_on_both_backends! {
        async fn audit_rows_are_searched_by_actor_action_object_and_time_a_page_at_a_time(db) {
            let store = db.store();
            for (actor, action, target) in [
                ("ana", "order.refund", "ord_1"),
                ("bob", "order.refund", "ord_2"),
                ("ana", "login", "session"),
                ("ana", "order.refund", "ord_1"),
            ] {
                store
                    .record_audit(&AuditEntry {
                        actor: actor.into(),
                        action: action.into(),
                        target: target.into(),
                        detail: String::new(),
                        client_ip: String::new(),
                        trace_id: String::new(),
                    })
                    .await
                    .unwrap();
            }
            let search = |filter: AuditFilter, before: Option<i64>| {
                let store = store.clone();
                async move { store.search_audit(&filter, before, 2).await.unwrap() }
            };
            let ana = search(AuditFilter { actor: Some("ana".into()), ..AuditFilter::default() }, None).await;
            assert_eq!(ana.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["order.refund", "login"]);
            let older = search(AuditFilter { actor: Some("ana".into()), ..AuditFilter::default() }, Some(ana[1].id)).await;
            assert_eq!(older.len(), 1, "the next page");
            let refunds = search(
                AuditFilter { action: Some("order.refund".into()), target: Some("ord_1".into()), ..AuditFilter::default() },
                None,
            )
            .await;
            assert_eq!(refunds.len(), 2);
            let future = search(AuditFilter { from: Some(ana[0].at + 60_000), ..AuditFilter::default() }, None).await;
            assert!(future.is_empty());
            let past = search(AuditFilter { until: Some(ana[0].at + 1), ..AuditFilter::default() }, None).await;
            assert_eq!(past.len(), 2, "limited to the page size");
        }
    }
}

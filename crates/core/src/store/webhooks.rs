//! Stored webhook deliveries. Accepted events are unique on `dedup_key`, so a repeat is
//! counted, never stored (or later applied) twice; rejected attempts are capped in number.

use serde::{Deserialize, Serialize};

use super::{Store, StoreError, on_pool};

/// A delivery to store, as the ingest step prepared it.
#[derive(Debug, Clone)]
pub struct NewWebhookEvent {
    pub source: String,
    pub dedup_key: String,
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    pub auth_verdict: String,
    pub received_at: i64,
    pub event_created_at: Option<i64>,
    pub lag_ms: Option<i64>,
    pub headers: String,
    pub body: Vec<u8>,
    pub body_truncated: bool,
    pub outcome: String,
    pub outcome_detail: Option<String>,
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct WebhookEventRecord {
    pub id: i64,
    pub source: String,
    pub dedup_key: String,
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    pub auth_verdict: String,
    pub received_at: i64,
    pub event_created_at: Option<i64>,
    pub lag_ms: Option<i64>,
    pub headers: String,
    pub body: Vec<u8>,
    pub body_truncated: bool,
    pub outcome: String,
    pub outcome_detail: Option<String>,
    pub duplicate_count: i64,
    pub last_duplicate_at: Option<i64>,
}

/// Where a delivery ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredWebhook {
    pub id: i64,
    /// True when an event with the same dedup key was already stored.
    pub duplicate: bool,
}

const COLUMNS: &str = "id, source, dedup_key, event_id, event_name, auth_verdict, received_at, \
     event_created_at, lag_ms, headers, body, body_truncated, outcome, outcome_detail, \
     duplicate_count, last_duplicate_at";

impl Store {
    /// Stores a delivery in one committed transaction; a repeat of a stored dedup key only
    /// bumps its duplicate count. Returns after the commit, so the caller may acknowledge.
    pub async fn insert_webhook_event(
        &self,
        event: &NewWebhookEvent,
    ) -> Result<StoredWebhook, StoreError> {
        let (id, duplicate_count): (i64, i64) = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query_as(
                "INSERT INTO webhook_events (source, dedup_key, event_id, event_name, auth_verdict, \
                 received_at, event_created_at, lag_ms, headers, body, body_truncated, outcome, \
                 outcome_detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (dedup_key) DO UPDATE SET \
                 duplicate_count = webhook_events.duplicate_count + 1, \
                 last_duplicate_at = EXCLUDED.received_at \
                 RETURNING id, duplicate_count",
            )
            .bind(&event.source)
            .bind(&event.dedup_key)
            .bind(&event.event_id)
            .bind(&event.event_name)
            .bind(&event.auth_verdict)
            .bind(event.received_at)
            .bind(event.event_created_at)
            .bind(event.lag_ms)
            .bind(&event.headers)
            .bind(&event.body)
            .bind(event.body_truncated)
            .bind(&event.outcome)
            .bind(&event.outcome_detail)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(row)
        })?;
        Ok(StoredWebhook {
            id,
            duplicate: duplicate_count > 0,
        })
    }

    /// Deletes the oldest rejected attempts beyond the newest `keep`.
    pub async fn prune_rejected_webhooks(&self, keep: i64) -> Result<u64, StoreError> {
        let deleted = on_pool!(self, p => {
            sqlx::query(
                "DELETE FROM webhook_events WHERE auth_verdict = 'rejected' AND id NOT IN \
                 (SELECT id FROM webhook_events WHERE auth_verdict = 'rejected' \
                  ORDER BY id DESC LIMIT $1)",
            )
            .bind(keep)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(deleted)
    }

    pub async fn find_webhook_event(
        &self,
        id: i64,
    ) -> Result<Option<WebhookEventRecord>, StoreError> {
        let row = on_pool!(self, p => {
            sqlx::query_as::<_, WebhookEventRecord>(&format!(
                "SELECT {COLUMNS} FROM webhook_events WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(p)
            .await
        })?;
        Ok(row)
    }

    /// Newest first, `limit` rows with an id below `before` (keyset paging).
    pub async fn list_webhook_events(
        &self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<WebhookEventRecord>, StoreError> {
        let rows = on_pool!(self, p => {
            sqlx::query_as::<_, WebhookEventRecord>(&format!(
                "SELECT {COLUMNS} FROM webhook_events WHERE id < $1 ORDER BY id DESC LIMIT $2"
            ))
            .bind(before.unwrap_or(i64::MAX))
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

    fn event(key: &str, verdict: &str) -> NewWebhookEvent {
        NewWebhookEvent {
            source: "juspay".into(),
            dedup_key: key.into(),
            event_id: Some(key.into()),
            event_name: Some("ORDER_SUCCEEDED".into()),
            auth_verdict: verdict.into(),
            received_at: 10_000,
            event_created_at: Some(9_000),
            lag_ms: Some(1_000),
            headers: "{}".into(),
            body: b"{\"raw\": true}".to_vec(),
            body_truncated: false,
            outcome: "pending".into(),
            outcome_detail: None,
        }
    }

    crate::test_on_both_backends! {
        async fn a_repeated_event_is_stored_once_and_counted_as_a_duplicate(db) {
            let store = db.store();
            let first = store.insert_webhook_event(&event("evt_1", "valid")).await.unwrap();
            assert!(!first.duplicate);
            let mut again = event("evt_1", "valid");
            again.received_at = 20_000;
            let second = store.insert_webhook_event(&again).await.unwrap();
            assert_eq!(second, StoredWebhook { id: first.id, duplicate: true });
            let stored = store.find_webhook_event(first.id).await.unwrap().unwrap();
            assert_eq!(stored.duplicate_count, 1);
            assert_eq!(stored.last_duplicate_at, Some(20_000));
            assert_eq!(stored.received_at, 10_000, "the first receipt is kept");
            assert_eq!(stored.body, b"{\"raw\": true}");
        }
    }

    crate::test_on_both_backends! {
        async fn rejected_attempts_are_capped_and_the_newest_kept(db) {
            let store = db.store();
            store.insert_webhook_event(&event("evt_ok", "valid")).await.unwrap();
            for i in 0..5 {
                store.insert_webhook_event(&event(&format!("rejected:{i}"), "rejected")).await.unwrap();
            }
            assert_eq!(store.prune_rejected_webhooks(3).await.unwrap(), 2);
            let keys: Vec<_> = store
                .list_webhook_events(None, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.dedup_key)
                .collect();
            assert_eq!(keys, ["rejected:4", "rejected:3", "rejected:2", "evt_ok"]);
            let page = store.list_webhook_events(Some(3), 10).await.unwrap();
            assert!(page.iter().all(|e| e.id < 3));
        }
    }
}

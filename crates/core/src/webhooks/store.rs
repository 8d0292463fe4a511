//! Stored webhook deliveries. Accepted events are unique on `dedup_key`, so a repeat is
//! counted, never stored (or later applied) twice; rejected attempts are capped in number.

use std::collections::{HashMap, HashSet};

use dashboard_status::{AuthVerdict, Outcome};
use serde::{Deserialize, Serialize};
use sqlx::QueryBuilder;

use crate::store::{Bind, Conditions, Store, StoreError, Tx, bind_all, on_pool, on_tx};

/// A delivery to store, as the ingest step prepared it.
#[derive(Debug, Clone)]
pub struct NewWebhookEvent {
    pub source: String,
    pub dedup_key: String,
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    pub order_id: Option<String>,
    pub auth_verdict: AuthVerdict,
    pub received_at: i64,
    pub event_created_at: Option<i64>,
    pub lag_ms: Option<i64>,
    pub headers: String,
    pub body: Vec<u8>,
    pub body_truncated: bool,
    pub outcome: Outcome,
    pub outcome_detail: Option<String>,
    /// The W3C `traceparent` of the request that received it, so its processing joins
    /// the same trace.
    pub trace_parent: Option<String>,
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct WebhookEventRecord {
    pub id: i64,
    pub source: String,
    pub dedup_key: String,
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    pub order_id: Option<String>,
    pub auth_verdict: AuthVerdict,
    pub received_at: i64,
    pub event_created_at: Option<i64>,
    pub lag_ms: Option<i64>,
    pub headers: String,
    pub body: Vec<u8>,
    pub body_truncated: bool,
    pub outcome: Outcome,
    pub outcome_detail: Option<String>,
    pub duplicate_count: i64,
    pub last_duplicate_at: Option<i64>,
    pub process_attempts: i64,
    pub processed_at: Option<i64>,
    /// When the retention pass removed the raw body and headers (`None` while kept).
    pub raw_removed_at: Option<i64>,
}

/// Which deliveries to list; every field is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookFilter {
    /// `juspay` or `jpsl`.
    pub source: Option<String>,
    /// Event names; a delivery with any of them matches (empty: no filter).
    pub event_names: Vec<String>,
    pub auth_verdict: Option<AuthVerdict>,
    pub outcome: Option<Outcome>,
    pub order_id: Option<String>,
    /// Received at or after (epoch ms).
    pub from: Option<i64>,
    /// Received before (epoch ms).
    pub until: Option<i64>,
    /// Only ids below this one (the last id of the previous page).
    pub before: Option<i64>,
}

/// Where a delivery ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredWebhook {
    pub id: i64,
    /// True when an event with the same dedup key was already stored.
    pub duplicate: bool,
}

const COLUMNS: &str = "id, source, dedup_key, event_id, event_name, order_id, auth_verdict, received_at, \
     event_created_at, lag_ms, headers, body, body_truncated, outcome, outcome_detail, \
     duplicate_count, last_duplicate_at, process_attempts, processed_at, raw_removed_at";

/// Stores deliveries (the rows follow), or counts each as a repeat of the stored one with
/// its dedup key ([`ON_REPEAT`] follows the rows).
const INSERT_EVENTS: &str = "INSERT INTO webhook_events (source, dedup_key, event_id, event_name, \
     order_id, auth_verdict, received_at, event_created_at, lag_ms, headers, body, body_truncated, \
     outcome, outcome_detail, trace_parent) ";
const ON_REPEAT: &str = " ON CONFLICT (dedup_key) DO UPDATE SET \
     duplicate_count = webhook_events.duplicate_count + 1, \
     last_duplicate_at = EXCLUDED.received_at \
     RETURNING dedup_key, id, duplicate_count";
/// Rows per statement: 15 parameters each stays well under SQLite's 32 766.
const ROWS_PER_STATEMENT: usize = 256;

impl Store {
    /// Stores a delivery in one committed transaction; a repeat of a stored dedup key only
    /// bumps its duplicate count. Returns after the commit, so the caller may acknowledge.
    pub async fn insert_webhook_event(
        &self,
        event: &NewWebhookEvent,
    ) -> Result<StoredWebhook, StoreError> {
        let mut stored = self
            .insert_webhook_events(std::slice::from_ref(event))
            .await?;
        Ok(stored.remove(0))
    }

    /// Stores several deliveries in one committed transaction (group commit); see
    /// [`Tx::commit_webhook_events`]. Returns after the commit.
    pub async fn insert_webhook_events(
        &self,
        events: &[NewWebhookEvent],
    ) -> Result<Vec<StoredWebhook>, StoreError> {
        self.begin().await?.commit_webhook_events(events).await
    }

    /// Unprocessed events due now, oldest first (arrival order).
    pub async fn due_webhook_ids(&self, now: i64, limit: i64) -> Result<Vec<i64>, StoreError> {
        // The outcome written out, so the planner may use the partial index of due events.
        let sql = format!(
            "SELECT id FROM webhook_events WHERE outcome = '{}' \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1) ORDER BY id LIMIT $2",
            Outcome::Pending.as_str()
        );
        let ids = on_pool!(self, p => {
            sqlx::query_scalar(&sql)
                .bind(now)
                .bind(limit)
                .fetch_all(p)
                .await
        })?;
        Ok(ids)
    }

    /// Stored events waiting to be processed, counted up to `cap` (so a huge backlog costs
    /// no more than `cap` index entries to measure).
    pub async fn count_pending_webhooks(&self, cap: i64) -> Result<i64, StoreError> {
        let count = on_pool!(self, p => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM webhook_events WHERE outcome = $2 \
                 LIMIT $1) AS waiting",
            )
            .bind(cap)
            .bind(Outcome::Pending)
            .fetch_one(p)
            .await
        })?;
        Ok(count)
    }

    /// Records a final outcome reached outside a processing transaction (given up, panic).
    pub async fn finish_webhook(
        &self,
        id: i64,
        outcome: &Outcome,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(
                "UPDATE webhook_events SET outcome = $1, outcome_detail = $2, processed_at = $3, \
                 next_attempt_at = NULL WHERE id = $4",
            )
            .bind(outcome)
            .bind(detail)
            .bind(crate::clock::now_millis())
            .bind(id)
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Counts a failed processing attempt (its own transaction rolled back) and returns
    /// the attempts so far.
    pub async fn count_webhook_attempt(&self, id: i64) -> Result<i64, StoreError> {
        let attempts = on_pool!(self, p => {
            sqlx::query_scalar(
                "UPDATE webhook_events SET process_attempts = process_attempts + 1 \
                 WHERE id = $1 RETURNING process_attempts",
            )
            .bind(id)
            .fetch_one(p)
            .await
        })?;
        Ok(attempts)
    }

    /// Leaves the event unprocessed until `at`, saying why.
    pub async fn retry_webhook_later(
        &self,
        id: i64,
        at: i64,
        detail: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(
                "UPDATE webhook_events SET next_attempt_at = $1, outcome_detail = $2 \
                 WHERE id = $3 AND outcome = $4",
            )
            .bind(at)
            .bind(detail)
            .bind(id)
            .bind(Outcome::Pending)
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Deletes the oldest rejected attempts beyond the newest `keep`.
    pub async fn prune_rejected_webhooks(&self, keep: i64) -> Result<u64, StoreError> {
        let deleted = on_pool!(self, p => {
            sqlx::query(
                "DELETE FROM webhook_events WHERE auth_verdict = $2 AND id NOT IN \
                 (SELECT id FROM webhook_events WHERE auth_verdict = $2 \
                  ORDER BY id DESC LIMIT $1)",
            )
            .bind(keep)
            .bind(AuthVerdict::Rejected)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(deleted)
    }

    /// Removes the raw body and headers of at most `batch` deliveries received before
    /// `cutoff` that no longer wait to be processed, oldest first; returns how many. The
    /// row, its outcome and its dedup key stay, so a late repeat is still recognised.
    pub async fn strip_expired_webhook_raw(
        &self,
        cutoff: i64,
        batch: i64,
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let stripped = on_tx!(&mut tx, t => {
            sqlx::query(
                "UPDATE webhook_events SET body = $1, headers = '{}', raw_removed_at = $2 \
                 WHERE id IN (SELECT id FROM webhook_events \
                   WHERE raw_removed_at IS NULL AND received_at < $3 AND outcome <> $4 \
                   ORDER BY received_at LIMIT $5)",
            )
            .bind(Vec::<u8>::new())
            .bind(now)
            .bind(cutoff)
            .bind(Outcome::Pending)
            .bind(batch)
            .execute(&mut **t)
            .await
            .map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        Ok(stripped)
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

    /// Deliveries matching `filter`, newest first, at most `limit` with an id below
    /// `filter.before` (keyset paging: stable while new events arrive).
    pub async fn list_webhook_events(
        &self,
        filter: &WebhookFilter,
        limit: i64,
    ) -> Result<Vec<WebhookEventRecord>, StoreError> {
        let mut w = Conditions::default();
        let before = w.param(Bind::Int(filter.before.unwrap_or(i64::MAX)));
        w.and(format!("id < {before}"));
        let verdict = filter.auth_verdict.as_ref().map(|v| v.as_str().to_owned());
        let outcome = filter.outcome.as_ref().map(|o| o.as_str().to_owned());
        for (column, value) in [
            ("source", &filter.source),
            ("auth_verdict", &verdict),
            ("outcome", &outcome),
            ("order_id", &filter.order_id),
        ] {
            if let Some(value) = value {
                let p = w.param(Bind::Text(value.clone()));
                w.and(format!("{column} = {p}"));
            }
        }
        if !filter.event_names.is_empty() {
            let names: Vec<String> = filter
                .event_names
                .iter()
                .map(|name| w.param(Bind::Text(name.clone())))
                .collect();
            w.and(format!("event_name IN ({})", names.join(", ")));
        }
        for (condition, value) in [
            ("received_at >=", filter.from),
            ("received_at <", filter.until),
        ] {
            if let Some(value) = value {
                let p = w.param(Bind::Int(value));
                w.and(format!("{condition} {p}"));
            }
        }
        let limit = w.param(Bind::Int(limit));
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_events WHERE {} ORDER BY id DESC LIMIT {limit}",
            w.clause()
        );
        let rows = on_pool!(self, p => {
            bind_all!(sqlx::query_as::<_, WebhookEventRecord>(&sql), &w.binds)
                .fetch_all(p)
                .await
        })?;
        Ok(rows)
    }
}

impl Tx {
    /// Stores several deliveries in this transaction, in order, each exactly as
    /// [`Store::insert_webhook_event`] would: a repeat — of a stored event or of an earlier
    /// one in `events` — only bumps the duplicate count — then commits. Returns one result
    /// per event, in order; on an error the dropped transaction rolls back.
    pub async fn commit_webhook_events(
        mut self,
        events: &[NewWebhookEvent],
    ) -> Result<Vec<StoredWebhook>, StoreError> {
        // The first delivery of each dedup key goes into one multi-row statement (one round
        // trip for the group); repeats within the group follow one by one, in order, since
        // one statement may not both insert a key and count a repeat of it.
        let mut seen = HashSet::new();
        let (firsts, repeats): (Vec<_>, Vec<_>) = events
            .iter()
            .enumerate()
            .partition(|(_, event)| seen.insert(event.dedup_key.as_str()));
        let mut stored = vec![None; events.len()];
        on_tx!(&mut self, t => {
            for chunk in firsts.chunks(ROWS_PER_STATEMENT).chain(repeats.chunks(1)) {
                let mut insert = QueryBuilder::new(INSERT_EVENTS);
                insert.push_values(chunk, |mut row, (_, event)| {
                    row.push_bind(&event.source)
                        .push_bind(&event.dedup_key)
                        .push_bind(&event.event_id)
                        .push_bind(&event.event_name)
                        .push_bind(&event.order_id)
                        .push_bind(&event.auth_verdict)
                        .push_bind(event.received_at)
                        .push_bind(event.event_created_at)
                        .push_bind(event.lag_ms)
                        .push_bind(&event.headers)
                        .push_bind(&event.body)
                        .push_bind(event.body_truncated)
                        .push_bind(&event.outcome)
                        .push_bind(&event.outcome_detail)
                        .push_bind(&event.trace_parent);
                });
                insert.push(ON_REPEAT);
                let rows: Vec<(String, i64, i64)> =
                    insert.build_query_as().fetch_all(&mut **t).await?;
                // The database returns rows in no promised order: match them by key.
                let by_key: HashMap<String, (i64, i64)> = rows
                    .into_iter()
                    .map(|(key, id, duplicates)| (key, (id, duplicates)))
                    .collect();
                for (index, event) in chunk {
                    stored[*index] = by_key.get(&event.dedup_key).map(|&(id, duplicates)| {
                        StoredWebhook { id, duplicate: duplicates > 0 }
                    });
                }
            }
            Ok::<_, StoreError>(())
        })?;
        self.commit().await?;
        stored
            .into_iter()
            .map(|row| {
                row.ok_or(StoreError::Inconsistent(
                    "a grouped webhook insert returned no row for an event",
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::test_on_both_backends! {
        async fn filters_combine_and_pages_continue_below_the_last_id(db) {
            let store = db.store();
            for (i, (name, order)) in [
                ("ORDER_SUCCEEDED", "ord_1"),
                ("ORDER_FAILED", "ord_2"),
                ("ORDER_SUCCEEDED", "ord_2"),
                ("ORDER_REFUNDED", "ord_1"),
            ]
            .into_iter()
            .enumerate()
            {
                let mut e = event(&format!("evt_{i}"), "valid");
                e.event_name = Some(name.into());
                e.order_id = Some(order.into());
                e.received_at = 1_000 * (i as i64 + 1);
                store.insert_webhook_event(&e).await.unwrap();
            }
            let names = |rows: Vec<WebhookEventRecord>| -> Vec<String> {
                rows.into_iter().map(|r| r.dedup_key).collect()
            };
            let succeeded = WebhookFilter { event_names: vec!["ORDER_SUCCEEDED".into()], ..Default::default() };
            assert_eq!(names(store.list_webhook_events(&succeeded, 10).await.unwrap()), ["evt_2", "evt_0"]);
            let picked = WebhookFilter {
                event_names: vec!["ORDER_FAILED".into(), "ORDER_REFUNDED".into()],
                ..Default::default()
            };
            assert_eq!(names(store.list_webhook_events(&picked, 10).await.unwrap()), ["evt_3", "evt_1"], "several names are OR");
            let both = WebhookFilter { order_id: Some("ord_2".into()), ..succeeded.clone() };
            assert_eq!(names(store.list_webhook_events(&both, 10).await.unwrap()), ["evt_2"]);
            let window = WebhookFilter { from: Some(2_000), until: Some(4_000), ..Default::default() };
            assert_eq!(names(store.list_webhook_events(&window, 10).await.unwrap()), ["evt_2", "evt_1"]);
            let first = store.list_webhook_events(&WebhookFilter::default(), 2).await.unwrap();
            let next = WebhookFilter { before: Some(first[1].id), ..Default::default() };
            assert_eq!(names(first), ["evt_3", "evt_2"]);
            assert_eq!(names(store.list_webhook_events(&next, 2).await.unwrap()), ["evt_1", "evt_0"]);
            let none = WebhookFilter { outcome: Some("applied".into()), ..Default::default() };
            assert!(store.list_webhook_events(&none, 10).await.unwrap().is_empty());
        }
    }

    fn event(key: &str, verdict: &str) -> NewWebhookEvent {
        NewWebhookEvent {
            source: "juspay".into(),
            dedup_key: key.into(),
            event_id: Some(key.into()),
            event_name: Some("ORDER_SUCCEEDED".into()),
            order_id: Some("ord_1".into()),
            auth_verdict: verdict.into(),
            received_at: 10_000,
            event_created_at: Some(9_000),
            lag_ms: Some(1_000),
            headers: "{}".into(),
            body: b"{\"raw\": true}".to_vec(),
            body_truncated: false,
            outcome: "pending".into(),
            outcome_detail: None,
            trace_parent: None,
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
        async fn a_batch_is_stored_in_order_and_counts_repeats_within_it(db) {
            let store = db.store();
            let before = store.insert_webhook_event(&event("evt_0", "valid")).await.unwrap();
            let mut repeat = event("evt_1", "valid");
            repeat.received_at = 30_000;
            let batch = [event("evt_1", "valid"), event("evt_0", "valid"), event("evt_2", "valid"), repeat];
            let stored = store.insert_webhook_events(&batch).await.unwrap();
            assert_eq!(stored.len(), 4);
            assert!(!stored[0].duplicate && !stored[2].duplicate);
            assert_eq!(stored[1], StoredWebhook { id: before.id, duplicate: true });
            assert_eq!(stored[3], StoredWebhook { id: stored[0].id, duplicate: true });
            assert!(before.id < stored[0].id && stored[0].id < stored[2].id, "arrival order");
            let row = store.find_webhook_event(stored[0].id).await.unwrap().unwrap();
            assert_eq!((row.duplicate_count, row.last_duplicate_at), (1, Some(30_000)));
            assert!(store.insert_webhook_events(&[]).await.unwrap().is_empty());
        }
    }

    crate::test_on_both_backends! {
        async fn a_batch_larger_than_one_statement_is_stored_whole_and_in_order(db) {
            let store = db.store();
            let batch: Vec<_> = (0..ROWS_PER_STATEMENT + 10)
                .map(|i| event(&format!("evt_{i}"), "valid"))
                .collect();
            let stored = store.insert_webhook_events(&batch).await.unwrap();
            assert_eq!(stored.len(), batch.len());
            assert!(stored.iter().all(|s| !s.duplicate));
            assert!(stored.windows(2).all(|pair| pair[0].id < pair[1].id), "arrival order");
            let last = store.find_webhook_event(stored[batch.len() - 1].id).await.unwrap().unwrap();
            assert_eq!(last.dedup_key, batch[batch.len() - 1].dedup_key);
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
                .list_webhook_events(&WebhookFilter::default(), 10)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.dedup_key)
                .collect();
            assert_eq!(keys, ["rejected:4", "rejected:3", "rejected:2", "evt_ok"]);
            let before = WebhookFilter { before: Some(3), ..WebhookFilter::default() };
            let page = store.list_webhook_events(&before, 10).await.unwrap();
            assert!(page.iter().all(|e| e.id < 3));
        }
    }
}

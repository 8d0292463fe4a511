//! Processing of stored webhooks (step 2 of the data flow): a background worker takes
//! unprocessed events in arrival order, parses them leniently and applies what they report
//! through the order-snapshot function, recording the outcome on the event.
//!
//! Invariants: an event's effects and its outcome are committed in one transaction, so a
//! crash leaves it unprocessed (and it is processed after the restart), never half-applied;
//! applying twice is a no-op (the snapshot rules see the same status); a poison event is
//! marked and never blocks the ones after it; a transient failure is retried with backoff.
//! On PostgreSQL several instances may run the worker: claiming an event locks its row, and
//! a claim skips rows another instance holds, so each event is processed by one of them
//! and neither waits for the other's group.
//!
//! For throughput the worker claims up to [`GROUP`] due events, in arrival order, and
//! applies them in one transaction (one commit). Should any of them fail with a database
//! error (or panic), the group is rolled back and its events are processed one by one, each
//! in its own transaction, so only the failing one is deferred. Before applying a group on
//! PostgreSQL the worker takes the locks of every order and mandate it names, sorted, so two
//! instances whose groups share orders wait for each other instead of deadlocking; the
//! counters those orders feed are folded in key order at commit (see the migration that
//! introduced `order_changes`).
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

pub use crate::webhooks::apply::Processed;
use dashboard_status::{AuthVerdict, Outcome};
use juspay::parse_webhook;
use sqlx::QueryBuilder;
use tokio::sync::{Notify, watch};

use crate::{
    clock::now_millis,
    config::ProcessorConfig,
    report::Chain,
    staff::audit::AuditEntry,
    store::{Backend, Pool, Store, StoreError, Tx, on_tx, sql_list},
    webhooks::apply::{Claimed, apply_event, apply_jpsl, lock_keys},
};

/// Events taken per pass.
const BATCH: usize = 100;
/// Events applied in one transaction at most.
const GROUP: usize = 50;
/// How long the worker sleeps when nothing wakes it (events from another instance, retries).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// How an event is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The worker: only an unprocessed event, and only once.
    Pending,
    /// A person asked to apply it again (any accepted event).
    Reprocess,
    /// A person asked what reprocessing would do: everything runs, then rolls back.
    DryRun,
}

#[derive(Clone)]
pub struct Processor {
    store: Store,
    config: ProcessorConfig,
    wake: Arc<Notify>,
    first_check_ms: i64,
    /// Groups processed again one by one after their transaction failed.
    groups_retried: Arc<AtomicUsize>,
}

impl Processor {
    pub fn new(store: Store, config: ProcessorConfig) -> Self {
        Self {
            store,
            config,
            wake: Arc::new(Notify::new()),
            first_check_ms: 60_000,
            groups_retried: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Sets the wait before the reconciler first checks an order an event left unresolved.
    pub fn with_first_check(mut self, ms: i64) -> Self {
        self.first_check_ms = ms;
        self
    }

    /// Notified by the ingest step after each stored event, so processing starts at once.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// How many groups this worker has processed again one by one after their
    /// transaction failed (see `dashboard_webhook_groups_retried_total`).
    pub fn groups_retried(&self) -> usize {
        self.groups_retried.load(Ordering::Relaxed)
    }

    /// Runs the configured number of processing loops side by side until `stop` turns
    /// true. On PostgreSQL they claim different events, like separate instances, each on a
    /// connection while it applies a group, so at most half the pool's connections are
    /// theirs; SQLite has one writer at a time, so one loop is all it can use.
    pub async fn run_workers(self, stop: watch::Receiver<bool>) {
        let workers = match self.store.pool() {
            Pool::Sqlite(_) => 1,
            Pool::Postgres(pool) => {
                let half = i64::from(pool.options().get_max_connections() / 2);
                self.config.workers.min(half).clamp(1, 16)
            }
        };
        let mut loops = tokio::task::JoinSet::new();
        for _ in 0..workers {
            loops.spawn(self.clone().run(stop.clone()));
        }
        while loops.join_next().await.is_some() {}
    }

    /// Processes events until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            match self.process_due().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %Chain(&e), "webhook processing pass failed"),
            }
            tokio::select! {
                _ = stop.changed() => return,
                () = self.wake.notified() => {},
                () = tokio::time::sleep(IDLE_POLL) => {},
            }
        }
    }

    /// Processes up to [`BATCH`] due events, oldest first, a group at a time; returns how
    /// many were taken.
    pub async fn process_due(&self) -> Result<usize, StoreError> {
        // A plain read first, so an idle worker takes no write lock.
        if self
            .store
            .due_webhook_ids(now_millis(), 1)
            .await?
            .is_empty()
        {
            return Ok(0);
        }
        let mut taken = 0;
        while taken < BATCH {
            match self.process_next_group().await? {
                0 => break,
                n => taken += n,
            }
        }
        Ok(taken)
    }

    /// Claims the next due events (at most [`GROUP`]) and applies them in one transaction;
    /// after an error or a panic, one by one instead. Returns how many were claimed.
    async fn process_next_group(&self) -> Result<usize, StoreError> {
        let mut tx = self.store.begin().await?;
        let claimed = claim_due(&mut tx, now_millis(), GROUP).await?;
        if claimed.is_empty() {
            tx.rollback().await?;
            return Ok(0);
        }
        let ids: Vec<i64> = claimed.iter().map(|(id, _)| *id).collect();
        // A task for the group: a panic is contained, and the group retried one event at
        // a time below.
        let worker = self.clone();
        match tokio::spawn(async move { worker.apply_group(tx, claimed).await }).await {
            Ok(Ok(())) => return Ok(ids.len()),
            Ok(Err(e)) => tracing::debug!(
                error = %Chain(&e),
                size = ids.len(),
                "grouped webhook processing failed; processing one by one"
            ),
            Err(_) => tracing::warn!(
                size = ids.len(),
                "grouped webhook processing panicked; processing one by one"
            ),
        }
        self.groups_retried.fetch_add(1, Ordering::Relaxed);
        crate::telemetry::record_webhook_group_retried();
        for &id in &ids {
            self.process_one(id).await?;
        }
        Ok(ids.len())
    }

    /// Processes one due event in its own transaction, deferring it after a database error.
    async fn process_one(&self, id: i64) -> Result<(), StoreError> {
        // A task per event: a panic while applying one event is contained and marks only
        // that event failed.
        let worker = self.clone();
        let result = tokio::spawn(async move { worker.process(id, Mode::Pending).await }).await;
        match result {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_unstorable_text() => {
                tracing::warn!(webhook_event = id, error = %Chain(&e), "webhook holds text the database cannot store");
                self.store
                    .finish_webhook(
                        id,
                        &Outcome::Invalid,
                        Some("holds text the database cannot store (a NUL character)"),
                    )
                    .await
            }
            Ok(Err(e)) => self.defer(id, &e).await,
            Err(_) => {
                tracing::error!(webhook_event = id, "processing a webhook panicked");
                self.store
                    .finish_webhook(
                        id,
                        &Outcome::Failed,
                        Some("internal error while processing"),
                    )
                    .await
            }
        }
    }

    /// Applies the events claimed in `tx`, in order, and commits: all of them or (after an
    /// error) none.
    async fn apply_group(
        &self,
        mut tx: Tx,
        claimed: Vec<(i64, Claimed)>,
    ) -> Result<(), StoreError> {
        match self.apply_claimed(&mut tx, claimed).await {
            Ok(done) => {
                tx.commit().await?;
                let now = now_millis();
                for (outcome, received_at) in &done {
                    crate::telemetry::record_webhook_processed(outcome, now - received_at);
                }
                Ok(())
            }
            Err(e) => {
                // The rollback's own failure adds nothing: the connection is discarded.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// Returns each processed event's outcome and receipt time, for the metrics.
    async fn apply_claimed(
        &self,
        tx: &mut Tx,
        claimed: Vec<(i64, Claimed)>,
    ) -> Result<Vec<(Outcome, i64)>, StoreError> {
        // The group's aggregates locked up front in one order; applying finds each lock
        // held. Not on SQLite, whose transaction holds the only write lock, so its events
        // are not parsed for keys either.
        if tx.backend() == Backend::Postgres {
            let mut keys: Vec<_> = claimed
                .iter()
                .flat_map(|(_, event)| lock_keys(event))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            tx.lock_keys(&keys.into_iter().map(|k| k.key()).collect::<Vec<_>>())
                .await?;
        }
        // One statement claimed the group and one records its outcomes: statements cost a
        // round trip each, and the transaction holds SQLite's only write lock meanwhile.
        let mut outcomes = Vec::with_capacity(claimed.len());
        let mut done = Vec::with_capacity(claimed.len());
        for (id, event) in claimed {
            let processed = self.evaluate_traced(tx, id, &event).await?;
            done.push((processed.outcome.clone(), event.received_at));
            outcomes.push((id, processed));
        }
        record_outcomes(tx, &outcomes).await?;
        Ok(done)
    }

    /// [`Self::evaluate`] in a `process webhook` span that continues the trace of the
    /// request that received the event, with its outcome recorded on the span.
    async fn evaluate_traced(
        &self,
        tx: &mut Tx,
        id: i64,
        claimed: &Claimed,
    ) -> Result<Processed, StoreError> {
        use tracing::Instrument as _;

        let span = tracing::info_span!(
            "process webhook",
            webhook.event = id,
            webhook.source = %claimed.source,
            webhook.outcome = tracing::field::Empty,
        );
        if let Some(parent) = claimed
            .trace_parent
            .as_deref()
            .and_then(juspay::trace_context::parse_traceparent)
        {
            juspay::trace_context::continue_trace(&span, parent);
        }
        let processed = self
            .evaluate(tx, id, claimed)
            .instrument(span.clone())
            .await?;
        span.record("webhook.outcome", processed.outcome.as_str());
        Ok(processed)
    }

    /// What the claimed event does, applied inside `tx`: Juspay's webhooks and JPSL's
    /// callbacks go through the same order-snapshot function.
    async fn evaluate(
        &self,
        tx: &mut Tx,
        id: i64,
        claimed: &Claimed,
    ) -> Result<Processed, StoreError> {
        let body = claimed.body.as_slice();
        if claimed.source == crate::orders::snapshot::JPSL_SOURCE {
            return apply_jpsl(tx, id, claimed, self.first_check_ms).await;
        }
        Ok(match parse_webhook(body) {
            Err(e) => Processed {
                outcome: Outcome::ParseError,
                detail: Some(e.to_string()),
                changes: Vec::new(),
            },
            Ok(event) => apply_event(tx, id, &event, body, self.first_check_ms).await?,
        })
    }

    /// Processes one stored event. `None` when the event cannot be taken in this mode
    /// (already processed by someone else, rejected, or unknown).
    pub async fn process(&self, id: i64, mode: Mode) -> Result<Option<Processed>, StoreError> {
        self.process_audited(id, mode, None).await
    }

    /// Like [`Self::process`], writing `audit` (a person's reprocess) in the same
    /// transaction as the change.
    pub async fn process_audited(
        &self,
        id: i64,
        mode: Mode,
        audit: Option<&AuditEntry>,
    ) -> Result<Option<Processed>, StoreError> {
        let mut tx = self.store.begin().await?;
        let Some((_, claimed)) = claim(&mut tx, &[id], mode).await?.pop() else {
            tx.rollback().await?;
            return Ok(None);
        };
        let processed = self.evaluate_traced(&mut tx, id, &claimed).await?;
        record_outcomes(&mut tx, &[(id, processed.clone())]).await?;
        if let Some(entry) = audit {
            tx.audit(entry).await?;
        }
        if mode == Mode::DryRun {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        if mode == Mode::Pending {
            let lag = now_millis() - claimed.received_at;
            crate::telemetry::record_webhook_processed(&processed.outcome, lag);
        }
        Ok(Some(processed))
    }

    /// After a transient failure: try again later, or give up after `max_attempts`.
    async fn defer(&self, id: i64, error: &StoreError) -> Result<(), StoreError> {
        tracing::warn!(webhook_event = id, error = %Chain(&error), "webhook processing failed; will retry");
        let attempts = self.store.count_webhook_attempt(id).await?;
        if attempts >= self.config.max_attempts {
            return self
                .store
                .finish_webhook(
                    id,
                    &Outcome::Failed,
                    Some("gave up after repeated database errors"),
                )
                .await;
        }
        let exponent = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
        let wait = self.config.retry_base_seconds * 1000 * 2_i64.pow(exponent);
        self.store
            .retry_webhook_later(id, now_millis() + wait, "database error; retrying")
            .await
    }
}

/// One row of a claim's `RETURNING`, read positionally.
type ClaimRow = (i64, String, i64, Option<String>, String, Vec<u8>);
const CLAIM_RETURNING: &str = " RETURNING id, source, received_at, trace_parent, headers, body";

/// Takes the events among `ids` that `mode` allows for processing inside `tx`, in arrival
/// order. The update locks their rows, so a second instance claiming the same events waits
/// and then finds them processed.
async fn claim(tx: &mut Tx, ids: &[i64], mode: Mode) -> Result<Vec<(i64, Claimed)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let condition = match mode {
        Mode::Pending => format!("outcome IN {}", sql_list([Outcome::Pending.as_str()])),
        Mode::Reprocess | Mode::DryRun => {
            format!(
                "auth_verdict IN {}",
                sql_list([AuthVerdict::Valid.as_str()])
            )
        }
    };
    let rows: Vec<ClaimRow> = on_tx!(tx, t => {
        let mut update = QueryBuilder::new(format!(
            "UPDATE webhook_events SET process_attempts = process_attempts + 1 \
             WHERE {condition} AND id IN ("
        ));
        let mut list = update.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        update.push(")").push(CLAIM_RETURNING);
        update.build_query_as().fetch_all(&mut **t).await
    })?;
    Ok(claimed_in_order(rows))
}

/// Takes the oldest due events, at most `limit`, inside `tx`. On PostgreSQL it skips the
/// rows another instance has claimed and not yet committed, so instances take different
/// events instead of queueing for the same ones.
async fn claim_due(tx: &mut Tx, now: i64, limit: usize) -> Result<Vec<(i64, Claimed)>, StoreError> {
    let skip_locked = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    // The outcome is written out, not bound: only then may either planner read the due
    // events from the partial index `webhook_events_due`, in id order.
    let sql = format!(
        "UPDATE webhook_events SET process_attempts = process_attempts + 1 WHERE id IN \
         (SELECT id FROM webhook_events WHERE outcome = '{pending}' \
          AND (next_attempt_at IS NULL OR next_attempt_at <= $1) ORDER BY id LIMIT $2{skip_locked})\
         {CLAIM_RETURNING}",
        pending = Outcome::Pending.as_str()
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows: Vec<ClaimRow> = on_tx!(tx, t => sqlx::query_as(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut **t)
        .await)?;
    Ok(claimed_in_order(rows))
}

/// The claimed rows by id: neither database promises the order of `RETURNING` rows.
fn claimed_in_order(mut rows: Vec<ClaimRow>) -> Vec<(i64, Claimed)> {
    rows.sort_unstable_by_key(|row| row.0);
    rows.into_iter()
        .map(|(id, source, received_at, trace_parent, headers, body)| {
            let content_type = serde_json::from_str::<serde_json::Value>(&headers)
                .ok()
                .and_then(|h| {
                    h.get("content-type")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            let claimed = Claimed {
                source,
                received_at,
                trace_parent,
                content_type,
                body,
            };
            (id, claimed)
        })
        .collect()
}

/// Records each event's outcome in one statement.
async fn record_outcomes(tx: &mut Tx, outcomes: &[(i64, Processed)]) -> Result<(), StoreError> {
    if outcomes.is_empty() {
        return Ok(());
    }
    // Casts give PostgreSQL the types of the bound values, and are no-ops on SQLite.
    on_tx!(tx, t => {
        let mut update = QueryBuilder::new("WITH v (id, outcome, detail) AS (");
        update.push_values(outcomes, |mut row, (id, processed)| {
            row.push("CAST(")
                .push_bind_unseparated(*id)
                .push_unseparated(" AS BIGINT)")
                .push("CAST(")
                .push_bind_unseparated(&processed.outcome)
                .push_unseparated(" AS TEXT)")
                .push("CAST(")
                .push_bind_unseparated(&processed.detail)
                .push_unseparated(" AS TEXT)");
        });
        update
            .push(
                ") UPDATE webhook_events SET outcome = v.outcome, outcome_detail = v.detail, \
                 next_attempt_at = NULL, processed_at = ",
            )
            .push_bind(now_millis())
            .push(" FROM v WHERE webhook_events.id = v.id");
        update.build().execute(&mut **t).await.map(|_| ())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::on_pool;
    use crate::webhooks::store::NewWebhookEvent;
    use dashboard_status::{MandateStatus, OrderStatus, RefundStatus};

    fn processor(store: &Store) -> Processor {
        Processor::new(
            store.clone(),
            ProcessorConfig {
                enabled: true,
                max_attempts: 3,
                retry_base_seconds: 1,
                ready_max_backlog: 100,
                workers: 1,
            },
        )
    }

    /// Stores a delivery as the ingest step would, keyed by `key`.
    async fn store_event(store: &Store, key: &str, body: &str) -> i64 {
        store
            .insert_webhook_event(&NewWebhookEvent {
                source: "juspay".into(),
                dedup_key: format!("juspay:event:{key}"),
                event_id: Some(key.into()),
                event_name: None,
                order_id: None,
                auth_verdict: AuthVerdict::Valid,
                received_at: now_millis(),
                event_created_at: None,
                lag_ms: None,
                headers: "{}".into(),
                body: body.as_bytes().to_vec(),
                body_truncated: false,
                outcome: Outcome::Pending,
                outcome_detail: None,
                trace_parent: None,
            })
            .await
            .unwrap()
            .id
    }

    fn order_event(name: &str, status: &str, amount: &str) -> String {
        format!(
            r#"{{"event_name":"{name}","date_created":"2026-11-23T07:00:00Z","content":{{"order":
               {{"order_id":"ord_1","status":"{status}","amount":"{amount}","currency":"INR"}}}}}}"#
        )
    }

    async fn outcome_of(store: &Store, id: i64) -> (Outcome, Option<String>) {
        let event = store.find_webhook_event(id).await.unwrap().unwrap();
        (event.outcome, event.outcome_detail)
    }

    crate::test_on_both_backends! {
        async fn pending_events_are_applied_in_arrival_order_and_only_once(db) {
            let store = db.store();
            let created = store_event(&store, "e1", &order_event("TXN_CREATED", "PENDING_VBV", "10.00")).await;
            let paid = store_event(&store, "e2", &order_event("ORDER_SUCCEEDED", "CHARGED", "10.00")).await;
            let late = store_event(&store, "e3", &order_event("TXN_CREATED", "PENDING_VBV", "10.00")).await;
            let processor = processor(&store);
            assert_eq!(processor.process_due().await.unwrap(), 3);
            assert_eq!(processor.process_due().await.unwrap(), 0, "nothing is taken twice");
            assert_eq!(outcome_of(&store, created).await.0, Outcome::Created);
            assert_eq!(outcome_of(&store, paid).await.0, Outcome::Applied);
            assert_eq!(outcome_of(&store, late).await.0, Outcome::Stale);
            let order = store.find_order("ord_1").await.unwrap().unwrap();
            assert_eq!(order.status, OrderStatus::Charged);
            assert_eq!(order.paid_via.as_deref(), Some("webhook"));
            let timeline = store.list_order_events("ord_1").await.unwrap();
            let outcomes: Vec<_> = timeline.iter().map(|e| e.outcome.as_str()).collect();
            assert_eq!(outcomes, ["created", "applied", "stale"]);
            assert_eq!(timeline[1].webhook_event_id, Some(paid));
        }
    }

    crate::test_on_both_backends! {
        async fn a_poison_event_is_marked_and_does_not_block_the_next(db) {
            let store = db.store();
            let broken = store_event(&store, "e1", "{not json").await;
            let orphan = store_event(&store, "e2", r#"{"event_name":"ORDER_SUCCEEDED","content":{"order":{"status":"CHARGED"}}}"#).await;
            let unknown = store_event(&store, "e3", r#"{"event_name":"CHARGEBACK_RECEIVED","content":{}}"#).await;
            let token = store_event(&store, "e5", r#"{"event_name":"TOKEN_STATUS_UPDATED","content":{"token":{}}}"#).await;
            let good = store_event(&store, "e4", &order_event("ORDER_SUCCEEDED", "CHARGED", "10.00")).await;
            processor(&store).process_due().await.unwrap();
            assert_eq!(outcome_of(&store, broken).await.0, Outcome::ParseError);
            let (outcome, detail) = outcome_of(&store, orphan).await;
            assert_eq!(outcome, Outcome::Invalid);
            assert!(detail.unwrap().contains("order_id"));
            assert_eq!(outcome_of(&store, unknown).await.0, Outcome::Ignored);
            let (outcome, detail) = outcome_of(&store, token).await;
            assert_eq!(outcome, Outcome::Ignored);
            assert!(detail.unwrap().contains("keeps no tokens"), "explained");
            assert_eq!(outcome_of(&store, good).await.0, Outcome::Created);
        }
    }

    crate::test_on_both_backends! {
        async fn a_dry_run_shows_the_change_and_writes_nothing(db) {
            let store = db.store();
            let first = store_event(&store, "e1", &order_event("TXN_CREATED", "PENDING_VBV", "10.00")).await;
            let processor = processor(&store);
            processor.process_due().await.unwrap();
            let paid = store_event(&store, "e2", &order_event("ORDER_SUCCEEDED", "CHARGED", "10.00")).await;
            let preview = processor.process(paid, Mode::DryRun).await.unwrap().unwrap();
            assert_eq!(preview.outcome, Outcome::Applied);
            assert_eq!(preview.changes, ["order ord_1: PENDING_VBV → CHARGED (status)"]);
            assert_eq!(store.find_order("ord_1").await.unwrap().unwrap().status, OrderStatus::PendingVbv);
            assert_eq!(outcome_of(&store, paid).await.0, Outcome::Pending);

            let again = processor.process(first, Mode::DryRun).await.unwrap().unwrap();
            assert_eq!(again.outcome, Outcome::Duplicate, "reprocessing an applied event is a no-op");
            assert!(again.changes.is_empty());
            let applied = processor.process(paid, Mode::Reprocess).await.unwrap().unwrap();
            assert_eq!(applied.outcome, Outcome::Applied);
            assert_eq!(store.find_order("ord_1").await.unwrap().unwrap().status, OrderStatus::Charged);
        }
    }

    crate::test_on_both_backends! {
        async fn mandate_and_notification_events_update_the_mandate_history(db) {
            let store = db.store();
            let mandate = |name: &str, status: &str, at: &str| format!(
                r#"{{"event_name":"{name}","date_created":"{at}","content":{{"mandate":{{"mandate_id":"m_1",
                   "status":"{status}","customer_id":"cst_1","max_amount":"500.00","frequency":"MONTHLY",
                   "revokable_by_customer":"true","payment_info":{{"payment_method_type":"UPI","upi":{{"payer_vpa":"a@upi"}}}}}}}}}}"#
            );
            store_event(&store, "m1", &mandate("MANDATE_ACTIVATED", "ACTIVE", "2026-11-23T07:00:00Z")).await;
            store_event(&store, "m2", &mandate("MANDATE_PAUSED", "PAUSED", "2026-11-23T08:00:00Z")).await;
            let late = store_event(&store, "m3", &mandate("MANDATE_ACTIVATED", "ACTIVE", "2026-11-23T07:00:00Z")).await;
            let note = store_event(&store, "n1", r#"{"event_name":"NOTIFICATION_SUCCEEDED","content":{"notification":
                {"id":"nt_1","status":"SUCCESS","mandate":{"mandate_id":"m_1"}}}}"#).await;
            processor(&store).process_due().await.unwrap();
            let row = store.find_mandate("m_1").await.unwrap().unwrap();
            assert_eq!(row.status, MandateStatus::Paused);
            assert_eq!(row.max_amount, Some(50_000));
            assert_eq!(row.revokable_by_customer, Some(true));
            assert_eq!(row.payer_vpa.as_deref(), Some("a@upi"));
            assert_eq!(outcome_of(&store, late).await.0, Outcome::Stale);
            assert_eq!(outcome_of(&store, note).await.0, Outcome::Applied);
        }
    }

    crate::test_on_both_backends! {
        async fn refunds_in_an_order_snapshot_are_recorded_and_advanced(db) {
            let store = db.store();
            let with_refund = |name: &str, status: &str| format!(
                r#"{{"event_name":"{name}","content":{{"order":{{"order_id":"ord_1","status":"CHARGED",
                   "amount":"10.00","amount_refunded":"4.00","refunds":[{{"unique_request_id":"rf_1",
                   "amount":"4.00","status":"{status}"}}]}}}}}}"#
            );
            store_event(&store, "e1", &order_event("ORDER_SUCCEEDED", "CHARGED", "10.00")).await;
            let pending = store_event(&store, "e2", &with_refund("ORDER_REFUNDED", "PENDING")).await;
            let done = store_event(&store, "e3", &with_refund("ORDER_REFUNDED", "SUCCESS")).await;
            processor(&store).process_due().await.unwrap();
            assert_eq!(outcome_of(&store, pending).await.0, Outcome::Applied);
            assert_eq!(outcome_of(&store, done).await.0, Outcome::Applied);
            let refunds = store.list_refunds_of_order("ord_1").await.unwrap();
            assert_eq!(refunds.len(), 1);
            assert_eq!(refunds[0].status, RefundStatus::Success);
            assert_eq!(refunds[0].amount, 400);
            assert_eq!(store.find_order("ord_1").await.unwrap().unwrap().amount_refunded, 400);
        }
    }

    crate::test_on_both_backends! {
        async fn a_database_error_in_a_group_defers_only_its_event(db) {
            let store = db.store();
            refuse_order(&store, "ord_bad").await;
            let bad_order = r#"{"event_name":"ORDER_SUCCEEDED","content":{"order":
                {"order_id":"ord_bad","status":"CHARGED","amount":"1.00","currency":"INR"}}}"#;
            let mut ids = Vec::new();
            for i in 0..60 {
                let body = if i == 30 { bad_order.to_owned() } else {
                    order_event("ORDER_SUCCEEDED", "CHARGED", "10.00").replace("ord_1", &format!("ord_{i}"))
                };
                ids.push(store_event(&store, &format!("e{i}"), &body).await);
            }
            let processor = processor(&store);
            assert_eq!(processor.process_due().await.unwrap(), 60);
            for (i, id) in ids.iter().enumerate() {
                let (outcome, detail) = outcome_of(&store, *id).await;
                if i == 30 {
                    assert_eq!(outcome, Outcome::Pending);
                    assert_eq!(detail.as_deref(), Some("database error; retrying"));
                } else {
                    assert_eq!(outcome, Outcome::Created, "event {i}");
                }
            }
            let bad = store.find_webhook_event(ids[30]).await.unwrap().unwrap();
            assert_eq!(bad.process_attempts, 1, "the failed group left no attempt behind");
            assert_eq!(processor.process_due().await.unwrap(), 0, "the failed one waits");
        }
    }

    crate::test_on_both_backends! {
        async fn two_instances_drain_events_of_shared_orders_without_deadlocks_or_lost_counts(db) {
            // 40 orders reported three times each, every round naming the orders in a
            // different order, so the two workers' groups share orders and meet them in
            // opposite orders: pending, paid, then a late pending; or pending, failed,
            // then paid on a retry. Two instances may apply one order's events out of
            // arrival order (as Juspay may deliver them), so every order ends paid
            // whatever the order: a payment is final.
            let store = db.store();
            let orders = 40;
            let mut expected = 0;
            for round in 0..3 {
                let mut ks: Vec<usize> = (0..orders).collect();
                if round == 1 {
                    ks.reverse();
                } else if round == 2 {
                    ks.sort_by_key(|k| (k % 7, *k));
                }
                for k in ks {
                    let (name, status) = match (round, k % 2) {
                        (0, _) | (2, 0) => ("TXN_CREATED", "PENDING_VBV"),
                        (1, 1) => ("ORDER_FAILED", "AUTHORIZATION_FAILED"),
                        _ => ("ORDER_SUCCEEDED", "CHARGED"),
                    };
                    let body = order_event(name, status, "10.00").replace("ord_1", &format!("ord_{k}"));
                    store_event(&store, &format!("r{round}k{k}"), &body).await;
                    expected += 1;
                }
            }
            // And 60 orders reported once each, paid, failed or pending in turn: groups
            // with no order in common that still meet the same counters in other orders.
            let single = 60;
            for j in 0..single {
                let (name, status) = [
                    ("ORDER_SUCCEEDED", "CHARGED"),
                    ("ORDER_FAILED", "AUTHORIZATION_FAILED"),
                    ("TXN_CREATED", "PENDING_VBV"),
                ][j % 3];
                let body = order_event(name, status, "10.00").replace("ord_1", &format!("one_{j}"));
                store_event(&store, &format!("one{j}"), &body).await;
                expected += 1;
            }
            // Two instances: each with its own pool, as two processes would be.
            let first = processor(&Store::connect(db.url(), 4).await.unwrap());
            let second = processor(&Store::connect(db.url(), 4).await.unwrap());
            let drain = |worker: Processor| async move {
                let mut taken = 0;
                while let n @ 1.. = worker.process_due().await.unwrap() {
                    taken += n;
                }
                taken
            };
            let (a, b) = tokio::join!(drain(first.clone()), drain(second.clone()));
            // One may stop early while the other holds the last events; finish them.
            let rest = drain(first.clone()).await;
            assert_eq!(a + b + rest, expected, "every event taken exactly once");
            assert_eq!(first.groups_retried() + second.groups_retried(), 0, "no group failed (deadlock)");

            let left: Vec<(String, i64)> = on_pool!(&store, p => sqlx::query_as(
                "SELECT outcome, COUNT(*) FROM webhook_events WHERE outcome NOT IN ('created', 'applied', 'stale', 'duplicate') GROUP BY outcome"
            ).fetch_all(p).await).unwrap();
            assert_eq!(left, [], "nothing pending or failed");
            for k in 0..orders {
                let order = store.find_order(&format!("ord_{k}")).await.unwrap().unwrap();
                assert_eq!(order.status, OrderStatus::Charged, "ord_{k}");
            }
            // The counters equal counting the orders.
            let sql_totals = "SELECT status, CAST(SUM(orders) AS BIGINT) FROM order_totals \
                GROUP BY status HAVING SUM(orders) <> 0 ORDER BY status";
            let sql_counted = "SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status";
            let totals: Vec<(String, i64)> = on_pool!(&store, p => sqlx::query_as(sql_totals).fetch_all(p).await).unwrap();
            let counted: Vec<(String, i64)> = on_pool!(&store, p => sqlx::query_as(sql_counted).fetch_all(p).await).unwrap();
            assert_eq!(totals, counted);
            let outcomes: (i64, i64) = on_pool!(&store, p => sqlx::query_as(
                "SELECT CAST(SUM(attempts) AS BIGINT), CAST(SUM(succeeded) AS BIGINT) FROM outcome_hours WHERE dimension = 'gateway'"
            ).fetch_one(p).await).unwrap();
            let (paid, failed) = (single as i64 / 3, single as i64 / 3);
            assert_eq!(outcomes, (orders as i64 + paid + failed, orders as i64 + paid), "every outcome once");
            let pending: i64 = on_pool!(&store, p => sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(pending), 0) AS BIGINT) FROM created_hours"
            ).fetch_one(p).await).unwrap();
            assert_eq!(pending, single as i64 / 3, "only the orders last reported pending");
        }
    }

    /// Makes the database refuse to store the order `order_id`.
    async fn refuse_order(store: &Store, order_id: &str) {
        use crate::store::Backend;
        match store.backend() {
            Backend::Sqlite => store.execute_raw(&format!(
                "CREATE TRIGGER refuse BEFORE INSERT ON orders WHEN NEW.order_id = '{order_id}' \
                 BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )).await.unwrap(),
            Backend::Postgres => {
                store.execute_raw(&format!(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN \
                     IF NEW.order_id = '{order_id}' THEN RAISE EXCEPTION 'refused'; END IF; \
                     RETURN NEW; END $$ LANGUAGE plpgsql"
                )).await.unwrap();
                store.execute_raw("CREATE TRIGGER refuse BEFORE INSERT ON orders \
                     FOR EACH ROW EXECUTE FUNCTION refuse()").await.unwrap();
            }
        }
    }
}

//! The outbox and its deliveries in the database: events written inside the transaction
//! of the change they describe, one delivery per subscribed endpoint, claimed by one
//! instance at a time and finished with a record of every attempt.
//!
//! Invariants: an event exists only if its change committed (same transaction); a
//! delivery is held by one instance at a time (a lease, and `SKIP LOCKED` on PostgreSQL);
//! a delivery is not claimed while an earlier delivery of the same subject to the same
//! endpoint is still pending, so a receiver sees a subject's events in the order written;
//! nothing is sent to a disabled endpoint (its deliveries wait until it is enabled).

use rand::{Rng, distributions::Alphanumeric};
use serde::{Deserialize, Serialize};

use crate::{
    clock::now_millis,
    outbound::events::{NewEvent, iso},
    store::{Backend, Store, StoreError, Tx, on_pool, on_tx},
};

/// A delivery's state.
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

/// A `webhook-id`: `msg_` and 24 letters and digits, random so that ids never repeat even
/// across a restored backup.
fn mint_message_id() -> String {
    let suffix: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("msg_{suffix}")
}

/// The body sent for an event: Standard Webhooks' `type`, `timestamp` and `data`.
fn payload(event: &NewEvent, at: i64) -> String {
    serde_json::json!({
        "type": event.event_type,
        "timestamp": iso(at),
        "data": event.data,
    })
    .to_string()
}

impl Tx {
    /// Writes `events` to the outbox, with a delivery for every enabled endpoint that
    /// subscribes to each one's type. Part of the caller's transaction: a change rolled
    /// back emits nothing.
    pub async fn emit_events(&mut self, events: &[NewEvent]) -> Result<(), StoreError> {
        let at = now_millis();
        if let Tx::Postgres(t, _) = self {
            // One statement for every event and delivery: each statement is a round trip
            // inside the webhook processor's transaction. Sequence numbers follow the
            // array's order, as the loop below would number them.
            if !events.is_empty() {
                sqlx::query(
                    "WITH e AS (INSERT INTO outbound_events (id, event_type, subject, payload, \
                     created_at) SELECT id, event_type, subject, payload, $5 \
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) \
                     AS v (id, event_type, subject, payload) \
                     RETURNING seq, event_type, subject) \
                     INSERT INTO outbound_deliveries (event_seq, endpoint_id, subject, state, \
                     attempts, next_attempt_at) \
                     SELECT e.seq, p.id, e.subject, 'pending', 0, $5 FROM e \
                     JOIN outbound_endpoints p ON p.enabled AND (p.event_types = '*' \
                       OR ',' || p.event_types || ',' LIKE '%,' || e.event_type || ',%') \
                     ORDER BY e.seq, p.id",
                )
                .bind(events.iter().map(|_| mint_message_id()).collect::<Vec<_>>())
                .bind(events.iter().map(|e| e.event_type).collect::<Vec<_>>())
                .bind(
                    events
                        .iter()
                        .map(|e| e.subject.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(events.iter().map(|e| payload(e, at)).collect::<Vec<_>>())
                .bind(at)
                .execute(&mut **t)
                .await?;
            }
            return Ok(());
        }
        for event in events {
            let seq = self.insert_event(event, at).await?;
            on_tx!(self, t => sqlx::query(
                "INSERT INTO outbound_deliveries (event_seq, endpoint_id, subject, state, \
                 attempts, next_attempt_at) \
                 SELECT $1, id, $2, 'pending', 0, $3 FROM outbound_endpoints \
                 WHERE enabled AND (event_types = '*' \
                   OR ',' || event_types || ',' LIKE '%,' || $4 || ',%')")
                .bind(seq)
                .bind(&event.subject)
                .bind(at)
                .bind(event.event_type)
                .execute(&mut **t).await.map(|_| ()))?;
        }
        Ok(())
    }

    /// Writes the events of an order's change; a mandate debit's outcome is also the
    /// mandate's `mandate.debit.*` event.
    pub(crate) async fn emit_order_events(
        &mut self,
        before: Option<&crate::orders::model::OrderRow>,
        after: &crate::orders::model::OrderRow,
    ) -> Result<(), StoreError> {
        let mut events = crate::outbound::events::order_events(before, after);
        if events.is_empty() {
            return Ok(());
        }
        let mandate: Option<String> = on_tx!(self, t => sqlx::query_scalar(
            "SELECT mandate_id FROM mandate_events WHERE order_id = $1 AND kind = 'execution' \
             LIMIT 1")
            .bind(&after.order_id)
            .fetch_optional(&mut **t).await)?;
        if let Some(mandate_id) = mandate {
            let debit = crate::outbound::events::debit_events(&mandate_id, &events, after);
            events.extend(debit);
        }
        self.emit_events(&events).await
    }

    /// Writes `event` with one delivery, to `endpoint_id` only (a test event, a replay).
    pub async fn emit_to(&mut self, event: &NewEvent, endpoint_id: i64) -> Result<(), StoreError> {
        let at = now_millis();
        let seq = self.insert_event(event, at).await?;
        on_tx!(self, t => sqlx::query(
            "INSERT INTO outbound_deliveries (event_seq, endpoint_id, subject, state, attempts, \
             next_attempt_at) VALUES ($1, $2, $3, 'pending', 0, $4)")
            .bind(seq)
            .bind(endpoint_id)
            .bind(&event.subject)
            .bind(at)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }

    async fn insert_event(&mut self, event: &NewEvent, at: i64) -> Result<i64, StoreError> {
        let seq: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO outbound_events (id, event_type, subject, payload, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING seq")
            .bind(mint_message_id())
            .bind(event.event_type)
            .bind(&event.subject)
            .bind(payload(event, at))
            .bind(at)
            .fetch_one(&mut **t).await)?;
        Ok(seq)
    }
}

/// A delivery claimed for sending, with what sending needs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub attempts: i64,
    pub endpoint_id: i64,
    pub msg_id: String,
    pub payload: String,
    pub url: String,
    pub rate_limit: Option<i64>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<i64>,
}

impl ClaimedDelivery {
    /// The secrets that sign now: the current one, and the previous one until its overlap
    /// ends.
    pub fn signing_secrets(&self, now: i64) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && until > now
        {
            secrets.push(previous);
        }
        secrets
    }
}

/// How one attempt ended, and what follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub at: i64,
    pub status: Option<u16>,
    pub latency_ms: i64,
    /// The first KB of the answer.
    pub response: Option<String>,
    /// Why there was no answer (timeout, refused connection).
    pub error: Option<String>,
    pub next: Next,
}

/// What follows an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Delivered,
    RetryAt(i64),
    /// No more attempts: retries ran out or the receiver asked to stop.
    GiveUp(String),
    /// The endpoint answered 410 Gone: it is disabled.
    EndpointGone,
}

/// One row of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DeliveryRecord {
    pub id: i64,
    pub endpoint_id: i64,
    pub msg_id: String,
    pub event_type: String,
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AttemptRow {
    pub at: i64,
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub response: Option<String>,
    pub error: Option<String>,
}

/// An event of the outbox, as the pull API pages through them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxEvent {
    pub seq: i64,
    pub id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: i64,
}

/// Filters of the delivery log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFilter {
    pub endpoint_id: Option<i64>,
    pub state: Option<String>,
    pub event_type: Option<String>,
    /// Events written at or after / before (epoch ms).
    pub from: Option<i64>,
    pub until: Option<i64>,
}

impl Store {
    /// Claims up to `limit` deliveries due by `now` for `lease_ms`, skipping any whose
    /// subject has an earlier delivery to the same endpoint still pending.
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let skip_locked = match self.backend() {
            Backend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let claim = format!(
            "UPDATE outbound_deliveries SET lease_owner = $1, lease_until = $2 \
             WHERE id IN (SELECT d.id FROM outbound_deliveries d \
               WHERE d.state = 'pending' AND d.next_attempt_at <= $3 \
                 AND (d.lease_until IS NULL OR d.lease_until < $3) \
                 AND EXISTS (SELECT 1 FROM outbound_endpoints p \
                   WHERE p.id = d.endpoint_id AND p.enabled) \
                 AND NOT EXISTS (SELECT 1 FROM outbound_deliveries e \
                   WHERE e.endpoint_id = d.endpoint_id AND e.subject = d.subject \
                     AND e.event_seq < d.event_seq AND e.state = 'pending') \
               ORDER BY d.next_attempt_at, d.event_seq LIMIT $4{skip_locked}) \
             AND state = 'pending' AND (lease_until IS NULL OR lease_until < $3) \
             RETURNING id"
        );
        let ids: Vec<i64> = on_pool!(self, p => sqlx::query_scalar(&claim)
            .bind(owner)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(p).await)?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            let row: Option<ClaimedDelivery> = on_pool!(self, p => sqlx::query_as(
                "SELECT d.id, d.attempts, d.endpoint_id, e.id AS msg_id, e.payload, p.url, \
                 p.rate_limit, p.secret, p.previous_secret, p.previous_secret_until \
                 FROM outbound_deliveries d JOIN outbound_events e ON e.seq = d.event_seq \
                 JOIN outbound_endpoints p ON p.id = d.endpoint_id WHERE d.id = $1")
                .bind(id)
                .fetch_optional(p).await)?;
            claimed.extend(row);
        }
        Ok(claimed)
    }

    /// Records an attempt of a claimed delivery and what follows it, and keeps the
    /// endpoint's failure clock: a success stops it, a failure starts it. A no-op if the
    /// lease was lost to another instance meanwhile (that instance records its own).
    pub async fn record_attempt(
        &self,
        delivery: &ClaimedDelivery,
        owner: &str,
        attempt: &AttemptRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let (state, next_at, delivered_at) = match &attempt.next {
            Next::Delivered => (DELIVERED, None, Some(attempt.at)),
            Next::RetryAt(at) => (PENDING, Some(*at), None),
            Next::GiveUp(_) | Next::EndpointGone => (FAILED, None, None),
        };
        let error = match &attempt.next {
            Next::GiveUp(reason) => Some(reason.clone()),
            Next::EndpointGone => Some("the endpoint answered 410 Gone and was disabled".into()),
            _ => attempt.error.clone(),
        };
        let updated = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE outbound_deliveries SET attempts = attempts + 1, state = $1, \
             next_attempt_at = $2, delivered_at = $3, last_status = $4, last_error = $5, \
             last_attempt_at = $6, lease_owner = NULL, lease_until = NULL \
             WHERE id = $7 AND lease_owner = $8")
            .bind(state)
            .bind(next_at)
            .bind(delivered_at)
            .bind(attempt.status.map(i64::from))
            .bind(&error)
            .bind(attempt.at)
            .bind(delivery.id)
            .bind(owner)
            .execute(&mut **t).await.map(|r| r.rows_affected()))?;
        if updated == 0 {
            return Ok(());
        }
        on_tx!(&mut tx, t => sqlx::query(
            "INSERT INTO outbound_attempts (delivery_id, at, status, latency_ms, response, error) \
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(delivery.id)
            .bind(attempt.at)
            .bind(attempt.status.map(i64::from))
            .bind(attempt.latency_ms)
            .bind(&attempt.response)
            .bind(&attempt.error)
            .execute(&mut **t).await.map(|_| ()))?;
        let endpoint_sql = match attempt.next {
            Next::Delivered => "UPDATE outbound_endpoints SET failing_since = NULL WHERE id = $1",
            Next::EndpointGone => {
                "UPDATE outbound_endpoints SET enabled = FALSE, updated_at = $2, \
                 disabled_reason = 'The endpoint answered 410 Gone.' WHERE id = $1"
            }
            _ => {
                "UPDATE outbound_endpoints SET failing_since = COALESCE(failing_since, $2) \
                 WHERE id = $1"
            }
        };
        on_tx!(&mut tx, t => sqlx::query(endpoint_sql)
            .bind(delivery.endpoint_id)
            .bind(attempt.at)
            .execute(&mut **t).await.map(|_| ()))?;
        tx.commit().await
    }

    /// Hands a claimed delivery back unsent, due at `at` (an endpoint's rate or
    /// concurrency limit): not an attempt. A no-op if the lease was lost meanwhile.
    pub async fn defer_delivery(&self, id: i64, owner: &str, at: i64) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "UPDATE outbound_deliveries SET lease_owner = NULL, lease_until = NULL, \
             next_attempt_at = $1 WHERE id = $2 AND lease_owner = $3")
            .bind(at)
            .bind(id)
            .bind(owner)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Disables every endpoint that has failed without a success since before `cutoff`,
    /// with the reason; returns their URLs.
    pub async fn disable_failing_endpoints(&self, cutoff: i64) -> Result<Vec<String>, StoreError> {
        let urls: Vec<String> = on_pool!(self, p => sqlx::query_scalar(
            "UPDATE outbound_endpoints SET enabled = FALSE, updated_at = $2, \
             disabled_reason = 'Every delivery failed for days; enable it once it answers.' \
             WHERE enabled AND failing_since IS NOT NULL AND failing_since < $1 RETURNING url")
            .bind(cutoff)
            .bind(now_millis())
            .fetch_all(p).await)?;
        Ok(urls)
    }

    /// The delivery log, newest first.
    pub async fn list_deliveries(
        &self,
        filter: &DeliveryFilter,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let sql = "SELECT d.id, d.endpoint_id, e.id AS msg_id, e.event_type, d.subject, d.state, \
             d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.last_attempt_at, \
             d.delivered_at, e.created_at \
             FROM outbound_deliveries d JOIN outbound_events e ON e.seq = d.event_seq \
             WHERE ($1 IS NULL OR d.endpoint_id = $1) AND ($2 IS NULL OR d.state = $2) \
               AND ($3 IS NULL OR e.event_type = $3) AND ($4 IS NULL OR e.created_at >= $4) \
               AND ($5 IS NULL OR e.created_at < $5) \
             ORDER BY d.id DESC LIMIT $6";
        let rows = on_pool!(self, p => sqlx::query_as::<_, DeliveryRecord>(sql)
            .bind(filter.endpoint_id)
            .bind(&filter.state)
            .bind(&filter.event_type)
            .bind(filter.from)
            .bind(filter.until)
            .bind(limit)
            .fetch_all(p).await)?;
        Ok(rows)
    }

    /// The attempts of one delivery, oldest first.
    pub async fn list_attempts(&self, delivery_id: i64) -> Result<Vec<AttemptRow>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, AttemptRow>(
            "SELECT at, status, latency_ms, response, error FROM outbound_attempts \
             WHERE delivery_id = $1 ORDER BY at, id")
            .bind(delivery_id)
            .fetch_all(p).await)?;
        Ok(rows)
    }

    /// Outbox events after `after` (a `seq`), oldest first: the pull API's pages.
    pub async fn list_events_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, OutboxEvent>(
            "SELECT seq, id, event_type, payload, created_at FROM outbound_events \
             WHERE seq > $1 AND event_type <> 'test.ping' ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(p).await)?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use dashboard_status::OrderStatus;

    use super::*;
    use crate::{
        orders::{snapshot::OrderReport, timeline::ReportContext},
        outbound::endpoints::NewEndpoint,
        staff::audit::AuditEntry,
    };

    fn audit() -> AuditEntry {
        AuditEntry {
            actor: "admin".into(),
            action: "outbound.endpoint.create".into(),
            target: String::new(),
            detail: String::new(),
            client_ip: "127.0.0.1".into(),
            trace_id: "t1".into(),
        }
    }

    fn report(order_id: &str, status: OrderStatus) -> OrderReport {
        OrderReport {
            order_id: order_id.into(),
            status: Some(status),
            amount: Some(10_000),
            currency: Some("INR".into()),
            ..OrderReport::default()
        }
    }

    async fn apply(store: &Store, order_id: &str, status: OrderStatus, commit: bool) {
        let mut tx = store.begin().await.unwrap();
        let ctx = ReportContext {
            at: now_millis(),
            ..ReportContext::default()
        };
        tx.apply_order_report(&report(order_id, status), &ctx)
            .await
            .unwrap()
            .unwrap();
        if commit {
            tx.commit().await.unwrap();
        } else {
            tx.rollback().await.unwrap();
        }
    }

    async fn event_types(store: &Store) -> Vec<String> {
        store
            .list_events_after(0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event_type)
            .collect()
    }

    crate::test_on_both_backends! {
        async fn an_event_exists_only_when_its_change_commits_with_a_delivery_per_subscriber(db) {
            let store = db.store();
            store.create_endpoint(&NewEndpoint::all_events("https://a.example/hooks"), &audit()).await.unwrap();
            store
                .create_endpoint(
                    &NewEndpoint {
                        event_types: vec!["refund.succeeded".into()],
                        ..NewEndpoint::all_events("https://b.example/hooks")
                    },
                    &audit(),
                )
                .await
                .unwrap();
            apply(&store, "ord_1", OrderStatus::PendingVbv, false).await;
            assert!(event_types(&store).await.is_empty(), "a rolled-back change emits nothing");
            apply(&store, "ord_1", OrderStatus::PendingVbv, true).await;
            apply(&store, "ord_1", OrderStatus::Charged, true).await;
            apply(&store, "ord_1", OrderStatus::Charged, true).await;
            assert_eq!(event_types(&store).await, ["order.pending", "order.paid"]);
            let deliveries = store.list_deliveries(&DeliveryFilter::default(), 10).await.unwrap();
            assert_eq!(deliveries.len(), 2, "only the endpoint subscribing to all gets them");
            let payload: serde_json::Value =
                serde_json::from_str(&store.list_events_after(0, 10).await.unwrap()[1].payload).unwrap();
            assert_eq!(payload["type"], "order.paid");
            assert_eq!(payload["data"]["order_id"], "ord_1");
            assert_eq!(payload["data"]["amount"]["minor"], 10_000);
        }
    }

    crate::test_on_both_backends! {
        async fn a_subjects_next_event_waits_for_the_earlier_one_and_no_delivery_is_claimed_twice(db) {
            let store = db.store();
            store.create_endpoint(&NewEndpoint::all_events("https://a.example/hooks"), &audit()).await.unwrap();
            apply(&store, "ord_1", OrderStatus::PendingVbv, true).await;
            apply(&store, "ord_1", OrderStatus::Charged, true).await;
            apply(&store, "ord_2", OrderStatus::Charged, true).await;
            let now = now_millis();
            let (a, b) = tokio::join!(
                store.claim_deliveries("a", now, 60_000, 10),
                store.claim_deliveries("b", now, 60_000, 10)
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            let mut ids: Vec<i64> = a.iter().chain(&b).map(|d| d.id).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), a.len() + b.len(), "never claimed twice");
            assert_eq!(ids.len(), 2, "ord_1's second event waits for its first");
            let first = a.iter().chain(&b).find(|d| d.payload.contains("order.pending")).unwrap();
            let owner = if a.contains(first) { "a" } else { "b" };
            let done = AttemptRecord {
                at: now,
                status: Some(200),
                latency_ms: 3,
                response: Some("ok".into()),
                error: None,
                next: Next::Delivered,
            };
            store.record_attempt(first, owner, &done).await.unwrap();
            let next = store.claim_deliveries("c", now_millis(), 60_000, 10).await.unwrap();
            assert_eq!(next.len(), 1);
            assert!(next[0].payload.contains("order.paid"));
            assert_eq!(store.list_attempts(first.id).await.unwrap().len(), 1);
        }
    }

    crate::test_on_both_backends! {
        async fn a_delivery_left_by_a_crashed_instance_is_sent_again_with_its_id_once_the_lease_ends(db) {
            let store = db.store();
            store.create_endpoint(&NewEndpoint::all_events("https://a.example/hooks"), &audit()).await.unwrap();
            apply(&store, "ord_1", OrderStatus::Charged, true).await;
            let now = now_millis();
            // The instance that claimed it was killed before recording anything.
            let lost = store.claim_deliveries("killed", now, 1_000, 10).await.unwrap();
            assert_eq!(lost.len(), 1);
            assert!(store.claim_deliveries("alive", now + 500, 1_000, 10).await.unwrap().is_empty(),
                "held while the lease lasts");
            let again = store.claim_deliveries("alive", now + 1_001, 1_000, 10).await.unwrap();
            assert_eq!(again.len(), 1);
            assert_eq!(again[0].msg_id, lost[0].msg_id, "the same webhook-id");
            let late = AttemptRecord {
                at: now + 1_002,
                status: Some(200),
                latency_ms: 1,
                response: None,
                error: None,
                next: Next::Delivered,
            };
            store.record_attempt(&lost[0], "killed", &late).await.unwrap();
            let log = store.list_deliveries(&DeliveryFilter::default(), 10).await.unwrap();
            assert_eq!((log[0].state.as_str(), log[0].attempts), ("pending", 0),
                "a lost lease records nothing");
            store.record_attempt(&again[0], "alive", &late).await.unwrap();
            let log = store.list_deliveries(&DeliveryFilter::default(), 10).await.unwrap();
            assert_eq!((log[0].state.as_str(), log[0].attempts), ("delivered", 1));
        }
    }

    crate::test_on_both_backends! {
        async fn an_endpoint_that_answered_410_is_disabled_and_alerted_but_one_an_admin_disabled_is_not(db) {
            let store = db.store();
            store.create_endpoint(&NewEndpoint::all_events("https://gone.example/hooks"), &audit()).await.unwrap();
            let (quiet, _) =
                store.create_endpoint(&NewEndpoint::all_events("https://paused.example/hooks"), &audit()).await.unwrap();
            apply(&store, "ord_1", OrderStatus::Charged, true).await;
            let now = now_millis();
            let claimed = store.claim_deliveries("a", now, 60_000, 10).await.unwrap();
            assert_eq!(claimed.len(), 2);
            let gone = claimed.iter().find(|d| d.url.contains("gone")).unwrap();
            let answer = AttemptRecord {
                at: now,
                status: Some(410),
                latency_ms: 1,
                response: None,
                error: None,
                next: Next::EndpointGone,
            };
            store.record_attempt(gone, "a", &answer).await.unwrap();
            store.set_endpoint_enabled(quiet, false, &audit()).await.unwrap();
            let windows = crate::health::alert_store::AlertWindows {
                now,
                window: 3_600_000,
                silence: 1_800_000,
                pending: 1_800_000,
                lookback: 86_400_000,
            };
            let inputs = store.alert_inputs(windows).await.unwrap();
            let urls: Vec<&str> = inputs.endpoints_disabled.iter().map(|(_, url, _)| url.as_str()).collect();
            assert_eq!(urls, ["https://gone.example/hooks"]);
            assert!(store.list_endpoints().await.unwrap().iter().all(|e| !e.enabled));
        }
    }

    fn outcome(at: i64, status: Option<u16>, next: Next) -> AttemptRecord {
        AttemptRecord {
            at,
            status,
            latency_ms: 1,
            response: None,
            error: None,
            next,
        }
    }

    crate::test_on_both_backends! {
        async fn a_failed_delivery_sent_again_keeps_its_id_and_an_endpoint_failing_for_days_is_disabled(db) {
            let store = db.store();
            let (id, _) = store.create_endpoint(&NewEndpoint::all_events("https://down.example/hooks"), &audit()).await.unwrap();
            apply(&store, "ord_1", OrderStatus::Charged, true).await;
            let now = now_millis();
            let first = store.claim_deliveries("a", now, 60_000, 10).await.unwrap().remove(0);
            store
                .record_attempt(&first, "a", &outcome(now, Some(500), Next::GiveUp("retries ran out".into())))
                .await
                .unwrap();
            let failed = store.list_deliveries(&DeliveryFilter::default(), 1).await.unwrap().remove(0);
            assert_eq!(failed.state, FAILED);
            let mut replay = audit();
            replay.action = "outbound.delivery.replay".into();
            replay.target = format!("delivery:{}", failed.id);
            store.replay_delivery(failed.id, &replay).await.unwrap();
            assert!(store.replay_delivery(failed.id, &replay).await.is_err(), "already pending");
            let again = store.claim_deliveries("a", now_millis(), 60_000, 10).await.unwrap();
            assert_eq!((again.len(), again[0].msg_id.as_str(), again[0].attempts), (1, first.msg_id.as_str(), 0));
            assert_eq!(store.list_audit_for(&replay.target, 5).await.unwrap().len(), 1);

            // Failing since `now`: disabled once the cutoff passes it, not before.
            store
                .record_attempt(&again[0], "a", &outcome(now, None, Next::RetryAt(now + 5_000)))
                .await
                .unwrap();
            assert!(store.disable_failing_endpoints(now - 1).await.unwrap().is_empty());
            assert_eq!(
                store.disable_failing_endpoints(now + 1).await.unwrap(),
                ["https://down.example/hooks"]
            );
            let endpoint = store.find_endpoint(id).await.unwrap().unwrap();
            assert!(!endpoint.enabled && endpoint.disabled_reason.is_some());
        }
    }

    crate::test_on_both_backends! {
        async fn a_success_stops_the_failure_clock(db) {
            let store = db.store();
            store.create_endpoint(&NewEndpoint::all_events("https://flaky.example/hooks"), &audit()).await.unwrap();
            apply(&store, "ord_1", OrderStatus::PendingVbv, true).await;
            apply(&store, "ord_2", OrderStatus::PendingVbv, true).await;
            let now = now_millis();
            let claimed = store.claim_deliveries("a", now, 60_000, 10).await.unwrap();
            store.record_attempt(&claimed[0], "a", &outcome(now, Some(503), Next::RetryAt(now + 5_000))).await.unwrap();
            store.record_attempt(&claimed[1], "a", &outcome(now, Some(200), Next::Delivered)).await.unwrap();
            assert!(store.disable_failing_endpoints(now + 1).await.unwrap().is_empty());
        }
    }

    crate::test_on_both_backends! {
        async fn every_failed_delivery_since_a_time_is_counted_then_sent_again(db) {
            let store = db.store();
            let (id, _) = store.create_endpoint(&NewEndpoint::all_events("https://down.example/hooks"), &audit()).await.unwrap();
            apply(&store, "ord_1", OrderStatus::Charged, true).await;
            apply(&store, "ord_2", OrderStatus::Charged, true).await;
            let now = now_millis();
            for delivery in store.claim_deliveries("a", now, 60_000, 10).await.unwrap() {
                let gave_up = outcome(now, Some(500), Next::GiveUp("retries ran out".into()));
                store.record_attempt(&delivery, "a", &gave_up).await.unwrap();
            }
            assert_eq!(store.count_failed_since(id, now + 60_000).await.unwrap(), 0);
            assert_eq!(store.count_failed_since(id, 0).await.unwrap(), 2);
            assert_eq!(store.replay_failed_since(id, 0, &audit()).await.unwrap(), 2);
            assert_eq!(store.count_failed_since(id, 0).await.unwrap(), 0);
            let filter = DeliveryFilter {
                endpoint_id: Some(id),
                state: Some(PENDING.into()),
                from: Some(0),
                until: Some(now_millis() + 1),
                ..DeliveryFilter::default()
            };
            assert_eq!(store.list_deliveries(&filter, 10).await.unwrap().len(), 2);
        }
    }

    crate::test_on_both_backends! {
        async fn a_delivery_handed_back_unsent_is_due_again_later_and_counts_no_attempt(db) {
            let store = db.store();
            let limited = NewEndpoint { rate_limit: Some(5), ..NewEndpoint::all_events("https://slow.example/hooks") };
            store.create_endpoint(&limited, &audit()).await.unwrap();
            apply(&store, "ord_1", OrderStatus::Charged, true).await;
            let now = now_millis();
            let claimed = store.claim_deliveries("a", now, 60_000, 10).await.unwrap();
            assert_eq!(claimed[0].rate_limit, Some(5));
            store.defer_delivery(claimed[0].id, "a", now + 200).await.unwrap();
            assert!(store.claim_deliveries("b", now + 100, 60_000, 10).await.unwrap().is_empty());
            let again = store.claim_deliveries("b", now + 200, 60_000, 10).await.unwrap();
            assert_eq!((again.len(), again[0].attempts), (1, 0));
            assert!(store.list_attempts(again[0].id).await.unwrap().is_empty());
        }
    }
}

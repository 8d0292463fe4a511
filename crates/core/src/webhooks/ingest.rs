//! Webhook ingestion (step 1 of the data flow): authenticate Juspay's Basic credentials in
//! constant time, then store the raw delivery — body, headers with `Authorization` replaced
//! by the verdict, event id, name and lag — in a committed transaction. Nothing else
//! happens before the caller answers, so a 200 means the event is on disk. Bad credentials
//! are kept truncated and capped, and logged at a bounded rate.
//!
//! Group commit: accepted deliveries go through one writer task per [`Ingestor`], which
//! takes every delivery waiting once it may write (up to [`GROUP_MAX`]) and stores them in
//! one transaction — one disk flush for the group instead of one each. Each waiter hears back
//! only after that commit, with its own id (or an error, so it answers 5xx and Juspay
//! retries). The task ends when its `Ingestor` is dropped.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::{AuthVerdict, Outcome};
use std::sync::{
    Arc, Mutex,
    atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering},
};

use juspay::{WebhookAuth, parse_webhook};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::{
    clock::{now_millis, parse_juspay_time},
    config::WebhookConfig,
    store::{Store, StoreError},
    webhooks::{
        rejections::RejectionLimiter,
        store::{NewWebhookEvent, StoredWebhook},
    },
};

/// Bytes of a rejected body kept for diagnosis.
const REJECTED_BODY_KEPT: usize = 1024;
/// Rejections logged per minute at most; the rest are only counted.
const REJECTIONS_LOGGED_PER_MINUTE: u32 = 10;
/// Deliveries stored in one transaction at most.
const GROUP_MAX: usize = 256;
/// Deliveries waiting for the writer at most; further senders wait for room.
const QUEUE_MAX: usize = 1024;

/// A delivery waiting for the writer, with where to send its result.
type Queued = (
    NewWebhookEvent,
    oneshot::Sender<Result<StoredWebhook, IngestError>>,
);

/// Why a delivery could not be ingested (answered 503, so the sender retries).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The group this delivery was written in failed; the writer logged the cause once.
    #[error("the grouped webhook write failed: {0}")]
    GroupFailed(String),
    /// The group writer stopped (the server is shutting down).
    #[error("the webhook writer stopped")]
    WriterGone,
}

/// What the HTTP layer should answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestVerdict {
    /// Stored (or recognised as a duplicate) and committed: answer 200.
    Stored(StoredWebhook),
    /// Wrong or missing credentials: answer 401.
    Rejected,
    /// No webhook password configured yet: answer 503 so Juspay retries later.
    NotConfigured,
}

pub struct Ingestor {
    store: Store,
    /// Woken after each newly stored event, so the processor starts without polling delay.
    waker: Option<Arc<Notify>>,
    auth: Option<WebhookAuth>,
    max_rejected_kept: i64,
    rejection_log: RateLimit,
    rejections: Arc<RejectionLimiter>,
    /// The group-commit writer's queue; started on first use (inside the runtime serving
    /// the requests), and again should the task ever have stopped.
    writer: Mutex<Option<mpsc::Sender<Queued>>>,
    /// Groups committed so far.
    groups: Arc<AtomicU64>,
    /// Deliveries the writer has taken into its current group and not yet answered.
    in_group: Arc<AtomicU64>,
}

/// Deliveries waiting for their acknowledgement at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// Queued for the writer, not yet taken into a group.
    pub queued: usize,
    /// In the group being written (waiting for the write turn or the commit).
    pub in_group: u64,
}

impl Ingestor {
    pub fn new(store: Store, config: &WebhookConfig) -> Self {
        Self {
            writer: Mutex::new(None),
            groups: Arc::default(),
            in_group: Arc::default(),
            store,
            waker: None,
            auth: config
                .password
                .clone()
                .map(|password| WebhookAuth::new(config.username.clone(), password)),
            max_rejected_kept: config.max_rejected_kept,
            rejection_log: RateLimit::default(),
            rejections: Arc::new(RejectionLimiter::new(
                config.rejected_kept_per_address_per_minute,
            )),
        }
    }

    /// Shares `limiter` (the budget of stored refusals per address) with other doors.
    pub fn with_rejection_limiter(mut self, limiter: Arc<RejectionLimiter>) -> Self {
        self.rejections = limiter;
        self
    }

    /// Wakes `waker` after each newly stored event.
    pub fn with_waker(mut self, waker: Arc<Notify>) -> Self {
        self.waker = Some(waker);
        self
    }

    /// Ingests one delivery from Juspay. `headers` are the request headers as received;
    /// `client_ip` is whoever sent it (refusals are stored within its budget).
    pub async fn ingest_juspay(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        client_ip: &str,
    ) -> Result<IngestVerdict, IngestError> {
        let Some(auth) = &self.auth else {
            return Ok(IngestVerdict::NotConfigured);
        };
        let authorization = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.as_str());
        let valid = authorization.is_some_and(|value| auth.verify(value));
        let received_at = now_millis();
        if !valid {
            if self.rejections.admit(client_ip, received_at) {
                self.store_rejection(headers, body, authorization.is_some(), received_at)
                    .await?;
            }
            return Ok(IngestVerdict::Rejected);
        }
        let event = describe(headers, body, received_at);
        let stored = self.store_grouped(event).await?;
        if let Some(waker) = self.waker.as_ref().filter(|_| !stored.duplicate) {
            waker.notify_one();
        }
        Ok(IngestVerdict::Stored(stored))
    }

    /// Stores `event` in the writer's next group; returns after that group's commit.
    async fn store_grouped(&self, event: NewWebhookEvent) -> Result<StoredWebhook, IngestError> {
        let (reply, result) = oneshot::channel();
        self.writer()
            .send((event, reply))
            .await
            .map_err(|_| writer_gone())?;
        result.await.map_err(|_| writer_gone())?
    }

    /// What waits for its acknowledgement now.
    pub fn backlog(&self) -> Backlog {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        Backlog {
            queued: writer
                .as_ref()
                .map_or(0, |queue| queue.max_capacity() - queue.capacity()),
            in_group: self.in_group.load(Ordering::Relaxed),
        }
    }

    fn writer(&self) -> mpsc::Sender<Queued> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        match writer.as_ref() {
            Some(queue) if !queue.is_closed() => queue.clone(),
            _ => {
                let (queue, receiver) = mpsc::channel(QUEUE_MAX);
                tokio::spawn(write_groups(
                    self.store.clone(),
                    receiver,
                    self.groups.clone(),
                    self.in_group.clone(),
                ));
                *writer = Some(queue.clone());
                queue
            }
        }
    }

    async fn store_rejection(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        had_credentials: bool,
        received_at: i64,
    ) -> Result<(), StoreError> {
        let reason = if had_credentials {
            "wrong credentials"
        } else {
            "missing credentials"
        };
        let kept = &body[..body.len().min(REJECTED_BODY_KEPT)];
        if self.rejection_log.allow(received_at) {
            tracing::warn!(
                reason,
                body_bytes = body.len(),
                body_start = %String::from_utf8_lossy(&kept[..kept.len().min(200)]),
                "webhook refused"
            );
        }
        let event = NewWebhookEvent {
            source: "juspay".to_owned(),
            dedup_key: format!("rejected:{received_at}:{}", random_token()),
            event_id: None,
            event_name: None,
            order_id: None,
            auth_verdict: AuthVerdict::Rejected,
            received_at,
            event_created_at: None,
            lag_ms: None,
            headers: redact_headers(headers, reason),
            body: kept.to_vec(),
            body_truncated: kept.len() < body.len(),
            outcome: Outcome::Rejected,
            outcome_detail: Some(reason.to_owned()),
            trace_parent: None,
        };
        self.store.insert_webhook_event(&event).await?;
        self.store
            .prune_rejected_webhooks(self.max_rejected_kept)
            .await?;
        Ok(())
    }
}

/// The group-commit writer: once a delivery is queued it takes the write turn, then takes
/// everything queued by then (up to [`GROUP_MAX`]) — on SQLite the turn may be a wait for
/// the processor's transaction, and what arrives meanwhile joins this group instead of
/// waiting for the next turn — stores the group in one transaction and answers each waiter
/// after the commit. Ends when every sender is gone (the `Ingestor` was dropped).
async fn write_groups(
    store: Store,
    mut queue: mpsc::Receiver<Queued>,
    groups: Arc<AtomicU64>,
    in_group: Arc<AtomicU64>,
) {
    let mut group = Vec::with_capacity(GROUP_MAX);
    while queue.recv_many(&mut group, GROUP_MAX).await > 0 {
        in_group.store(group.len() as u64, Ordering::Relaxed);
        let tx = store.begin().await;
        while group.len() < GROUP_MAX {
            match queue.try_recv() {
                Ok(queued) => group.push(queued),
                Err(_) => break,
            }
        }
        in_group.store(group.len() as u64, Ordering::Relaxed);
        let (events, replies): (Vec<_>, Vec<_>) = group.drain(..).unzip();
        let written = match tx {
            Ok(tx) => tx.commit_webhook_events(&events).await,
            Err(e) => Err(e),
        };
        match written {
            Ok(stored) => {
                groups.fetch_add(1, Ordering::Relaxed);
                for (reply, stored) in replies.into_iter().zip(stored) {
                    let _ = reply.send(Ok(stored));
                }
            }
            // The database refused a statement: perhaps one delivery it cannot take.
            // Store the others one by one so only that one is answered with an error.
            Err(e) if refused(&e) && events.len() > 1 => {
                tracing::warn!(error = ?e, size = events.len(), "grouped webhook write failed; storing one by one");
                write_one_by_one(&store, events, replies).await;
            }
            Err(e) => {
                tracing::warn!(error = ?e, size = events.len(), "grouped webhook write failed");
                for reply in replies {
                    let _ = reply.send(Err(group_failed(&e)));
                }
            }
        }
        in_group.store(0, Ordering::Relaxed);
    }
}

/// Stores each event in its own transaction after its group failed. Once the database
/// fails other than by refusing a statement (connection lost), the rest fail with it.
async fn write_one_by_one(
    store: &Store,
    events: Vec<NewWebhookEvent>,
    replies: Vec<oneshot::Sender<Result<StoredWebhook, IngestError>>>,
) {
    let mut failure: Option<StoreError> = None;
    for (event, reply) in events.iter().zip(replies) {
        let result = match &failure {
            Some(cause) => Err(group_failed(cause)),
            None => match store.insert_webhook_event(event).await {
                Err(e) if !refused(&e) => {
                    let answer = group_failed(&e);
                    failure = Some(e);
                    Err(answer)
                }
                other => other.map_err(IngestError::Store),
            },
        };
        let _ = reply.send(result);
    }
}

/// True when the database refused a statement (as opposed to being unreachable).
fn refused(error: &StoreError) -> bool {
    matches!(error, StoreError::Database(sqlx::Error::Database(_)))
}

/// The error each waiter of a failed group gets (the cause is logged once).
fn group_failed(cause: &StoreError) -> IngestError {
    IngestError::GroupFailed(crate::report::Chain(cause).to_string())
}

fn writer_gone() -> IngestError {
    IngestError::WriterGone
}

/// Builds the stored form of an authenticated delivery; an unreadable body is kept as a
/// parse error (a retry from Juspay would not fix it), still named by the event id, name
/// and order id its JSON carries, so it is found by them.
pub(crate) fn describe(
    headers: &[(String, String)],
    body: &[u8],
    received_at: i64,
) -> NewWebhookEvent {
    let identity = juspay::identify_webhook(body);
    let (event_name, outcome, detail) = match parse_webhook(body) {
        Ok(event) => (
            Some(event.event_name.as_str().to_owned()),
            Outcome::Pending,
            None,
        ),
        Err(e) => (
            identity.event_name,
            Outcome::ParseError,
            Some(e.to_string()),
        ),
    };
    let event_id = identity.id;
    let order_id = identity.order_id;
    let created = identity.date_created.as_deref().and_then(parse_juspay_time);
    let dedup_key = match &event_id {
        Some(id) => format!("juspay:event:{id}"),
        None => format!("juspay:sha256:{}", hex_sha256(body)),
    };
    NewWebhookEvent {
        source: "juspay".to_owned(),
        dedup_key,
        event_id,
        event_name,
        order_id,
        auth_verdict: AuthVerdict::Valid,
        received_at,
        event_created_at: created,
        lag_ms: created.map(|c| received_at - c),
        headers: redact_headers(headers, AuthVerdict::Valid.as_str()),
        body: body.to_vec(),
        body_truncated: false,
        outcome,
        outcome_detail: detail,
        trace_parent: juspay::trace_context::current_traceparent(),
    }
}

/// Headers as a JSON object, with credentials and cookies replaced by a note.
fn redact_headers(headers: &[(String, String)], verdict: &str) -> String {
    let map: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            let shown = match lower.as_str() {
                "authorization" => format!("[Basic credentials: {verdict}]"),
                "cookie" => "[removed]".to_owned(),
                _ => value.clone(),
            };
            (lower, serde_json::Value::String(shown))
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

fn hex_sha256(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn random_token() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().r#gen::<u64>())
}

/// A fixed-window counter: at most N events per minute.
#[derive(Default)]
struct RateLimit {
    window_start: AtomicI64,
    count: AtomicU32,
}

impl RateLimit {
    fn allow(&self, now: i64) -> bool {
        let start = self.window_start.load(Ordering::Relaxed);
        if now - start >= 60_000 {
            self.window_start.store(now, Ordering::Relaxed);
            self.count.store(0, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed) < REJECTIONS_LOGGED_PER_MINUTE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "test webhook password";

    fn ingestor(store: &Store) -> Arc<Ingestor> {
        let config = WebhookConfig {
            username: "juspay".into(),
            password: Some(PASSWORD.to_owned().into()),
            max_body_bytes: 1 << 20,
            max_rejected_kept: 10,
            rejected_kept_per_address_per_minute: 10,
        };
        Arc::new(Ingestor::new(store.clone(), &config))
    }

    fn authorized() -> Vec<(String, String)> {
        // base64("juspay:test webhook password")
        let token = "anVzcGF5OnRlc3Qgd2ViaG9vayBwYXNzd29yZA==";
        vec![("Authorization".to_owned(), format!("Basic {token}"))]
    }

    fn body(id: &str) -> Vec<u8> {
        format!(r#"{{"id":"{id}","event_name":"ORDER_SUCCEEDED","content":{{"order":{{"order_id":"ord_{id}"}}}}}}"#)
            .into_bytes()
    }

    /// Ingests every body concurrently; results in the order of `bodies`.
    async fn ingest_all(
        ingestor: &Arc<Ingestor>,
        bodies: Vec<Vec<u8>>,
    ) -> Vec<Result<IngestVerdict, IngestError>> {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, body) in bodies.into_iter().enumerate() {
            let ingestor = ingestor.clone();
            tasks.spawn(async move {
                (
                    i,
                    ingestor
                        .ingest_juspay(&authorized(), &body, "127.0.0.1")
                        .await,
                )
            });
        }
        let mut results: Vec<_> = tasks.join_all().await;
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, result)| result).collect()
    }

    fn stored(result: &Result<IngestVerdict, IngestError>) -> StoredWebhook {
        match result {
            Ok(IngestVerdict::Stored(stored)) => *stored,
            other => panic!("not stored: {other:?}"),
        }
    }

    crate::test_on_both_backends! {
        async fn concurrent_ingests_are_grouped_and_each_gets_its_own_id(db) {
            let store = db.store();
            let ingestor = ingestor(&store);
            let results = ingest_all(&ingestor, (0..40).map(|i| body(&format!("evt_{i}"))).collect()).await;
            let ids: Vec<i64> = results.iter().map(|r| stored(r).id).collect();
            let mut distinct = ids.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), 40, "one id each: {ids:?}");
            assert!(results.iter().all(|r| !stored(r).duplicate));
            for (i, id) in ids.iter().enumerate() {
                let row = store.find_webhook_event(*id).await.unwrap().unwrap();
                assert_eq!(row.dedup_key, format!("juspay:event:evt_{i}"));
                assert_eq!(row.order_id, Some(format!("ord_evt_{i}")));
            }
            let groups = ingestor.groups.load(Ordering::Relaxed);
            assert!((1..40).contains(&groups), "40 deliveries in {groups} commits");
            let later = ingest_all(&ingestor, vec![body("evt_late")]).await;
            assert!(stored(&later[0]).id > distinct[39], "the writer keeps serving");
        }
    }

    crate::test_on_both_backends! {
        async fn deliveries_arriving_while_another_writer_holds_the_database_join_the_waiting_group(db) {
            use crate::store::{Backend, on_tx};
            let store = db.store();
            let ingestor = ingestor(&store);
            // Another writer: on SQLite it holds the write turn; on PostgreSQL, where
            // writers overlap, a table lock stops the group's insert instead.
            let mut busy = store.begin().await.unwrap();
            if store.backend() == Backend::Postgres {
                on_tx!(&mut busy, t => sqlx::query("LOCK TABLE webhook_events IN EXCLUSIVE MODE")
                    .execute(&mut **t).await.map(|_| ())).unwrap();
            }
            let spawn_ingest = |bodies: Vec<Vec<u8>>| {
                let ingestor = ingestor.clone();
                tokio::spawn(async move { ingest_all(&ingestor, bodies).await })
            };
            let first = spawn_ingest(vec![body("evt_0")]);
            crate::testing::wait_until("the first delivery is in a group", || ingestor.backlog().in_group == 1).await;
            let rest = spawn_ingest((1..10).map(|i| body(&format!("evt_{i}"))).collect());
            crate::testing::wait_until("nine deliveries queue behind it", || ingestor.backlog().queued == 9).await;
            busy.commit().await.unwrap();
            let mut results = first.await.unwrap();
            results.extend(rest.await.unwrap());
            assert_eq!(results.len(), 10);
            assert!(results.iter().all(|r| !stored(r).duplicate));
            let groups = ingestor.groups.load(Ordering::Relaxed);
            if store.backend() == Backend::Sqlite {
                assert_eq!(groups, 1, "the nine that came while the writer waited joined its group");
            } else {
                assert_eq!(groups, 2, "the first group was formed at once; the nine made the next");
            }
        }
    }

    crate::test_on_both_backends! {
        async fn two_copies_of_one_event_in_one_batch_make_one_row_counted_as_a_duplicate(db) {
            let store = db.store();
            let ingestor = ingestor(&store);
            let results = ingest_all(&ingestor, vec![body("evt_1"), body("evt_2"), body("evt_1")]).await;
            assert_eq!(ingestor.groups.load(Ordering::Relaxed), 1, "one group");
            let (first, other, copy) = (stored(&results[0]), stored(&results[1]), stored(&results[2]));
            assert_eq!(copy, StoredWebhook { id: first.id, duplicate: true });
            assert!(!first.duplicate && !other.duplicate);
            assert_ne!(first.id, other.id);
            let row = store.find_webhook_event(first.id).await.unwrap().unwrap();
            assert_eq!(row.duplicate_count, 1);
            let again = ingest_all(&ingestor, vec![body("evt_1")]).await;
            assert_eq!(stored(&again[0]), StoredWebhook { id: first.id, duplicate: true });
            let row = store.find_webhook_event(first.id).await.unwrap().unwrap();
            assert_eq!(row.duplicate_count, 2, "a later copy counts against the stored row");
        }
    }

    crate::test_on_both_backends! {
        async fn a_failed_batch_fails_every_waiter(db) {
            let store = db.store();
            let ingestor = ingestor(&store);
            stored(&ingest_all(&ingestor, vec![body("evt_0")]).await[0]);
            store.close().await;
            let results = ingest_all(&ingestor, (1..20).map(|i| body(&format!("evt_{i}"))).collect()).await;
            assert_eq!(results.len(), 19);
            assert!(results.iter().all(Result::is_err), "{results:?}");
            assert_eq!(ingestor.groups.load(Ordering::Relaxed), 1, "only the first group committed");
        }
    }

    #[test]
    fn credentials_and_cookies_never_reach_the_stored_headers() {
        let headers = vec![
            (
                "Authorization".to_owned(),
                "Basic c2VjcmV0OnNlY3JldA==".to_owned(),
            ),
            ("Cookie".to_owned(), "session=abc".to_owned()),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ];
        let shown = redact_headers(&headers, "valid");
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        assert!(!shown.contains("session=abc"), "{shown}");
        assert!(shown.contains("application/json"));
        assert!(shown.contains("[Basic credentials: valid]"));
    }

    #[test]
    fn a_parsed_event_is_keyed_by_its_id_and_its_lag_measured() {
        let body = br#"{"id":"evt_V2_1","event_name":"ORDER_SUCCEEDED","date_created":"2023-08-10T07:00:48Z","content":{}}"#;
        let received = parse_juspay_time("2023-08-10T07:00:50Z").unwrap();
        let event = describe(&[], body, received);
        assert_eq!(event.dedup_key, "juspay:event:evt_V2_1");
        assert_eq!(event.event_name.as_deref(), Some("ORDER_SUCCEEDED"));
        assert_eq!(event.lag_ms, Some(2_000));
        assert_eq!(event.order_id, None, "content names no order");
        let with_order =
            br#"{"id":"e2","event_name":"ORDER_FAILED","content":{"order":{"order_id":"ord_9"}}}"#;
        assert_eq!(
            describe(&[], with_order, 0).order_id.as_deref(),
            Some("ord_9")
        );
        assert_eq!(event.outcome, Outcome::Pending);
    }

    #[test]
    fn an_unreadable_body_is_kept_as_a_parse_error_keyed_by_its_hash() {
        let event = describe(&[], b"not json", 0);
        assert_eq!(event.outcome, Outcome::ParseError);
        assert!(event.outcome_detail.is_some());
        assert!(event.dedup_key.starts_with("juspay:sha256:"));
        assert_eq!(event.dedup_key.len(), "juspay:sha256:".len() + 64);
        assert_eq!(describe(&[], b"not json", 5).dedup_key, event.dedup_key);
        assert_ne!(describe(&[], b"not json!", 0).dedup_key, event.dedup_key);
        assert_eq!(event.body, b"not json");
    }

    #[test]
    fn an_event_with_one_unreadable_field_is_kept_with_its_id_name_order_and_the_field_named() {
        let body = br#"{"id":"evt_9","event_name":"ORDER_SUCCEEDED","content":{"order":{"order_id":"ord_9","amount":"12,34"}}}"#;
        let event = describe(&[], body, 0);
        assert_eq!(event.outcome, Outcome::ParseError);
        assert_eq!(event.dedup_key, "juspay:event:evt_9");
        assert_eq!(event.event_name.as_deref(), Some("ORDER_SUCCEEDED"));
        assert_eq!(event.order_id.as_deref(), Some("ord_9"));
        let detail = event.outcome_detail.unwrap();
        assert!(detail.contains("content.order.amount"), "{detail}");
    }

    #[test]
    fn the_rejection_log_is_bounded_per_minute() {
        let limit = RateLimit::default();
        let allowed = (0..50).filter(|_| limit.allow(120_000)).count();
        assert_eq!(allowed, REJECTIONS_LOGGED_PER_MINUTE as usize);
        assert!(limit.allow(190_000), "a new minute allows again");
    }
}

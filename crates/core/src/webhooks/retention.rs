//! Retention of raw webhook deliveries: a background pass removes the body and headers of
//! deliveries older than `retention.webhook_days`, in small batches so that ingest (which
//! needs the write lock for its acknowledgement) never waits behind a long statement.
//! Invariant: only the raw copy goes; the event row, its outcome and dedup key stay, a
//! delivery still waiting to be processed is never touched, and the audit log is never
//! pruned.

use std::time::Duration;

use tokio::sync::watch;

use crate::{Store, StoreError, clock::now_millis, config::RetentionConfig, report::Chain};

/// How often the pass runs; retention is counted in days, so this only bounds the lag.
const PASS_INTERVAL: Duration = Duration::from_secs(600);
/// The pause between two batches of one pass, which lets waiting writers in.
const BATCH_PAUSE: Duration = Duration::from_millis(50);

/// Strips every delivery past retention at `now`, a batch at a time; returns how many.
pub async fn strip_expired(
    store: &Store,
    config: &RetentionConfig,
    now: i64,
) -> Result<u64, StoreError> {
    let cutoff = now - config.webhook_days * 86_400_000;
    let mut total = 0;
    loop {
        let stripped = store
            .strip_expired_webhook_raw(cutoff, config.batch, now)
            .await?;
        total += stripped;
        if stripped < u64::try_from(config.batch).unwrap_or(u64::MAX) {
            return Ok(total);
        }
        tokio::time::sleep(BATCH_PAUSE).await;
    }
}

/// Runs [`strip_expired`] every few minutes until `stop` turns true.
pub async fn run(store: Store, config: RetentionConfig, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            outcome = strip_expired(&store, &config, now_millis()) => match outcome {
                Ok(0) => {}
                Ok(n) => tracing::info!(deliveries = n, "removed raw webhook bodies past retention"),
                Err(e) => tracing::warn!(error = %Chain(&e), "webhook retention pass failed"),
            },
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(PASS_INTERVAL) => {},
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        staff::audit::AuditEntry,
        webhooks::store::{NewWebhookEvent, WebhookFilter},
    };
    use dashboard_status::Outcome;

    const DAY: i64 = 86_400_000;

    fn delivery(key: &str, received_at: i64, outcome: Outcome) -> NewWebhookEvent {
        NewWebhookEvent {
            source: "juspay".into(),
            dedup_key: key.into(),
            event_id: Some(key.into()),
            event_name: Some("ORDER_SUCCEEDED".into()),
            order_id: Some("ord_1".into()),
            auth_verdict: "valid".into(),
            received_at,
            event_created_at: None,
            lag_ms: None,
            headers: "{\"content-type\":\"application/json\"}".into(),
            body: b"{\"raw\": true}".to_vec(),
            body_truncated: false,
            outcome,
            outcome_detail: Some("kept".into()),
            trace_parent: None,
        }
    }

    crate::test_on_both_backends! {
        async fn old_processed_deliveries_lose_only_their_raw_copy_in_batches(db) {
            let store = db.store();
            let now = 400 * DAY;
            let config = RetentionConfig { webhook_days: 90, batch: 2 };
            for i in 0..5 {
                store
                    .insert_webhook_event(&delivery(&format!("old_{i}"), now - 100 * DAY + i, Outcome::Applied))
                    .await
                    .unwrap();
            }
            store.insert_webhook_event(&delivery("old_waiting", now - 100 * DAY, Outcome::Pending)).await.unwrap();
            store.insert_webhook_event(&delivery("recent", now - 10 * DAY, Outcome::Applied)).await.unwrap();
            store
                .record_audit(&AuditEntry {
                    actor: "admin".into(),
                    action: "refund.create".into(),
                    target: "order:ord_1".into(),
                    detail: String::new(),
                    client_ip: "127.0.0.1".into(),
                    trace_id: "t".into(),
                })
                .await
                .unwrap();

            assert_eq!(strip_expired(&store, &config, now).await.unwrap(), 5);
            assert_eq!(strip_expired(&store, &config, now).await.unwrap(), 0, "a second pass finds nothing");

            let events = store.list_webhook_events(&WebhookFilter::default(), 50).await.unwrap();
            assert_eq!(events.len(), 7, "every event row stays");
            for event in &events {
                let stripped = event.dedup_key.starts_with("old_") && event.dedup_key != "old_waiting";
                assert_eq!(event.raw_removed_at.is_some(), stripped, "{}", event.dedup_key);
                assert_eq!(event.body.is_empty(), stripped, "{}", event.dedup_key);
                assert_eq!(event.outcome_detail.as_deref(), Some("kept"), "the outcome stays");
                if stripped {
                    assert_eq!(event.headers, "{}");
                    assert_eq!(event.outcome, Outcome::Applied);
                }
            }
            let repeat = store.insert_webhook_event(&delivery("old_0", now, Outcome::Pending)).await.unwrap();
            assert!(repeat.duplicate, "a late repeat of a stripped event is still recognised");
            assert_eq!(store.list_audit(10).await.unwrap().len(), 1, "the audit log is never pruned");
        }
    }
}

//! Alerts (for example when the success rate drops below 90 %): a background
//! evaluator judges the health conditions every `alerts.interval_seconds`, keeps the
//! stored alerts in step (opened, refreshed, resolved) and, when `alerts.notify_url` is
//! set, POSTs each opening and resolution there, signed and retried with backoff.
//!
//! Invariants: [`evaluate`] is pure — the same figures and thresholds give the same
//! conditions; a notification carries `X-Dashboard-Timestamp` and `X-Dashboard-Signature:
//! sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">` so the receiver can check origin and
//! freshness; notifications live in memory (an instance that dies drops the retries in
//! flight, the alert itself stays stored and shown).

use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::Sha256;
use tokio::sync::watch;

use crate::{
    clock::{format_utc, now_millis},
    config::AlertsConfig,
    health::{
        alert_store::{
            AlertChanges, AlertInputs, AlertRow, AlertWindows, AwaitingDispute, Condition,
        },
        store::{RateRow, overall_of},
    },
    report::Chain,
    store::{Store, StoreError},
};

/// The conditions that hold for `inputs` under the thresholds of `config`.
pub fn evaluate(inputs: &AlertInputs, config: &AlertsConfig) -> Vec<Condition> {
    let mut out = Vec::new();
    let window = config.window_minutes;
    let overall = overall_of(&inputs.breakdown);
    let rated = std::iter::once(&overall).chain(
        inputs
            .breakdown
            .iter()
            .filter(|r| matches!(r.dimension.as_str(), "gateway" | "method")),
    );
    // A breakdown row without a key ("(none)") is not something a person can act on.
    for row in rated.filter(|r| r.key != "(none)") {
        if let Some(condition) = low_success(row, config) {
            out.push(condition);
        }
    }
    if inputs.orders_created_recently > 0 && inputs.webhooks_recently == 0 {
        out.push(Condition {
            key: "webhook_silence".to_owned(),
            kind: "webhook_silence".to_owned(),
            message: format!(
                "No webhook from Juspay in the last {} min although {} orders were created: \
                 check the webhook URL and credentials in the Juspay dashboard.",
                config.webhook_silence_minutes, inputs.orders_created_recently
            ),
        });
    }
    if inputs.pending_too_long > 0 {
        out.push(Condition {
            key: "pending_too_long".to_owned(),
            kind: "pending_too_long".to_owned(),
            message: format!(
                "{} payments have been in progress for more than {} min.",
                inputs.pending_too_long, config.pending_minutes
            ),
        });
    }
    if inputs.auth_failures >= config.auth_failures {
        out.push(Condition {
            key: "auth_failures".to_owned(),
            kind: "auth_failures".to_owned(),
            message: format!(
                "{} webhook deliveries with wrong credentials in the last {window} min.",
                inputs.auth_failures
            ),
        });
    }
    for (id, url, reason) in &inputs.endpoints_disabled {
        out.push(Condition {
            key: format!("outbound_disabled:{id}"),
            kind: "outbound_disabled".to_owned(),
            message: format!(
                "Events are no longer sent to {url}: {reason} Fix the receiver, then enable \
                 it on the Outbound page; what failed meanwhile can be sent again from the log."
            ),
        });
    }
    if inputs.mandates_expiring > 0 {
        out.push(Condition {
            key: "mandates_expiring".to_owned(),
            kind: "mandates_expiring".to_owned(),
            message: format!(
                "{} active mandates end within seven days: ask those customers to register a new \
                 one before debits stop (Mandates, status Active).",
                inputs.mandates_expiring
            ),
        });
    }
    if inputs.authorizations_expiring > 0 {
        // The orders list filtered to holds created on or before the last whole day that
        // is past the cutoff: every hold it lists is older than six days.
        let day = format_utc(inputs.authorizations_cutoff - 86_400_000);
        out.push(Condition {
            key: "capture_due".to_owned(),
            kind: "capture_due".to_owned(),
            message: format!(
                "{} authorised payments have been held for more than six days: capture or void \
                 them today, or Juspay releases the hold. They are listed at \
                 /orders?status=AUTHORIZED&to={}.",
                inputs.authorizations_expiring,
                day.get(..10).unwrap_or_default()
            ),
        });
    }
    for dispute in &inputs.disputes_awaiting {
        out.extend(dispute_conditions(dispute, config));
    }
    if inputs.amount_mismatches > 0 {
        out.push(Condition {
            key: "amount_mismatch".to_owned(),
            kind: "amount_mismatch".to_owned(),
            message: format!(
                "{} orders were reported paid with another amount or currency than ours.",
                inputs.amount_mismatches
            ),
        });
    }
    out
}

/// A dispute that waits on us alerts as soon as it is known, and again, urgently, once its
/// respond-by time is within `alerts.dispute_respond_hours` (a new key, so a notification
/// goes out again). Both clear when staff record a decision or the dispute moves on.
fn dispute_conditions(dispute: &AwaitingDispute, config: &AlertsConfig) -> Vec<Condition> {
    let id = &dispute.dispute_id;
    let subject = format!(
        "Dispute {id}{}{}",
        dispute
            .order_id
            .as_ref()
            .map(|o| format!(" on order {o}"))
            .unwrap_or_default(),
        dispute
            .amount
            .as_ref()
            .map(|a| format!(" for {a}"))
            .unwrap_or_default()
    );
    let deadline = dispute
        .respond_by
        .map(|(at, _)| format!(" by {}", format_utc(at)))
        .unwrap_or_default();
    let mut out = vec![Condition {
        key: format!("dispute:{id}"),
        kind: "dispute".to_owned(),
        message: format!(
            "{subject} awaits a response{deadline}: accept or contest it with the \
             acquirer, then record the decision on the Disputes page."
        ),
    }];
    if let Some((_, left)) = dispute.respond_by {
        let hours = config.dispute_respond_hours;
        if left <= hours * 3_600_000 {
            let when = if left < 0 {
                "is past its respond-by time".to_owned()
            } else {
                format!(
                    "must be answered within {} h",
                    (left + 3_599_999) / 3_600_000
                )
            };
            out.push(Condition {
                key: format!("dispute_due:{id}"),
                kind: "dispute_due".to_owned(),
                message: format!("{subject} {when}{deadline}; no decision is recorded."),
            });
        }
    }
    out
}

fn low_success(row: &RateRow, config: &AlertsConfig) -> Option<Condition> {
    let percent = row.rate() * 100.0;
    if row.attempts < config.min_attempts || percent >= config.success_rate_percent {
        return None;
    }
    let (key, scope) = match row.dimension.as_str() {
        "overall" => ("success_rate:overall".to_owned(), "overall".to_owned()),
        d => (
            format!("success_rate:{d}:{}", row.key),
            format!("for {d} {}", row.key),
        ),
    };
    Some(Condition {
        key,
        kind: "success_rate".to_owned(),
        message: format!(
            "Success rate {percent:.1} % {scope} in the last {} min ({} of {} paid), below {} %.",
            config.window_minutes, row.succeeded, row.attempts, config.success_rate_percent
        ),
    })
}

/// The signature header value for a notification body sent at `timestamp` (Unix seconds).
pub fn sign_notification(secret: &SecretString, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The background evaluator of one instance.
#[derive(Clone)]
pub struct AlertEvaluator {
    store: Store,
    config: AlertsConfig,
    lookback_ms: i64,
    http: reqwest::Client,
}

impl AlertEvaluator {
    /// `lookback_ms`: how far back pending orders and mismatches count (the reconciler's
    /// stale horizon: older unresolved orders are listed as stale instead).
    pub fn new(store: Store, config: AlertsConfig, lookback_ms: i64) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("a client with a timeout builds");
        Self {
            store,
            config,
            lookback_ms,
            http,
        }
    }

    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let every = Duration::from_secs(self.config.interval_seconds);
        loop {
            if let Err(e) = self.evaluate_once(now_millis()).await {
                tracing::warn!(error = %Chain(&e), "alert evaluation failed");
            }
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(every) => {},
            }
        }
    }

    /// Judges the conditions at `now`, stores the changes and sends their notifications
    /// (in the background).
    pub async fn evaluate_once(&self, now: i64) -> Result<AlertChanges, StoreError> {
        let minutes = |m: i64| m * 60_000;
        let inputs = self
            .store
            .alert_inputs(AlertWindows {
                now,
                window: minutes(self.config.window_minutes),
                silence: minutes(self.config.webhook_silence_minutes),
                pending: minutes(self.config.pending_minutes),
                lookback: self.lookback_ms,
            })
            .await?;
        let changes = self
            .store
            .sync_alerts(&evaluate(&inputs, &self.config), now)
            .await?;
        for (event, alert) in changes
            .opened
            .iter()
            .map(|a| ("alert.opened", a))
            .chain(changes.resolved.iter().map(|a| ("alert.resolved", a)))
        {
            tracing::warn!(alert = %alert.alert_key, event, message = %alert.message, "alert");
            if let (Some(url), Some(secret)) = (&self.config.notify_url, &self.config.notify_secret)
            {
                tokio::spawn(notify(
                    self.http.clone(),
                    url.clone(),
                    secret.clone(),
                    notice_body(event, alert),
                    self.config.notify_attempts,
                    Duration::from_secs(self.config.notify_backoff_seconds),
                ));
            }
        }
        Ok(changes)
    }
}

fn notice_body(event: &str, alert: &AlertRow) -> Vec<u8> {
    json!({
        "event": event,
        "alert": {
            "id": alert.id,
            "key": alert.alert_key,
            "kind": alert.kind,
            "message": alert.message,
            "opened_at": alert.opened_at,
            "resolved_at": alert.resolved_at,
        },
    })
    .to_string()
    .into_bytes()
}

/// POSTs `body` until a 2xx answer or `attempts` tries, waiting `backoff` then doubling.
async fn notify(
    http: reqwest::Client,
    url: String,
    secret: SecretString,
    body: Vec<u8>,
    attempts: u32,
    backoff: Duration,
) {
    let mut wait = backoff;
    for attempt in 1..=attempts {
        let timestamp = now_millis() / 1000;
        let result = http
            .post(&url)
            .header("content-type", "application/json")
            .header("x-dashboard-timestamp", timestamp.to_string())
            .header(
                "x-dashboard-signature",
                sign_notification(&secret, timestamp, &body),
            )
            .body(body.clone())
            .send()
            .await;
        match result {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => tracing::warn!(
                attempt,
                status = r.status().as_u16(),
                "alert notification refused"
            ),
            Err(e) => tracing::warn!(attempt, error = %Chain(&e), "alert notification failed"),
        }
        if attempt < attempts {
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
        }
    }
    tracing::error!(attempts, "alert notification given up");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::model::OrderRow;
    use crate::webhooks::store::NewWebhookEvent;

    fn config() -> AlertsConfig {
        AlertsConfig {
            enabled: true,
            interval_seconds: 60,
            window_minutes: 60,
            min_attempts: 20,
            success_rate_percent: 90.0,
            webhook_silence_minutes: 30,
            pending_minutes: 30,
            auth_failures: 20,
            dispute_respond_hours: 48,
            notify_url: None,
            notify_secret: None,
            notify_attempts: 3,
            notify_backoff_seconds: 1,
        }
    }

    fn rate(dimension: &str, key: &str, attempts: i64, succeeded: i64) -> RateRow {
        RateRow {
            dimension: dimension.into(),
            key: key.into(),
            attempts,
            succeeded,
        }
    }

    fn keys(conditions: &[Condition]) -> Vec<&str> {
        conditions.iter().map(|c| c.key.as_str()).collect()
    }

    #[test]
    fn an_endpoint_the_worker_disabled_is_an_alert_naming_it() {
        let inputs = AlertInputs {
            endpoints_disabled: vec![(
                3,
                "https://shop.example/hooks".into(),
                "The endpoint answered 410 Gone.".into(),
            )],
            ..AlertInputs::default()
        };
        let conditions = evaluate(&inputs, &config());
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0].key, "outbound_disabled:3");
        assert!(conditions[0].message.contains("https://shop.example/hooks"));
    }

    #[test]
    fn held_authorisations_and_ending_mandates_alert_ahead_of_time() {
        let held = AlertInputs {
            authorizations_expiring: 2,
            // 2026-12-07T10:00:00Z
            authorizations_cutoff: 1_796_637_600_000,
            ..AlertInputs::default()
        };
        let conditions = evaluate(&held, &config());
        assert_eq!(keys(&conditions), ["capture_due"]);
        let ending = AlertInputs {
            mandates_expiring: 1,
            ..AlertInputs::default()
        };
        assert_eq!(keys(&evaluate(&ending, &config())), ["mandates_expiring"]);
        assert!(conditions[0].message.starts_with("2 authorised payments"));
        assert!(
            conditions[0]
                .message
                .contains("/orders?status=AUTHORIZED&to=2026-12-06"),
            "{}",
            conditions[0].message
        );
        assert!(evaluate(&AlertInputs::default(), &config()).is_empty());
    }

    #[test]
    fn a_dispute_awaiting_a_response_alerts_at_once_and_again_when_its_deadline_is_near() {
        let hour = 3_600_000;
        let dispute = |id: &str, left: Option<i64>| AwaitingDispute {
            dispute_id: id.into(),
            order_id: Some("ord_1".into()),
            amount: Some("₹40.00".into()),
            respond_by: left.map(|l| (1_800_000_000_000 + l, l)),
        };
        let inputs = AlertInputs {
            disputes_awaiting: vec![
                dispute("cb_far", Some(72 * hour)),
                dispute("cb_near", Some(5 * hour + 1)),
                dispute("cb_late", Some(-hour)),
                dispute("cb_open", None),
            ],
            ..AlertInputs::default()
        };
        let conditions = evaluate(&inputs, &config());
        assert_eq!(
            keys(&conditions),
            [
                "dispute:cb_far",
                "dispute:cb_near",
                "dispute_due:cb_near",
                "dispute:cb_late",
                "dispute_due:cb_late",
                "dispute:cb_open"
            ]
        );
        assert!(conditions[0].message.contains("order ord_1 for ₹40.00"));
        assert!(
            conditions[2].message.contains("within 6 h"),
            "{}",
            conditions[2].message
        );
        assert!(conditions[4].message.contains("past its respond-by time"));
    }

    #[test]
    fn a_success_rate_below_the_threshold_alerts_overall_and_for_the_gateway_only_with_enough_attempts()
     {
        let healthy = AlertInputs {
            breakdown: vec![
                rate("method_type", "CARD", 100, 95),
                rate("gateway", "RAZORPAY", 60, 59),
                rate("gateway", "PAYU", 40, 36),
            ],
            ..AlertInputs::default()
        };
        assert!(
            evaluate(&healthy, &config()).is_empty(),
            "95 % and 90 % are fine"
        );
        let failing = AlertInputs {
            breakdown: vec![
                rate("method_type", "CARD", 100, 70),
                rate("gateway", "RAZORPAY", 60, 59),
                rate("gateway", "PAYU", 40, 11),
                rate("method", "AMEX", 5, 0),
            ],
            ..AlertInputs::default()
        };
        let conditions = evaluate(&failing, &config());
        assert_eq!(
            keys(&conditions),
            ["success_rate:overall", "success_rate:gateway:PAYU"],
            "AMEX has fewer than min_attempts outcomes"
        );
        assert!(
            conditions[1].message.contains("27.5 %"),
            "{}",
            conditions[1].message
        );
    }

    #[test]
    fn silence_pending_auth_failures_and_mismatches_each_alert_when_they_hold() {
        let cfg = config();
        let quiet = AlertInputs {
            orders_created_recently: 3,
            webhooks_recently: 1,
            auth_failures: cfg.auth_failures - 1,
            ..AlertInputs::default()
        };
        assert!(evaluate(&quiet, &cfg).is_empty());
        let bad = AlertInputs {
            orders_created_recently: 3,
            webhooks_recently: 0,
            pending_too_long: 2,
            auth_failures: cfg.auth_failures,
            amount_mismatches: 1,
            ..AlertInputs::default()
        };
        assert_eq!(
            keys(&evaluate(&bad, &cfg)),
            [
                "webhook_silence",
                "pending_too_long",
                "auth_failures",
                "amount_mismatch"
            ]
        );
        let no_orders = AlertInputs {
            orders_created_recently: 0,
            webhooks_recently: 0,
            ..AlertInputs::default()
        };
        assert!(
            evaluate(&no_orders, &cfg).is_empty(),
            "no orders, no webhooks expected"
        );
    }

    fn order(id: &str, status: &str, created: i64, terminal: Option<i64>) -> OrderRow {
        OrderRow {
            order_id: id.into(),
            source: "juspay".into(),
            status: status.into(),
            amount: 100,
            currency: "INR".into(),
            udfs: "{}".into(),
            gateway: Some("PAYU".into()),
            payment_method_type: Some("UPI".into()),
            created_at: created,
            updated_at: created,
            terminal_at: terminal,
            ..OrderRow::default()
        }
    }

    fn rejected_delivery(n: i64, at: i64) -> NewWebhookEvent {
        NewWebhookEvent {
            source: "juspay".into(),
            dedup_key: format!("rejected-{n}"),
            event_id: None,
            event_name: None,
            order_id: None,
            auth_verdict: "rejected".into(),
            received_at: at,
            event_created_at: None,
            lag_ms: None,
            headers: "{}".into(),
            body: b"{}".to_vec(),
            body_truncated: true,
            outcome: "rejected".into(),
            outcome_detail: None,
            trace_parent: None,
        }
    }

    crate::test_on_both_backends! {
        async fn every_alert_opens_while_its_condition_holds_and_resolves_when_it_clears(db) {
            let store = db.store();
            let now = 10 * 86_400_000;
            let minute = 60_000;
            let mut rows = vec![
                // 1 of 4 paid in the last hour: the success rate (overall and PAYU) is low.
                order("paid", "CHARGED", now - 20 * minute, Some(now - 19 * minute)),
                // In progress for 40 min (> 30): pending too long. NEW ones are not payments.
                order("slow", "PENDING_VBV", now - 40 * minute, None),
                order("abandoned", "NEW", now - 40 * minute, None),
                // Reported paid with another amount.
                OrderRow {
                    amount_mismatch: Some("Juspay reported 2.00 INR".into()),
                    ..order("odd", "PENDING_VBV", now - 5 * minute, None)
                },
            ];
            for i in 0..3 {
                rows.push(order(
                    &format!("failed{i}"),
                    "AUTHORIZATION_FAILED",
                    now - 10 * minute,
                    Some(now - 9 * minute),
                ));
            }
            for row in &rows {
                let mut tx = store.begin().await.unwrap();
                tx.insert_order_for_test(row).await.unwrap();
                tx.commit().await.unwrap();
            }
            // Orders created in the last 30 min and no authenticated webhook: silence. Only
            // refused deliveries came, enough of them to be a spike.
            let refused: Vec<_> = (0..20).map(|n| rejected_delivery(n, now - minute)).collect();
            store.insert_webhook_events(&refused).await.unwrap();
            let cfg = AlertsConfig { min_attempts: 4, ..config() };
            let evaluator = AlertEvaluator::new(store.clone(), cfg, 24 * 3_600_000);
            let opened = evaluator.evaluate_once(now).await.unwrap().opened;
            let mut keys: Vec<_> = opened.iter().map(|a| a.alert_key.as_str()).collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                [
                    "amount_mismatch",
                    "auth_failures",
                    "pending_too_long",
                    "success_rate:gateway:PAYU",
                    "success_rate:overall",
                    "webhook_silence",
                ]
            );
            assert!(
                opened.iter().any(|a| a.message.contains("1 payments have been in progress")),
                "the NEW order is not counted: {opened:?}"
            );
            let again = evaluator.evaluate_once(now + minute).await.unwrap();
            assert_eq!(again, AlertChanges::default(), "still holding: nothing new");
            // Two days later every window is empty: each condition has cleared.
            let later = evaluator.evaluate_once(now + 2 * 86_400_000).await.unwrap();
            assert_eq!(later.resolved.len(), 6);
            assert!(store.open_alerts().await.unwrap().is_empty());
        }
    }

    #[test]
    fn the_signature_is_an_hmac_of_timestamp_dot_body() {
        let secret = SecretString::from("key");
        let signed = sign_notification(&secret, 1_700_000_000, b"{}");
        // Python: hmac.new(b"key", b"1700000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            signed,
            "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
        assert_ne!(signed, sign_notification(&secret, 1_700_000_001, b"{}"));
    }
}

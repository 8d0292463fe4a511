//! Stored alerts and the figures their conditions are judged on.
//!
//! Invariants: at most one alert per key is open (a partial unique index); opening,
//! refreshing and resolving happen in one transaction per evaluation, and only the
//! statement that actually opened or resolved a row reports it, so several instances
//! evaluating at once notify each change once. Acknowledging writes its audit row in the
//! same transaction.

use dashboard_status::{AuthVerdict, MandateStatus, OrderStatus};
use serde::{Deserialize, Serialize};

use crate::{
    health::store::RateRow,
    staff::audit::{AuditEntry, audit_in_tx},
    store::{Store, StoreError, on_pool, on_tx, sql_list},
};

/// A condition that holds now, as the evaluator words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Identity across evaluations, e.g. `success_rate:gateway:RAZORPAY`.
    pub key: String,
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AlertRow {
    pub id: i64,
    pub alert_key: String,
    pub kind: String,
    pub message: String,
    pub opened_at: i64,
    pub last_seen_at: i64,
    pub acked_at: Option<i64>,
    pub acked_by: Option<String>,
    pub resolved_at: Option<i64>,
}

/// What one evaluation changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertChanges {
    pub opened: Vec<AlertRow>,
    pub resolved: Vec<AlertRow>,
}

/// The figures the alert conditions are judged on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertInputs {
    /// Success rates in the alert window (every dimension).
    pub breakdown: Vec<RateRow>,
    /// Orders created in the silence window.
    pub orders_created_recently: i64,
    /// Authenticated webhooks received in the silence window.
    pub webhooks_recently: i64,
    /// Payments in progress (not `NEW`, no outcome, not stale) older than the pending limit.
    pub pending_too_long: i64,
    /// Deliveries refused for bad credentials in the alert window.
    pub auth_failures: i64,
    /// Orders created within the lookback that Juspay reported paid with another amount.
    pub amount_mismatches: i64,
    /// Outbound endpoints the delivery worker disabled (410, or failing for days): id,
    /// URL and reason. An admin's own disabling is not an alert.
    pub endpoints_disabled: Vec<(i64, String, String)>,
    /// Active mandates whose end date is within the next seven days.
    pub mandates_expiring: i64,
    /// Authorised payments held for longer than six days: capture or void them today.
    pub authorizations_expiring: i64,
    /// The time before which a hold is that old (epoch ms), to name the list of them.
    pub authorizations_cutoff: i64,
    /// Disputes waiting on the merchant's response, the nearest deadline first.
    pub disputes_awaiting: Vec<AwaitingDispute>,
}

/// How far ahead an active mandate's end is announced: time to ask the customer to renew.
pub const MANDATE_EXPIRY_NOTICE_MS: i64 = 7 * 24 * 3_600_000;

/// A dispute that waits on the merchant, as an alert describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingDispute {
    pub dispute_id: String,
    pub order_id: Option<String>,
    /// Amount with its currency, for people.
    pub amount: Option<String>,
    /// The respond-by time (epoch ms) and the milliseconds left until it (negative once
    /// past), when Juspay gave one.
    pub respond_by: Option<(i64, i64)>,
}

/// The windows [`Store::alert_inputs`] counts over, in ms.
#[derive(Debug, Clone, Copy)]
pub struct AlertWindows {
    pub now: i64,
    pub window: i64,
    pub silence: i64,
    pub pending: i64,
    /// How far back pending orders and amount mismatches are looked for (past it an
    /// order is stale and listed as such).
    pub lookback: i64,
}

const ALERT_COLUMNS: &str = "id, alert_key, kind, message, opened_at, last_seen_at, acked_at, \
     acked_by, resolved_at";

impl Store {
    /// Counts every figure an alert condition needs, each through an indexed window.
    pub async fn alert_inputs(&self, w: AlertWindows) -> Result<AlertInputs, StoreError> {
        let breakdown = self.outcome_breakdown(w.now - w.window, w.now).await?;
        let count = |sql: String, a: i64, b: i64| async move {
            let n: i64 =
                on_pool!(self, p => sqlx::query_scalar(&sql).bind(a).bind(b).fetch_one(p).await)?;
            Ok::<_, StoreError>(n)
        };
        let endpoints_disabled = on_pool!(self, p => sqlx::query_as(
            "SELECT id, url, disabled_reason FROM outbound_endpoints \
             WHERE NOT enabled AND disabled_reason IS NOT NULL AND disabled_reason <> $1 \
             ORDER BY id")
            .bind(crate::outbound::endpoints::DISABLED_BY_ADMIN)
            .fetch_all(p).await)?;
        let disputes_awaiting = self
            .list_disputes_awaiting_response(100)
            .await?
            .into_iter()
            .map(|d| AwaitingDispute {
                amount: d.amount.map(|a| {
                    crate::money::format_minor(
                        a,
                        d.currency.as_deref().unwrap_or(juspay::DEFAULT_CURRENCY),
                    )
                }),
                respond_by: d.respond_by.map(|at| (at, at - w.now)),
                dispute_id: d.dispute_id,
                order_id: d.order_id,
            })
            .collect();
        Ok(AlertInputs {
            authorizations_cutoff: w.now - crate::orders::preauth::CAPTURE_WARN_AFTER_MS,
            mandates_expiring: count(
                format!(
                    "SELECT COUNT(*) FROM mandates WHERE end_date >= $1 AND end_date < $2 \
                     AND status IN {}",
                    sql_list([MandateStatus::Active.as_str()])
                ),
                w.now,
                w.now + MANDATE_EXPIRY_NOTICE_MS,
            )
            .await?,
            authorizations_expiring: count(
                format!(
                    "SELECT COUNT(*) FROM orders WHERE created_at >= $1 AND created_at < $2 \
                     AND status IN {}",
                    sql_list([OrderStatus::Authorized.as_str()])
                ),
                w.now - 30 * 24 * 3_600_000,
                w.now - crate::orders::preauth::CAPTURE_WARN_AFTER_MS,
            )
            .await?,
            disputes_awaiting,
            endpoints_disabled,
            breakdown,
            orders_created_recently: count(
                "SELECT COUNT(*) FROM orders WHERE created_at >= $1 AND created_at < $2".to_owned(),
                w.now - w.silence,
                w.now + 1,
            )
            .await?,
            webhooks_recently: count(
                format!(
                    "SELECT COUNT(*) FROM webhook_events WHERE received_at >= $1 \
                     AND received_at < $2 AND auth_verdict IN {}",
                    sql_list([AuthVerdict::Valid.as_str()])
                ),
                w.now - w.silence,
                w.now + 1,
            )
            .await?,
            pending_too_long: count(
                format!(
                    "SELECT COUNT(*) FROM orders WHERE created_at >= $1 AND created_at < $2 \
                     AND terminal_at IS NULL AND stale_at IS NULL AND status NOT IN {}",
                    sql_list([OrderStatus::New.as_str()])
                ),
                w.now - w.lookback,
                w.now - w.pending,
            )
            .await?,
            auth_failures: count(
                format!(
                    "SELECT COUNT(*) FROM webhook_events WHERE received_at >= $1 \
                     AND received_at < $2 AND auth_verdict IN {}",
                    sql_list([AuthVerdict::Rejected.as_str()])
                ),
                w.now - w.window,
                w.now + 1,
            )
            .await?,
            amount_mismatches: count(
                "SELECT COUNT(*) FROM orders WHERE created_at >= $1 AND created_at < $2 \
                 AND amount_mismatch IS NOT NULL"
                    .to_owned(),
                w.now - w.lookback,
                w.now + 1,
            )
            .await?,
        })
    }

    /// Makes the open alerts match `conditions`: opens the new ones, refreshes the message
    /// of those still holding, resolves those that cleared.
    pub async fn sync_alerts(
        &self,
        conditions: &[Condition],
        now: i64,
    ) -> Result<AlertChanges, StoreError> {
        let mut tx = self.begin().await?;
        let open_sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE resolved_at IS NULL");
        let open: Vec<AlertRow> =
            on_tx!(&mut tx, t => sqlx::query_as(&open_sql).fetch_all(&mut **t).await)?;
        let mut changes = AlertChanges::default();
        let insert_sql = format!(
            "INSERT INTO alerts (alert_key, kind, message, opened_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT DO NOTHING RETURNING {ALERT_COLUMNS}"
        );
        for c in conditions {
            if let Some(row) = open.iter().find(|a| a.alert_key == c.key) {
                on_tx!(&mut tx, t => sqlx::query(
                    "UPDATE alerts SET message = $1, last_seen_at = $2 WHERE id = $3")
                    .bind(&c.message).bind(now).bind(row.id).execute(&mut **t).await.map(|_| ()))?;
            } else {
                let opened: Option<AlertRow> = on_tx!(&mut tx, t => sqlx::query_as(&insert_sql)
                    .bind(&c.key).bind(&c.kind).bind(&c.message).bind(now)
                    .fetch_optional(&mut **t).await)?;
                changes.opened.extend(opened);
            }
        }
        let resolve_sql = format!(
            "UPDATE alerts SET resolved_at = $1 WHERE id = $2 AND resolved_at IS NULL \
             RETURNING {ALERT_COLUMNS}"
        );
        for row in open
            .iter()
            .filter(|a| !conditions.iter().any(|c| c.key == a.alert_key))
        {
            let resolved: Option<AlertRow> = on_tx!(&mut tx, t => sqlx::query_as(&resolve_sql)
                .bind(now).bind(row.id).fetch_optional(&mut **t).await)?;
            changes.resolved.extend(resolved);
        }
        tx.commit().await?;
        Ok(changes)
    }

    /// Marks an open alert acknowledged by `audit.actor`; false when it was already
    /// acknowledged, resolved or does not exist.
    pub async fn acknowledge_alert(
        &self,
        id: i64,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE alerts SET acked_at = $1, acked_by = $2 \
             WHERE id = $3 AND acked_at IS NULL AND resolved_at IS NULL")
            .bind(now).bind(&audit.actor).bind(id).execute(&mut **t).await
            .map(|r| r.rows_affected()))?
            == 1;
        if changed {
            on_tx!(&mut tx, t => audit_in_tx!(*t, audit).map(|_| ()))?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Alerts still open, newest first.
    pub async fn open_alerts(&self) -> Result<Vec<AlertRow>, StoreError> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE resolved_at IS NULL ORDER BY id DESC"
        );
        Ok(on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// The latest `limit` alerts, open or not, newest first.
    pub async fn recent_alerts(&self, limit: i64) -> Result<Vec<AlertRow>, StoreError> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts ORDER BY id DESC LIMIT $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(limit).fetch_all(p).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(key: &str, message: &str) -> Condition {
        Condition {
            key: key.into(),
            kind: key.split(':').next().unwrap().into(),
            message: message.into(),
        }
    }

    fn audit(actor: &str) -> AuditEntry {
        AuditEntry {
            actor: actor.into(),
            action: "alert.acknowledge".into(),
            target: "alert".into(),
            detail: String::new(),
            client_ip: String::new(),
            trace_id: String::new(),
        }
    }

    crate::test_on_both_backends! {
        async fn an_alert_opens_once_refreshes_while_it_holds_and_resolves_when_it_clears(db) {
            let store = db.store();
            let first = store
                .sync_alerts(&[condition("auth_failures", "25 refused")], 1_000)
                .await
                .unwrap();
            assert_eq!(first.opened.len(), 1);
            assert!(first.resolved.is_empty());
            let again = store
                .sync_alerts(&[condition("auth_failures", "40 refused")], 2_000)
                .await
                .unwrap();
            assert_eq!(again, AlertChanges::default(), "still open: nothing new");
            let open = store.open_alerts().await.unwrap();
            assert_eq!(open.len(), 1);
            assert_eq!((open[0].message.as_str(), open[0].last_seen_at), ("40 refused", 2_000));
            let cleared = store.sync_alerts(&[], 3_000).await.unwrap();
            assert_eq!(cleared.resolved.len(), 1);
            assert_eq!(cleared.resolved[0].resolved_at, Some(3_000));
            assert!(store.open_alerts().await.unwrap().is_empty());
            let recurs = store
                .sync_alerts(&[condition("auth_failures", "30 refused")], 4_000)
                .await
                .unwrap();
            assert_eq!(recurs.opened.len(), 1, "a recurrence is a new alert");
            assert_eq!(store.recent_alerts(10).await.unwrap().len(), 2);
        }
    }

    crate::test_on_both_backends! {
        async fn acknowledging_records_who_and_is_audited_once(db) {
            let store = db.store();
            let opened = store
                .sync_alerts(&[condition("amount_mismatch", "1 order")], 1_000)
                .await
                .unwrap();
            let id = opened.opened[0].id;
            assert!(store.acknowledge_alert(id, 2_000, &audit("olga")).await.unwrap());
            assert!(!store.acknowledge_alert(id, 3_000, &audit("ivan")).await.unwrap());
            let open = store.open_alerts().await.unwrap();
            assert_eq!(
                (open[0].acked_at, open[0].acked_by.as_deref()),
                (Some(2_000), Some("olga"))
            );
            let audits = store.list_audit(10).await.unwrap();
            assert_eq!(
                audits.iter().filter(|a| a.action == "alert.acknowledge").count(),
                1
            );
        }
    }
}

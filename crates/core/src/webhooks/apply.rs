//! Applying one stored delivery to the domain: a Juspay event's `content` (an order, a
//! transaction, a mandate, a pre-debit notification or a chargeback) or a JPSL payment
//! advice, each through its aggregate's snapshot path, with the change described for the
//! webhook log. Called by [`crate::webhooks::processing`] inside the transaction that also
//! records the outcome; nothing here commits.
//!
//! Section numbers (§) refer to docs/juspay.md; docs/events.md lists every event name.

use dashboard_status::{DisputeStatus, Outcome};
use juspay::{EventName, WebhookEvent};
use serde::Serialize;

use crate::{
    clock::{now_millis, parse_juspay_time},
    disputes::snapshot::DisputeReport,
    mandates::{snapshot::MandateReport, store::AppliedMandate},
    orders::{snapshot::OrderReport, store::AppliedOrder, timeline::ReportContext},
    refunds::model::AUTO_REFUND_INITIATOR,
    reports::{Effect, UnreadableField, Via},
    store::{StoreError, Tx},
};

/// What processing one event did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Processed {
    pub outcome: Outcome,
    pub detail: Option<String>,
    /// What changed, one line each, for people (`order X: PENDING_VBV → CHARGED`).
    pub changes: Vec<String>,
}

/// What processing needs of a stored event.
pub(super) struct Claimed {
    pub(super) source: String,
    /// When it was received (epoch ms), for the processing-lag histogram.
    pub(super) received_at: i64,
    /// The trace of the request that received it, which its processing continues.
    pub(super) trace_parent: Option<String>,
    pub(super) content_type: String,
    pub(super) body: Vec<u8>,
}

/// An aggregate whose lock applying an event takes. Sorted, orders come before mandates,
/// the order in which applying an order report takes them (the order, then its mandate).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum LockKey {
    Order(String),
    Mandate(String),
}

impl LockKey {
    /// The key `Tx::lock_key` is given for it by the snapshot functions.
    pub(super) fn key(self) -> String {
        match self {
            Self::Order(id) => format!("order:{id}"),
            Self::Mandate(id) => format!("mandate:{id}"),
        }
    }
}

/// The orders and mandates applying a Juspay event will lock, read the way
/// [`apply_event`] reads them. Others (a chargeback's dispute, a JPSL advice's order) are
/// still locked when applied, just not ahead of time.
pub(super) fn lock_keys(claimed: &Claimed) -> Vec<LockKey> {
    if claimed.source == crate::orders::snapshot::JPSL_SOURCE {
        return Vec::new();
    }
    let Ok(event) = juspay::parse_webhook(&claimed.body) else {
        return Vec::new();
    };
    let content = &event.content;
    if content.chargeback.is_some() {
        return Vec::new();
    }
    let report = match (&content.order, &content.txn) {
        (Some(order), _) => OrderReport::from_order(order).ok().flatten(),
        (None, Some(txn)) => OrderReport::from_txn(txn).ok().flatten(),
        (None, None) => None,
    };
    if let Some(report) = report {
        let mandate = report.mandate.map(|m| LockKey::Mandate(m.mandate_id));
        return std::iter::once(LockKey::Order(report.order_id))
            .chain(mandate)
            .collect();
    }
    content
        .mandate
        .as_ref()
        .and_then(|m| MandateReport::from_mandate(m, None).ok().flatten())
        .map(|m| vec![LockKey::Mandate(m.mandate_id)])
        .unwrap_or_default()
}

/// A JPSL payment advice (already verified at ingest) applied as an order report.
pub(super) async fn apply_jpsl(
    tx: &mut Tx,
    id: i64,
    claimed: &Claimed,
    first_check_ms: i64,
) -> Result<Processed, StoreError> {
    let fields = match crate::webhooks::jpsl::parse_callback(&claimed.content_type, &claimed.body) {
        Ok(fields) => fields,
        Err(e) => {
            return Ok(Processed {
                outcome: Outcome::ParseError,
                detail: Some(e.to_string()),
                changes: Vec::new(),
            });
        }
    };
    let Some(report) = crate::webhooks::jpsl::report_of(&fields) else {
        return Ok(invalid("the callback names no merchantTxnNo or invoiceNo"));
    };
    let ctx = ReportContext {
        first_check_ms,
        via: Some(Via::Webhook),
        at: now_millis(),
        webhook_event_id: Some(id),
        trace_id: None,
        reported_at: None,
    };
    apply_order(tx, &report, &ctx).await
}

/// Applies whatever the event carries: an order, a transaction, a mandate or a
/// pre-debit notification (§9.1). Events with none of these are kept as `ignored`.
pub(super) async fn apply_event(
    tx: &mut Tx,
    id: i64,
    event: &WebhookEvent,
    body: &[u8],
    first_check_ms: i64,
) -> Result<Processed, StoreError> {
    let ctx = ReportContext {
        first_check_ms,
        via: Some(Via::Webhook),
        at: now_millis(),
        webhook_event_id: Some(id),
        trace_id: None,
        reported_at: event.date_created.as_deref().and_then(parse_juspay_time),
    };
    let content = &event.content;
    if let Some(chargeback) = &content.chargeback {
        return apply_chargeback(tx, chargeback, event, body, &ctx).await;
    }
    if let Some(order) = &content.order {
        return match OrderReport::from_order(order) {
            Ok(Some(mut report)) => {
                if event.event_name.as_str().starts_with("AUTO_REFUND_") {
                    mark_auto_refunds(&mut report);
                }
                apply_order(tx, &report, &ctx).await
            }
            Ok(None) => Ok(invalid("the order object names no order_id")),
            Err(e) => Ok(unreadable("content.order", &e)),
        };
    }
    if let Some(txn) = &content.txn {
        return match OrderReport::from_txn(txn) {
            Ok(Some(report)) => apply_order(tx, &report, &ctx).await,
            Ok(None) => Ok(invalid("the transaction names no order_id")),
            Err(e) => Ok(unreadable("content.txn", &e)),
        };
    }
    if let Some(mandate) = &content.mandate {
        return match MandateReport::from_mandate(mandate, None) {
            Ok(Some(report)) => Ok(match tx.apply_mandate_report(&report, &ctx).await? {
                Ok(applied) => {
                    let mut changes = Vec::new();
                    describe_mandate(&applied, &mut changes);
                    Processed {
                        outcome: applied.effect.outcome(),
                        detail: applied.effect.detail(),
                        changes,
                    }
                }
                Err(e) => invalid(&e.to_string()),
            }),
            Ok(None) => Ok(invalid("the mandate object names no mandate_id")),
            Err(e) => Ok(unreadable("content", &e)),
        };
    }
    if let Some(notification) = &content.notification {
        let mandate_id = notification
            .mandate
            .as_ref()
            .and_then(|m| m.mandate_id.clone())
            .or_else(|| notification.object_reference_id.clone());
        let Some(mandate_id) = mandate_id else {
            return Ok(invalid("the notification names no mandate"));
        };
        let status = notification.status.as_ref().map(|s| s.as_str().to_owned());
        let detail = format!(
            "pre-debit notification {} {}",
            notification.id.as_deref().unwrap_or("(no id)"),
            status.as_deref().unwrap_or("(no status)")
        );
        tx.insert_mandate_event(
            &mandate_id,
            &ctx,
            "notification",
            status.as_deref(),
            None,
            None,
            Outcome::Applied.as_str(),
            Some(&detail),
        )
        .await?;
        return Ok(Processed {
            outcome: Outcome::Applied,
            detail: None,
            changes: vec![format!("mandate {mandate_id}: {detail}")],
        });
    }
    Ok(Processed {
        outcome: Outcome::Ignored,
        detail: Some(why_nothing_applies(&event.event_name).to_owned()),
        changes: Vec::new(),
    })
}

/// Why an event changed nothing, in words for the webhook log (docs/events.md).
fn why_nothing_applies(name: &EventName) -> &'static str {
    let text = name.as_str();
    if *name == EventName::TokenStatusUpdated {
        "a saved-card token changed status; the dashboard keeps no tokens, so nothing changes"
    } else if text.starts_with("SUBSCRIPTION_") || text.starts_with("INVOICE_") {
        "an event of Juspay's subscription product, which the dashboard does not manage; kept \
         for reference"
    } else if *name == EventName::Unknown {
        "Juspay's own UNKNOWN event; kept for reference"
    } else {
        "the event carries no order, transaction, mandate, notification or chargeback"
    }
}

async fn apply_order(
    tx: &mut Tx,
    report: &OrderReport,
    ctx: &ReportContext,
) -> Result<Processed, StoreError> {
    let applied = match tx.apply_order_report(report, ctx).await? {
        Ok(applied) => applied,
        Err(e) => return Ok(invalid(&e.to_string())),
    };
    let mut changes = Vec::new();
    describe_order(&report.order_id, &applied, &mut changes);
    // A repeat of the order's status may still bring a refund or mandate change.
    let side_effect = applied
        .refunds
        .iter()
        .any(|(_, effect, _)| matches!(effect, Effect::Created | Effect::Applied))
        || applied
            .mandate
            .as_ref()
            .is_some_and(|m| matches!(m.effect, Effect::Created | Effect::Applied));
    let outcome = match (&applied.effect, side_effect) {
        (Effect::Unchanged, true) => Outcome::Applied,
        (effect, _) => effect.outcome(),
    };
    let detail = match &applied.effect {
        Effect::Created => Some(
            "order first seen in this event; created from its payload (amount not verified \
             against an order of ours)"
                .to_owned(),
        ),
        effect => effect.detail(),
    };
    Ok(Processed {
        outcome,
        detail,
        changes,
    })
}

fn describe_order(order_id: &str, applied: &AppliedOrder, changes: &mut Vec<String>) {
    match &applied.effect {
        Effect::Created => changes.push(format!(
            "order {order_id}: created as {}",
            applied.status_after
        )),
        Effect::Applied => changes.push(format!(
            "order {order_id}: {} → {} ({})",
            applied.status_before.as_ref().map_or("-", |s| s.as_str()),
            applied.status_after,
            applied.changed.join(", ")
        )),
        Effect::AmountMismatch(mismatch) => changes.push(format!(
            "order {order_id}: flagged, {mismatch}; stays {}",
            applied.status_after
        )),
        Effect::Unchanged | Effect::Ignored(_) => {}
    }
    for (key, effect, status) in &applied.refunds {
        match effect {
            Effect::Created => changes.push(format!("refund {key}: recorded as {status}")),
            Effect::Applied => changes.push(format!("refund {key}: now {status}")),
            _ => {}
        }
    }
    if let Some(mandate) = &applied.mandate {
        describe_mandate(mandate, changes);
    }
}

/// An `AUTO_REFUND_*` event is about a refund Juspay started on its own (a payment that
/// succeeded late, after the order had failed); its refunds that name no initiator are
/// marked as such. A refund staff started here keeps showing as ours.
fn mark_auto_refunds(report: &mut OrderReport) {
    for refund in &mut report.refunds {
        refund
            .initiated_by
            .get_or_insert_with(|| AUTO_REFUND_INITIATOR.to_owned());
    }
}

/// Applies a `CHARGEBACK_*` event's `content.chargeback` (§9.5): its status is the
/// object's, else the event name's; its amount is read in its currency, else its order's.
async fn apply_chargeback(
    tx: &mut Tx,
    chargeback: &juspay::Chargeback,
    event: &WebhookEvent,
    body: &[u8],
    ctx: &ReportContext,
) -> Result<Processed, StoreError> {
    let raw = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.pointer("/content/chargeback").cloned())
        .unwrap_or_default();
    let status = event
        .event_name
        .as_str()
        .strip_prefix("CHARGEBACK_")
        .map(DisputeStatus::from);
    let order_currency = match (chargeback.currency.is_none(), chargeback.order_id()) {
        (true, Some(order_id)) => tx.load_order(order_id).await?.map(|o| o.currency),
        _ => None,
    };
    let report =
        match DisputeReport::from_chargeback(chargeback, &raw, status, order_currency.as_deref()) {
            Ok(Some(report)) => report,
            Ok(None) => return Ok(invalid("the chargeback names no id")),
            Err(e) => return Ok(unreadable("content", &e)),
        };
    let Some(applied) = tx.apply_dispute_report(&report, ctx).await? else {
        return Ok(invalid(
            "the dispute is not known here and the event carries no status",
        ));
    };
    let mut changes = Vec::new();
    match applied.effect {
        Effect::Created => changes.push(format!(
            "dispute {}: opened as {}",
            applied.dispute_id, applied.status_after
        )),
        Effect::Applied => changes.push(format!(
            "dispute {}: {} → {}",
            applied.dispute_id,
            applied.status_before.as_ref().map_or("-", |s| s.as_str()),
            applied.status_after
        )),
        _ => {}
    }
    Ok(Processed {
        outcome: applied.effect.outcome(),
        detail: applied.effect.detail(),
        changes,
    })
}

fn describe_mandate(applied: &AppliedMandate, changes: &mut Vec<String>) {
    let id = &applied.mandate_id;
    match applied.effect {
        Effect::Created => changes.push(format!(
            "mandate {id}: recorded as {}",
            applied.status_after
        )),
        Effect::Applied => changes.push(format!(
            "mandate {id}: {} → {}",
            applied.status_before.as_ref().map_or("-", |s| s.as_str()),
            applied.status_after
        )),
        _ => {}
    }
}

/// An event one of whose fields cannot be read: kept as a parse error naming the field by
/// its path from the body (`content.order.amount`), so it can be reprocessed once fixed.
fn unreadable(block: &str, field: &UnreadableField) -> Processed {
    Processed {
        outcome: Outcome::ParseError,
        detail: Some(format!("{block}.{field}")),
        changes: Vec::new(),
    }
}

fn invalid(reason: &str) -> Processed {
    Processed {
        outcome: Outcome::Invalid,
        detail: Some(reason.to_owned()),
        changes: Vec::new(),
    }
}

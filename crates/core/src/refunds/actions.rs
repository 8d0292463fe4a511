//! Refunds that never happen twice, whatever double submits, timeouts and crashes occur.
//!
//! Invariants: a refund's `unique_request_id` is minted when the form is rendered and the
//! refund row is committed before Juspay is called, so every later attempt — a double
//! submit, a retry after a timeout, a restart — reuses it and Juspay (which deduplicates on
//! it, §6.1) makes at most one refund; the sum of non-failed refunds, pending included, never
//! exceeds the order's amount, checked under the order's lock against our rows and Juspay's
//! last reported refunded total; a timeout or 5xx leaves the refund "outcome unknown" and
//! the reconciler resends it with the same id; a refusal (4xx) marks it failed with our
//! words for Juspay's code.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::{RefundRequestState, RefundStatus};
use juspay::{Amount, JuspayClient, JuspayError, OrderStatus, RefundRequest};

use crate::{
    clock::now_millis,
    orders::{
        actions::{ActionError, Actions, describe_juspay_error},
        snapshot::OrderReport,
        timeline::ReportContext,
    },
    refunds::{model::RefundRow, rules::refundable_amount},
    reports::Via,
    staff::audit::AuditEntry,
    store::{Store, StoreError},
};

use dashboard_status::Stage;

/// A request stuck in `sending` this long is presumed interrupted (a crash) and resent.
pub const SENDING_TIMEOUT_MS: i64 = 60_000;

/// A staff member's refund form, as submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundForm {
    pub order_id: String,
    /// Minted when the form was rendered ([`mint_refund_id`]).
    pub unique_request_id: String,
    /// Minor units.
    pub amount: i64,
    pub reason: Option<String>,
}

/// A fresh idempotency key: `rf_` and 16 lowercase letters and digits (Juspay wants fewer
/// than 21 characters, §6.1).
pub fn mint_refund_id() -> String {
    crate::orders::actions::mint_key("rf", 16)
}

fn is_refund_id(id: &str) -> bool {
    id.len() < 21
        && id.starts_with("rf_")
        && id[3..].bytes().all(|b| b.is_ascii_alphanumeric())
        && id.len() > 3
}

impl Actions {
    /// Requests a refund once: the first submit of a form stores it and calls Juspay; any
    /// later submit of the same form returns the stored refund (resending it only if its
    /// outcome is unknown). Returns the refund as stored afterwards.
    pub async fn request_refund(
        &self,
        form: &RefundForm,
        audit: &AuditEntry,
    ) -> Result<RefundRow, ActionError> {
        let client = self.client()?;
        if !is_refund_id(&form.unique_request_id) {
            return Err(invalid(
                "unique_request_id",
                "Reload the page to get a fresh refund form.",
            ));
        }
        if form.amount <= 0 {
            return Err(invalid("amount", "The amount must be more than zero."));
        }
        let store = self.store();
        let now = now_millis();
        let mut tx = store.begin().await?;
        tx.lock_key(&format!("order:{}", form.order_id)).await?;
        let order = tx
            .load_order(&form.order_id)
            .await?
            .ok_or(ActionError::NotFound)?;
        if let Some(existing) = tx.load_refund(&form.unique_request_id).await? {
            tx.commit().await?;
            if existing.order_id != form.order_id {
                return Err(invalid(
                    "unique_request_id",
                    "Reload the page to get a fresh refund form.",
                ));
            }
            return match needs_sending(&existing, now) {
                true => {
                    send_refund(
                        &store,
                        client,
                        existing,
                        &audit.trace_id,
                        self.first_check_ms(),
                    )
                    .await
                }
                false => Ok(existing),
            };
        }
        if Stage::of(&OrderStatus::from(order.status.as_str())) != Some(Stage::Succeeded) {
            return Err(invalid("amount", "Only a paid order can be refunded."));
        }
        if form.amount > order.collected() {
            return Err(invalid(
                "amount",
                "The refund is larger than what the payment collected.",
            ));
        }
        let refunds = tx.list_refunds_in_tx(&form.order_id).await?;
        let refundable = refundable_amount(order.collected(), order.amount_refunded, &refunds);
        if form.amount > refundable {
            return Err(invalid(
                "amount",
                &format!(
                    "At most {} can still be refunded (refunds already requested count, pending ones too).",
                    crate::money::format_minor(refundable.max(0), &order.currency)
                ),
            ));
        }
        let row = RefundRow {
            unique_request_id: form.unique_request_id.clone(),
            order_id: form.order_id.clone(),
            amount: form.amount,
            currency: order.currency.clone(),
            status: RefundStatus::Pending,
            request_state: Some(RefundRequestState::Sending),
            reason: form.reason.clone(),
            requested_by: Some(audit.actor.clone()),
            created_at: now,
            updated_at: now,
            ..RefundRow::default()
        };
        tx.save_refund(&row).await?;
        tx.audit(audit).await?;
        tx.commit().await?;
        send_refund(&store, client, row, &audit.trace_id, self.first_check_ms()).await
    }
}

/// Whether a stored refund of ours should be (re)sent: its outcome is unknown, or an
/// earlier attempt was interrupted while sending.
fn needs_sending(row: &RefundRow, now: i64) -> bool {
    match row.request_state {
        Some(RefundRequestState::Unknown) => true,
        Some(RefundRequestState::Sending) => now - row.updated_at > SENDING_TIMEOUT_MS,
        _ => false,
    }
}

/// Calls Juspay for a stored refund with its own `unique_request_id` and records the
/// answer: Juspay's order snapshot (which carries the refund), or the outcome unknown, or
/// the refusal.
pub async fn send_refund(
    store: &Store,
    client: &JuspayClient,
    mut row: RefundRow,
    trace_id: &str,
    first_check_ms: i64,
) -> Result<RefundRow, ActionError> {
    let mut request = RefundRequest::new(
        &row.unique_request_id,
        Some(Amount::from_minor(row.amount, &row.currency)),
    );
    request.routing_id = None;
    let answer = client.refund_order(&row.order_id, &request).await;
    let now = now_millis();
    row.attempts += 1;
    row.updated_at = now;
    let ctx = ReportContext {
        via: Some(Via::Action),
        at: now,
        trace_id: Some(trace_id.to_owned()),
        first_check_ms,
        ..ReportContext::default()
    };
    let mut tx = store.begin().await?;
    tx.lock_key(&format!("order:{}", row.order_id)).await?;
    let outcome = match answer {
        Ok(order) => {
            row.request_state = Some(RefundRequestState::Sent);
            let merged = merge_latest(&mut tx, row.clone()).await?;
            tx.save_refund(&merged).await?;
            if let Ok(Some(report)) = OrderReport::from_order(&order) {
                tx.apply_order_report(&report, &ctx).await?.ok();
            }
            // Keep polling the order until the refund settles.
            tx.schedule_order_check(&row.order_id, now + first_check_ms)
                .await?;
            Ok(())
        }
        Err(e) if e.is_retryable() => {
            row.request_state = Some(RefundRequestState::Unknown);
            let merged = merge_latest(&mut tx, row.clone()).await?;
            tx.save_refund(&merged).await?;
            tx.note_order_event(
                &row.order_id,
                &ctx,
                "refund_unknown",
                &format!(
                    "refund {}: {} It will be retried with the same request id.",
                    row.unique_request_id,
                    describe_juspay_error(&e)
                ),
            )
            .await?;
            Ok(())
        }
        Err(e) => {
            row.request_state = Some(RefundRequestState::Refused);
            row.status = RefundStatus::Failure;
            row.error_code = e.api_error().and_then(|b| b.error_code.clone());
            row.error_message = Some(refusal_message(&e));
            let merged = merge_latest(&mut tx, row.clone()).await?;
            tx.save_refund(&merged).await?;
            tx.note_order_event(
                &row.order_id,
                &ctx,
                "refund_refused",
                &format!("refund {}: {}", row.unique_request_id, refusal_message(&e)),
            )
            .await?;
            Err(e)
        }
    };
    tx.commit().await?;
    let stored = store
        .find_refund(&row.unique_request_id)
        .await?
        .unwrap_or(row);
    match outcome {
        Ok(()) => Ok(stored),
        Err(e) => Err(ActionError::Invalid {
            field: "amount",
            message: refusal_message(&e),
        }),
    }
}

/// Our request bookkeeping on top of whatever the snapshot wrote meanwhile.
async fn merge_latest(tx: &mut crate::store::Tx, ours: RefundRow) -> Result<RefundRow, StoreError> {
    Ok(match tx.load_refund(&ours.unique_request_id).await? {
        Some(mut latest) => {
            latest.request_state = ours.request_state;
            latest.attempts = ours.attempts;
            latest.updated_at = ours.updated_at;
            if ours.status.is_failure() {
                latest.status = ours.status;
                latest.error_code = ours.error_code;
                latest.error_message = ours.error_message;
            }
            latest
        }
        None => ours,
    })
}

/// Juspay's refund refusals in words for staff (§6.1 error table).
fn refusal_message(error: &JuspayError) -> String {
    let code = error
        .api_error()
        .and_then(|b| b.error_code.as_deref())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match code.as_str() {
        "invalid.order.not_successful" => "Only charged orders can be refunded.".to_owned(),
        c if c.contains("amount") => {
            "Juspay refused the amount: it exceeds what can still be refunded.".to_owned()
        }
        c if c.contains("duplicate") => {
            "Juspay already has a refund with this request id.".to_owned()
        }
        _ => describe_juspay_error(error),
    }
}

fn invalid(field: &'static str, message: &str) -> ActionError {
    ActionError::Invalid {
        field,
        message: message.to_owned(),
    }
}

/// Resends every refund of ours whose outcome is unknown (or whose sending was
/// interrupted), with its own request id; used by the reconciler.
pub async fn resend_unknown_refunds(
    store: &Store,
    client: &JuspayClient,
    first_check_ms: i64,
) -> Result<usize, StoreError> {
    let now = now_millis();
    let due = store
        .list_refunds_to_resend(now - SENDING_TIMEOUT_MS)
        .await?;
    let count = due.len();
    for row in due {
        if let Err(ActionError::Store(e)) =
            send_refund(store, client, row, "reconciler", first_check_ms).await
        {
            return Err(e);
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_refund_ids_are_short_enough_for_juspay_and_distinct() {
        let a = mint_refund_id();
        assert!(is_refund_id(&a) && a.len() < 21, "{a}");
        assert_ne!(a, mint_refund_id());
        for bad in ["", "rf_", "rf_has space", "x_abc", "rf_0123456789abcdefXY"] {
            assert!(!is_refund_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn an_interrupted_or_unknown_request_is_resent_and_nothing_else() {
        let row = |state: Option<&str>, updated_at| RefundRow {
            request_state: state.map(RefundRequestState::from),
            updated_at,
            ..RefundRow::default()
        };
        let now = 10 * SENDING_TIMEOUT_MS;
        assert!(needs_sending(&row(Some("unknown"), now), now));
        assert!(needs_sending(&row(Some("sending"), 0), now));
        assert!(
            !needs_sending(&row(Some("sending"), now - 1), now),
            "still in flight"
        );
        for done in [Some("sent"), Some("refused"), None] {
            assert!(!needs_sending(&row(done, 0), now));
        }
    }
}

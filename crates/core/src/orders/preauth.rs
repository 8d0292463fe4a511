//! Pre-authorised payments: capture (all or part of the held amount) and void, within the
//! seven days Juspay allows (§5.3).
//!
//! Invariants: a capture carries the idempotence key minted when its form was rendered, so
//! a double submit or a retry after a timeout is the same capture to Juspay, and Juspay
//! captures only an `AUTHORIZED` transaction, so a capture can never happen twice; only an
//! order we hold as `AUTHORIZED` is sent at all, and anything else is refused in words
//! (a captured payment is refunded, not voided); Juspay's answer is applied through the
//! order-snapshot path with the audit row in the same transaction; an unknown outcome
//! (timeout) is noted on the timeline and the order is polled soon.
//!
//! Section numbers (§) refer to docs/juspay.md.

use dashboard_status::{OrderStatus, Stage};
use juspay::{Amount, CaptureRequest, JuspayError};

use crate::{
    orders::{
        actions::{ActionError, Actions, describe_juspay_error, invalid, mint_key},
        model::OrderRow,
        snapshot::OrderReport,
        store::AppliedOrder,
    },
    reports::Via,
    staff::audit::AuditEntry,
};

/// Authorisations older than this should be captured or voided today: Juspay releases a
/// hold after seven days (§5.3).
pub const CAPTURE_WARN_AFTER_MS: i64 = 6 * 24 * 3_600_000;

/// A fresh capture key: `cp_` and 16 lowercase letters and digits.
pub fn mint_capture_key() -> String {
    mint_key("cp", 16)
}

fn is_capture_key(key: &str) -> bool {
    key.len() == 19 && key.starts_with("cp_") && key[3..].bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Actions {
    /// Captures `amount` (minor units; the whole hold when it equals it or is `None`) of an
    /// authorised order, under `key`.
    pub async fn capture_order(
        &self,
        order_id: &str,
        amount: Option<i64>,
        key: &str,
        audit: &AuditEntry,
    ) -> Result<AppliedOrder, ActionError> {
        if !is_capture_key(key) {
            return Err(invalid(
                "idempotence_key",
                "Reload the page to get a fresh capture form.",
            ));
        }
        let client = self.client()?;
        let order = self.held_order(order_id, "captured").await?;
        let partial = match amount {
            Some(a) if a <= 0 => {
                return Err(invalid("amount", "The amount must be more than zero."));
            }
            Some(a) if a > order.amount => {
                return Err(invalid(
                    "amount",
                    "At most the authorised amount can be captured.",
                ));
            }
            Some(a) if a < order.amount => Some(a),
            _ => None,
        };
        let request = CaptureRequest {
            amount: partial.map(|a| Amount::from_minor(a, &order.currency)),
            idempotence_key: Some(key.to_owned()),
        };
        let txn_uuid = order.txn_uuid.clone().unwrap_or_default();
        let answer = client
            .capture_txn(&txn_uuid, &request, order.customer_id.as_deref())
            .await;
        self.apply_preauth_answer(&order, answer, audit).await
    }

    /// Releases the hold of an authorised order.
    pub async fn void_order(
        &self,
        order_id: &str,
        audit: &AuditEntry,
    ) -> Result<AppliedOrder, ActionError> {
        let client = self.client()?;
        let order = self.held_order(order_id, "voided").await?;
        let txn_uuid = order.txn_uuid.clone().unwrap_or_default();
        let answer = client
            .void_txn(&txn_uuid, order.customer_id.as_deref())
            .await;
        self.apply_preauth_answer(&order, answer, audit).await
    }

    /// The order when it is held (`AUTHORIZED`) with a transaction to act on.
    async fn held_order(&self, order_id: &str, verb: &str) -> Result<OrderRow, ActionError> {
        let order = self
            .store()
            .find_order(order_id)
            .await?
            .ok_or(ActionError::NotFound)?;
        if order.status != OrderStatus::Authorized {
            let why = match order.status.stage() {
                Some(Stage::Succeeded) => {
                    "The payment is already captured; refund it instead.".to_owned()
                }
                _ => format!(
                    "Only an authorised payment can be {verb}; this one is {}.",
                    order.status.label()
                ),
            };
            return Err(invalid("order", &why));
        }
        if order.txn_uuid.is_none() {
            return Err(invalid(
                "order",
                "Juspay has not told us the transaction yet; sync the order first.",
            ));
        }
        Ok(order)
    }

    async fn apply_preauth_answer(
        &self,
        order: &OrderRow,
        answer: Result<juspay::Order, JuspayError>,
        audit: &AuditEntry,
    ) -> Result<AppliedOrder, ActionError> {
        let ctx = self.context(Via::Action, &audit.trace_id);
        let store = self.store();
        let mut tx = store.begin().await?;
        let juspay_order = match answer {
            Ok(juspay_order) => juspay_order,
            Err(e) => {
                let mut audit = audit.clone();
                audit.detail = format!("{}; {}", audit.detail, describe_juspay_error(&e));
                tx.note_order_event(&order.order_id, &ctx, "juspay_error", &audit.detail)
                    .await?;
                if e.is_retryable() {
                    tx.schedule_order_check(&order.order_id, ctx.at + self.first_check_ms())
                        .await?;
                }
                tx.audit(&audit).await?;
                tx.commit().await?;
                return Err(e.into());
            }
        };
        let report = OrderReport::from_order(&juspay_order)
            .ok()
            .flatten()
            .filter(|r| r.order_id == order.order_id)
            .ok_or_else(|| invalid("order", "Juspay's answer names another order."))?;
        let applied = tx
            .apply_order_report(&report, &ctx)
            .await?
            .map_err(|e| invalid("order", &e.to_string()))?;
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_key_is_minted_fresh_and_checked_before_use() {
        let key = mint_capture_key();
        assert!(is_capture_key(&key), "{key}");
        assert_ne!(key, mint_capture_key());
        assert!(!is_capture_key("cp_short"));
        assert!(!is_capture_key("rf_abcdefghijklmnop"));
    }
}

//! Mandate actions (§7.3): revoke, pause, resume, check status, send a pre-debit
//! notification, execute a debit, and refresh a customer's mandates — each applying
//! Juspay's answer through the same mandate rules as webhooks, with a history entry and the
//! caller's audit row in one transaction.
//!
//! Invariants: roles are checked by the caller (revoke/pause/resume: admin; the rest:
//! operator); a debit never exceeds the mandate's maximum, uses a fresh order id and is
//! stored as an order (NEW) before Juspay is called, so it is followed like any order;
//! Juspay's refusals are shown in our words.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use juspay::{Amount, Mandate, MandateExecutionRequest, MandateStatus};

use crate::{
    clock::now_millis,
    mandates::{model::MandateRow, snapshot::MandateReport, store::AppliedMandate},
    orders::{
        actions::{ActionError, Actions, NewOrder, describe_juspay_error, mint_order_id},
        timeline::ReportContext,
    },
    reports::{DEFAULT_CURRENCY, Via},
    staff::audit::AuditEntry,
};

/// A mandate command staff can send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MandateAction {
    Revoke {
        reason: String,
    },
    /// Epoch seconds, UTC.
    Pause {
        start: i64,
        end: i64,
    },
    /// Epoch seconds, UTC.
    Resume {
        on: i64,
    },
    CheckStatus,
}

impl MandateAction {
    fn kind(&self) -> &'static str {
        match self {
            Self::Revoke { .. } => "revoke",
            Self::Pause { .. } => "pause",
            Self::Resume { .. } => "resume",
            Self::CheckStatus => "check_status",
        }
    }
}

impl Actions {
    async fn mandate(&self, mandate_id: &str) -> Result<MandateRow, ActionError> {
        self.store()
            .find_mandate(mandate_id)
            .await?
            .ok_or(ActionError::NotFound)
    }

    /// Sends `action` to Juspay and applies the mandate it answers with, audited.
    pub async fn command_mandate(
        &self,
        mandate_id: &str,
        action: &MandateAction,
        audit: &AuditEntry,
    ) -> Result<AppliedMandate, ActionError> {
        let client = self.client()?;
        let row = self.mandate(mandate_id).await?;
        let status = MandateStatus::from(row.status.as_str());
        let routing = row.customer_id.as_deref();
        let answer = match action {
            MandateAction::Revoke { .. } | MandateAction::Pause { .. } if status.is_terminal() => {
                return Err(invalid(&format!(
                    "The mandate is {}; it cannot change.",
                    row.status
                )));
            }
            MandateAction::Resume { .. } if status != MandateStatus::Paused => {
                return Err(invalid("Only a paused mandate can be resumed."));
            }
            MandateAction::Pause { start, end } if end <= start => {
                return Err(invalid("The pause must end after it starts."));
            }
            MandateAction::Revoke { .. } => client.revoke_mandate(mandate_id, routing).await,
            MandateAction::Pause { start, end } => {
                client
                    .pause_mandate(mandate_id, *start, *end, routing)
                    .await
            }
            MandateAction::Resume { on } => client.resume_mandate(mandate_id, *on, routing).await,
            MandateAction::CheckStatus => client.check_mandate_status(mandate_id, routing).await,
        };
        let mandate = answer.map_err(refusal)?;
        let detail = match action {
            MandateAction::Revoke { reason } => format!("revoked: {reason}"),
            MandateAction::Pause { start, end } => format!(
                "paused {} to {}",
                crate::clock::format_utc(start * 1000),
                crate::clock::format_utc(end * 1000)
            ),
            MandateAction::Resume { on } => {
                format!("resumes {}", crate::clock::format_utc(on * 1000))
            }
            MandateAction::CheckStatus => "status checked with Juspay".to_owned(),
        };
        self.apply_mandate(mandate_id, &mandate, action.kind(), &detail, audit)
            .await
    }

    async fn apply_mandate(
        &self,
        mandate_id: &str,
        mandate: &Mandate,
        kind: &str,
        detail: &str,
        audit: &AuditEntry,
    ) -> Result<AppliedMandate, ActionError> {
        // An answer whose maximum cannot be read still tells the mandate's status.
        let mut report = MandateReport::from_mandate(mandate, None)
            .ok()
            .flatten()
            .filter(|r| r.mandate_id == mandate_id)
            .unwrap_or_else(|| MandateReport {
                mandate_id: mandate_id.to_owned(),
                status: mandate.resolved_status().cloned(),
                ..MandateReport::default()
            });
        report.mandate_id = mandate_id.to_owned();
        let at = now_millis();
        // Juspay's answer is its state now, so a webhook dated before it (one the same
        // action caused, still in flight) is stale and cannot undo the action.
        let ctx = ReportContext {
            via: Some(Via::Action),
            at,
            trace_id: Some(audit.trace_id.clone()),
            reported_at: Some(at),
            ..ReportContext::default()
        };
        let mut tx = self.store().begin().await?;
        let applied = tx
            .apply_mandate_report(&report, &ctx)
            .await?
            .map_err(|e| invalid(&e.to_string()))?;
        tx.insert_mandate_event(
            mandate_id,
            &ctx,
            kind,
            report.status.as_ref().map(|s| s.as_str()),
            applied.status_before.as_ref().map(MandateStatus::as_str),
            Some(applied.status_after.as_str()),
            "staff",
            Some(&format!("{detail} (by {})", audit.actor)),
        )
        .await?;
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Sends a pre-debit notification for `amount` (minor units) due at `txn_date` (epoch
    /// seconds); returns its reference id.
    pub async fn notify_pre_debit(
        &self,
        mandate_id: &str,
        amount: i64,
        txn_date: i64,
        audit: &AuditEntry,
    ) -> Result<String, ActionError> {
        let client = self.client()?;
        let row = self.mandate(mandate_id).await?;
        check_debit(&row, amount)?;
        let reference = mint_order_id("pdn");
        let notification = client
            .notify_pre_debit(
                mandate_id,
                &reference,
                Amount::from_minor(amount, row.currency.as_deref().unwrap_or(DEFAULT_CURRENCY)),
                txn_date,
                row.customer_id.as_deref(),
            )
            .await
            .map_err(refusal)?;
        let ctx = ReportContext {
            via: Some(Via::Action),
            at: now_millis(),
            trace_id: Some(audit.trace_id.clone()),
            ..ReportContext::default()
        };
        let status = notification.status.as_ref().map(|s| s.as_str().to_owned());
        let mut tx = self.store().begin().await?;
        tx.insert_mandate_event(
            mandate_id,
            &ctx,
            "notification",
            status.as_deref(),
            None,
            None,
            "staff",
            Some(&format!(
                "pre-debit notification {reference} for {} (by {})",
                crate::money::format_minor(
                    amount,
                    row.currency.as_deref().unwrap_or(DEFAULT_CURRENCY)
                ),
                audit.actor
            )),
        )
        .await?;
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(reference)
    }

    /// Debits the mandate for `amount` (minor units) under `debit_key` (the order id the
    /// debit form minted when it was shown; a fresh one when none is given), stored as a
    /// NEW order first and then followed like any order. A key is sent to Juspay at most
    /// once: a double submit, a retry after a timeout or a crash finds the order already
    /// registered and answers with it ([`Debit::repeated`]) without calling Juspay again.
    pub async fn execute_mandate(
        &self,
        mandate_id: &str,
        amount: i64,
        notification_id: Option<String>,
        debit_key: Option<String>,
        audit: &AuditEntry,
    ) -> Result<Debit, ActionError> {
        let client = self.client()?;
        let order_id = match debit_key {
            Some(key) if is_debit_key(&key) => key,
            Some(_) => return Err(invalid("The debit form is damaged; reload the page.")),
            None => mint_order_id(DEBIT_PREFIX),
        };
        let description = format!("debit of mandate {mandate_id}");
        if let Some(existing) = self.store().find_order(&order_id).await? {
            return repeated_debit(existing.description.as_deref(), &description, order_id);
        }
        let row = self.mandate(mandate_id).await?;
        check_debit(&row, amount)?;
        if !row.status.is_active() {
            return Err(invalid(&format!(
                "The mandate is {}; only an active mandate can be debited.",
                row.status
            )));
        }
        let customer_id = row
            .customer_id
            .clone()
            .ok_or_else(|| invalid("The mandate names no customer; refresh it first."))?;
        let currency = row
            .currency
            .clone()
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned());
        let order = NewOrder {
            order_id: order_id.clone(),
            amount,
            currency: currency.clone(),
            customer_id: Some(customer_id.clone()),
            description: Some(description.clone()),
            ..NewOrder::default()
        };
        if let Err(e) = self.register_order(&order, audit).await {
            // A concurrent submit of the same form registered it first.
            return match self.store().find_order(&order_id).await? {
                Some(existing) => {
                    repeated_debit(existing.description.as_deref(), &description, order_id)
                }
                None => Err(e),
            };
        }
        let mut request = MandateExecutionRequest::new(
            &order_id,
            Amount::from_minor(amount, &currency),
            &customer_id,
            mandate_id,
        );
        request.currency = Some(currency);
        request.notification_id = notification_id;
        let ctx = ReportContext {
            via: Some(Via::Action),
            at: now_millis(),
            trace_id: Some(audit.trace_id.clone()),
            ..ReportContext::default()
        };
        let answer = client.execute_mandate(&request).await;
        let detail = match &answer {
            Ok(txn) => format!(
                "debit order {order_id}: Juspay answered {}",
                txn.status.as_ref().map_or("-", |s| s.as_str())
            ),
            Err(e) => format!("debit order {order_id}: {}", describe_juspay_error(e)),
        };
        let mut tx = self.store().begin().await?;
        tx.insert_mandate_execution(mandate_id, &ctx, &order_id, &detail)
            .await?;
        tx.schedule_order_check(&order_id, now_millis()).await?;
        tx.commit().await?;
        answer.map_err(refusal)?;
        Ok(Debit {
            order_id,
            repeated: false,
        })
    }

    /// Reads every mandate Juspay has for `customer_id` and applies each.
    pub async fn refresh_customer_mandates(
        &self,
        customer_id: &str,
        audit: &AuditEntry,
    ) -> Result<usize, ActionError> {
        let client = self.client()?;
        let list = client
            .list_customer_mandates(customer_id)
            .await
            .map_err(refusal)?;
        let at = now_millis();
        let ctx = ReportContext {
            via: Some(Via::Sync),
            at,
            trace_id: Some(audit.trace_id.clone()),
            reported_at: Some(at),
            ..ReportContext::default()
        };
        let mut tx = self.store().begin().await?;
        let mut applied = 0;
        for mandate in &list.list {
            if let Ok(Some(report)) = MandateReport::from_mandate(mandate, None)
                && tx.apply_mandate_report(&report, &ctx).await?.is_ok()
            {
                applied += 1;
            }
        }
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(applied)
    }
}

/// A debit must be positive and within the mandate's maximum.
fn check_debit(row: &MandateRow, amount: i64) -> Result<(), ActionError> {
    if amount <= 0 {
        return Err(invalid("The amount must be more than zero."));
    }
    if let Some(max) = row.max_amount
        && amount > max
    {
        return Err(invalid(&format!(
            "The amount is above the mandate's maximum of {}.",
            crate::money::format_minor(max, row.currency.as_deref().unwrap_or(DEFAULT_CURRENCY))
        )));
    }
    Ok(())
}

/// Juspay's mandate refusals in words for staff (§7.3 error table).
fn refusal(error: juspay::JuspayError) -> ActionError {
    let code = error
        .api_error()
        .and_then(|b| b.error_code.clone())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let message = if code.contains("not_active") || code.contains("inactive") {
        "Juspay says the mandate is not active.".to_owned()
    } else if code.contains("amount") {
        "Juspay refused the amount (above the mandate's maximum?).".to_owned()
    } else {
        return ActionError::Juspay(error);
    };
    ActionError::Invalid {
        field: "mandate",
        message,
    }
}

fn invalid(message: &str) -> ActionError {
    ActionError::Invalid {
        field: "mandate",
        message: message.to_owned(),
    }
}

/// Prefix of the order ids of mandate debits.
const DEBIT_PREFIX: &str = "md";

/// A debit key as [`mint_debit_key`] makes them, so a form cannot name any order.
fn is_debit_key(key: &str) -> bool {
    key.strip_prefix("md_").is_some_and(|rest| {
        rest.len() == 12
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// A fresh key for a debit form: the order id its debit will have.
pub fn mint_debit_key() -> String {
    mint_order_id(DEBIT_PREFIX)
}

/// The answer to a key already used: the same debit, unless the key named another order.
fn repeated_debit(
    existing: Option<&str>,
    expected: &str,
    order_id: String,
) -> Result<Debit, ActionError> {
    if existing == Some(expected) {
        Ok(Debit {
            order_id,
            repeated: true,
        })
    } else {
        Err(invalid(
            "The debit form was already used for another order; reload the page.",
        ))
    }
}

/// What a debit submit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debit {
    /// The debit's order id (its key).
    pub order_id: String,
    /// The key had been submitted before: nothing was sent to Juspay this time.
    pub repeated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_debit_above_the_maximum_or_not_positive_is_refused() {
        let row = MandateRow {
            max_amount: Some(50_000),
            currency: Some("INR".into()),
            ..MandateRow::default()
        };
        assert!(check_debit(&row, 50_000).is_ok());
        for bad in [0, -1, 50_001] {
            assert!(check_debit(&row, bad).is_err(), "{bad}");
        }
    }
}

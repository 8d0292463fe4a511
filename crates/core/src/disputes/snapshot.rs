//! A dispute report (a chargeback of Juspay's) and the plan for the stored dispute.

use dashboard_status::{DisputeStage, DisputeStatus};

use crate::{
    clock::parse_juspay_time,
    disputes::model::DisputeRow,
    reports::{Effect, ReportError, Transition, UnreadableField, minor_units, non_blank},
};

/// Juspay's view of one dispute.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DisputeReport {
    pub dispute_id: String,
    pub order_id: Option<String>,
    pub txn_id: Option<String>,
    pub gateway: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub status: Option<DisputeStatus>,
    pub stage: Option<DisputeStage>,
    pub reason: Option<String>,
    pub respond_by: Option<i64>,
    pub juspay_created_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// The chargeback object as received (JSON).
    pub raw: String,
}

impl DisputeReport {
    /// Reads a chargeback; `status` is the event's (`CHARGEBACK_<status>`) when the object
    /// names none. `Ok(None)` when it has no id; an error names an amount that cannot be
    /// read in its currency (the order's, `order_currency`, when it names none).
    pub fn from_chargeback(
        chargeback: &juspay::Chargeback,
        raw: &serde_json::Value,
        status: Option<DisputeStatus>,
        order_currency: Option<&str>,
    ) -> Result<Option<Self>, UnreadableField> {
        let Some(dispute_id) = non_blank(chargeback.id.as_ref()) else {
            return Ok(None);
        };
        let currency = chargeback
            .currency
            .clone()
            .or_else(|| order_currency.map(str::to_owned));
        let time = |t: &Option<String>| t.as_deref().and_then(parse_juspay_time);
        Ok(Some(Self {
            amount: minor_units(chargeback.amount, currency.as_deref(), "chargeback.amount")?,
            dispute_id,
            order_id: chargeback.order_id().map(str::to_owned),
            txn_id: chargeback.txn.as_ref().and_then(|t| t.txn_id.clone()),
            gateway: chargeback.txn.as_ref().and_then(|t| t.gateway.clone()),
            currency,
            status: chargeback.chargeback_status.clone().or(status),
            stage: chargeback.stage.clone(),
            reason: chargeback.reason.clone(),
            respond_by: time(&chargeback.respond_by),
            juspay_created_at: time(&chargeback.date_created),
            resolved_at: time(&chargeback.date_resolved),
            raw: raw.to_string(),
        }))
    }
}

/// The decision for one dispute report.
#[derive(Debug, Clone, PartialEq)]
pub struct DisputePlan {
    pub effect: Effect,
    pub status_before: Option<DisputeStatus>,
    pub row: DisputeRow,
}

/// Decides what `report` does to the stored dispute `current` (or creates it).
pub fn plan_dispute(
    current: Option<&DisputeRow>,
    report: &DisputeReport,
    at: i64,
) -> Result<DisputePlan, ReportError> {
    let Some(current) = current else {
        let Some(status) = report.status.clone() else {
            return Err(ReportError::UnknownDisputeWithoutStatus);
        };
        let mut row = DisputeRow {
            dispute_id: report.dispute_id.clone(),
            status,
            created_at: at,
            updated_at: at,
            ..DisputeRow::default()
        };
        merge_details(&mut row, report);
        return Ok(DisputePlan {
            effect: Effect::Created,
            status_before: None,
            row,
        });
    };
    let mut row = current.clone();
    let transition = report.status.as_ref().map_or(Transition::Same, |incoming| {
        crate::disputes::rules::dispute_transition(&current.status, incoming)
    });
    let effect = match transition {
        Transition::Ignore(reason) => {
            return Ok(DisputePlan {
                effect: Effect::Ignored(reason),
                status_before: Some(current.status.clone()),
                row,
            });
        }
        Transition::Apply => {
            if let Some(status) = &report.status {
                row.status = status.clone();
            }
            merge_details(&mut row, report);
            Effect::Applied
        }
        Transition::Same => {
            merge_details(&mut row, report);
            if row == *current {
                Effect::Unchanged
            } else {
                Effect::Applied
            }
        }
    };
    if effect == Effect::Applied {
        row.updated_at = at;
    }
    Ok(DisputePlan {
        effect,
        status_before: Some(current.status.clone()),
        row,
    })
}

/// What the report knows and the row does not yet (or knows better: a later respond-by or
/// resolution); never erases a known value.
fn merge_details(row: &mut DisputeRow, report: &DisputeReport) {
    fn keep<T: Clone>(field: &mut Option<T>, value: &Option<T>) {
        if value.is_some() {
            field.clone_from(value);
        }
    }
    keep(&mut row.order_id, &report.order_id);
    keep(&mut row.txn_id, &report.txn_id);
    keep(&mut row.gateway, &report.gateway);
    keep(&mut row.amount, &report.amount);
    keep(&mut row.currency, &report.currency);
    keep(&mut row.reason, &report.reason);
    // A stage only moves forward, like the status.
    if let Some(stage) = &report.stage
        && stage.rank() > row.stage.rank()
    {
        row.stage = stage.clone();
    }
    keep(&mut row.respond_by, &report.respond_by);
    keep(&mut row.juspay_created_at, &report.juspay_created_at);
    keep(&mut row.resolved_at, &report.resolved_at);
    row.last_report.clone_from(&report.raw);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::IgnoreReason;

    fn report(status: DisputeStatus) -> DisputeReport {
        DisputeReport {
            dispute_id: "cb_1".into(),
            order_id: Some("ord_1".into()),
            amount: Some(1_000),
            currency: Some("INR".into()),
            status: Some(status),
            raw: "{}".into(),
            ..DisputeReport::default()
        }
    }

    #[test]
    fn a_dispute_is_created_moved_forward_and_never_reopened() {
        let opened = plan_dispute(None, &report(DisputeStatus::Received), 1).unwrap();
        assert_eq!(opened.effect, Effect::Created);
        let won = plan_dispute(
            Some(&opened.row),
            &report(DisputeStatus::ResolvedInMerchantFavour),
            2,
        )
        .unwrap();
        assert_eq!(
            (won.effect.clone(), won.row.updated_at),
            (Effect::Applied, 2)
        );
        let late = plan_dispute(Some(&won.row), &report(DisputeStatus::Received), 3).unwrap();
        assert_eq!(late.effect, Effect::Ignored(IgnoreReason::Conflicting));
        assert_eq!(late.row.status, DisputeStatus::ResolvedInMerchantFavour);
        let again = plan_dispute(
            Some(&won.row),
            &report(DisputeStatus::ResolvedInMerchantFavour),
            4,
        )
        .unwrap();
        assert_eq!(again.effect, Effect::Unchanged);
        let no_status = DisputeReport {
            status: None,
            ..report(DisputeStatus::Received)
        };
        assert!(plan_dispute(None, &no_status, 5).is_err());
    }

    #[test]
    fn a_dispute_stage_moves_forward_only() {
        let opened = plan_dispute(None, &report(DisputeStatus::Received), 1).unwrap();
        assert_eq!(
            opened.row.stage,
            DisputeStage::Dispute,
            "a chargeback by default"
        );
        let escalated = DisputeReport {
            stage: Some(DisputeStage::PreArbitration),
            ..report(DisputeStatus::UnderReview)
        };
        let moved = plan_dispute(Some(&opened.row), &escalated, 2).unwrap();
        assert_eq!(moved.row.stage, DisputeStage::PreArbitration);
        let older = DisputeReport {
            stage: Some(DisputeStage::Dispute),
            ..report(DisputeStatus::UnderReview)
        };
        let kept = plan_dispute(Some(&moved.row), &older, 3).unwrap();
        assert_eq!(
            (kept.effect, kept.row.stage),
            (Effect::Unchanged, DisputeStage::PreArbitration)
        );
    }
}

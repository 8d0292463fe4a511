//! A refund report (one of an order's `refunds[]`) and the plan for the stored refund.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::RefundStatus;

use crate::{
    clock::parse_juspay_time,
    refunds::model::RefundRow,
    reports::{
        DEFAULT_CURRENCY, Effect, ReportError, Transition, UnreadableField, Via, is_real_value,
        minor_units, non_blank,
    },
};

/// Juspay's view of one refund of an order (§6.3).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefundReport {
    pub unique_request_id: String,
    pub order_id: String,
    pub juspay_refund_id: Option<String>,
    pub reference: Option<String>,
    pub arn: Option<String>,
    pub amount: Option<i64>,
    pub currency: String,
    pub status: Option<RefundStatus>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub initiated_by: Option<String>,
    pub created_at: Option<i64>,
}

impl RefundReport {
    /// Reads the order's refund number `index`, in the order's `currency`. `Ok(None)` when
    /// nothing names the refund.
    pub(crate) fn from_refund(
        refund: &juspay::Refund,
        order_id: &str,
        currency: Option<&str>,
        index: usize,
    ) -> Result<Option<Self>, UnreadableField> {
        // `id` is often equal to `unique_request_id` (§6.3); one of them names the refund.
        let Some(key) =
            non_blank(refund.unique_request_id.as_ref()).or_else(|| non_blank(refund.id.as_ref()))
        else {
            return Ok(None);
        };
        let amount = minor_units(refund.amount, currency, &format!("refunds.{index}.amount"))?;
        Ok(Some(Self {
            unique_request_id: key,
            order_id: order_id.to_owned(),
            juspay_refund_id: refund.id.clone(),
            reference: refund.reference.clone(),
            arn: refund.arn.clone(),
            amount,
            currency: currency.unwrap_or(DEFAULT_CURRENCY).to_owned(),
            status: refund.status.clone(),
            error_code: refund.error_code.clone(),
            error_message: refund.error_message.clone(),
            initiated_by: refund.initiated_by.clone(),
            created_at: refund.created.as_deref().and_then(parse_juspay_time),
        }))
    }
}

/// The decision for one refund report.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundPlan {
    pub effect: Effect,
    pub status_before: Option<RefundStatus>,
    pub row: RefundRow,
}

/// Decides what `report` does to the stored refund `current` (or creates it: refunds
/// started at Juspay's dashboard, or auto-refunds, are first seen in an order snapshot).
pub fn plan_refund(
    current: Option<&RefundRow>,
    report: &RefundReport,
    via: Via,
    at: i64,
) -> Result<RefundPlan, ReportError> {
    let Some(current) = current else {
        let (Some(amount), Some(status)) = (report.amount, report.status.as_ref()) else {
            return Err(ReportError::IncompleteRefund);
        };
        let mut row = RefundRow {
            unique_request_id: report.unique_request_id.clone(),
            order_id: report.order_id.clone(),
            amount,
            currency: report.currency.clone(),
            status: status.clone(),
            created_at: report.created_at.unwrap_or(at),
            updated_at: at,
            confirmed_at: Some(at),
            confirmed_via: Some(via.as_str().to_owned()),
            ..RefundRow::default()
        };
        merge_refund_details(&mut row, report);
        return Ok(RefundPlan {
            effect: Effect::Created,
            status_before: None,
            row,
        });
    };
    let mut row = current.clone();
    let status_before = Some(current.status.clone());
    let transition = report.status.as_ref().map_or(Transition::Same, |incoming| {
        crate::refunds::rules::refund_transition(&current.status, incoming)
    });
    if let Transition::Ignore(reason) = transition {
        return Ok(RefundPlan {
            effect: Effect::Ignored(reason),
            status_before,
            row,
        });
    }
    if let (true, Some(status)) = (transition.is_apply(), report.status.as_ref()) {
        row.status = status.clone();
    }
    merge_refund_details(&mut row, report);
    let effect = if row == *current {
        Effect::Unchanged
    } else {
        row.updated_at = at;
        Effect::Applied
    };
    row.confirmed_at = Some(at);
    row.confirmed_via = Some(via.as_str().to_owned());
    Ok(RefundPlan {
        effect,
        status_before,
        row,
    })
}

fn merge_refund_details(row: &mut RefundRow, report: &RefundReport) {
    for (field, incoming) in [
        (&mut row.juspay_refund_id, &report.juspay_refund_id),
        (&mut row.reference, &report.reference),
        (&mut row.arn, &report.arn),
        (&mut row.error_code, &report.error_code),
        (&mut row.error_message, &report.error_message),
        (&mut row.initiated_by, &report.initiated_by),
    ] {
        if let Some(value) = incoming.as_ref().filter(|v| is_real_value(v)) {
            *field = Some(value.clone());
        }
    }
}

//! A mandate report and the plan for the stored mandate.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::MandateStatus;
use juspay::Mandate;

use crate::{
    mandates::model::MandateRow,
    reports::{
        Effect, ReportError, Transition, UnreadableField, Via, epoch_seconds_text, is_real_value,
        minor_units, non_blank,
    },
};

/// Juspay's view of one mandate (§7.2, `content.mandate` §9.1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MandateReport {
    pub mandate_id: String,
    pub order_id: Option<String>,
    pub customer_id: Option<String>,
    pub status: Option<MandateStatus>,
    pub mandate_type: Option<String>,
    pub frequency: Option<String>,
    pub amount_rule: Option<String>,
    pub max_amount: Option<i64>,
    pub currency: Option<String>,
    pub start_date: Option<i64>,
    pub end_date: Option<i64>,
    pub rule_type: Option<String>,
    pub rule_value: Option<i64>,
    pub revokable_by_customer: Option<bool>,
    pub block_fund: Option<bool>,
    pub payment_method_type: Option<String>,
    pub payment_method: Option<String>,
    pub payer_vpa: Option<String>,
}

impl MandateReport {
    /// Reads a mandate object; `Ok(None)` when it names no mandate id, an error when its
    /// maximum cannot be read in its currency.
    pub fn from_mandate(
        mandate: &Mandate,
        order_id: Option<&str>,
    ) -> Result<Option<Self>, UnreadableField> {
        let Some(mandate_id) = non_blank(mandate.mandate_id.as_ref()) else {
            return Ok(None);
        };
        let max_amount = minor_units(
            mandate.max_amount,
            mandate.currency.as_deref(),
            "mandate.max_amount",
        )?;
        let info = mandate.payment_info.as_ref();
        let info_text = |key: &str| {
            info.and_then(|i| i.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        Ok(Some(Self {
            mandate_id,
            order_id: mandate
                .order_id
                .clone()
                .or_else(|| order_id.map(str::to_owned)),
            customer_id: mandate.customer_id.clone(),
            status: mandate.resolved_status().cloned(),
            mandate_type: mandate.mandate_type.clone(),
            frequency: mandate.frequency.clone(),
            amount_rule: mandate.amount_rule.as_ref().map(|r| r.as_str().to_owned()),
            max_amount,
            currency: mandate.currency.clone(),
            start_date: mandate.start_date.as_deref().and_then(epoch_seconds_text),
            end_date: mandate.end_date.as_deref().and_then(epoch_seconds_text),
            rule_type: mandate.rule_type.clone(),
            rule_value: mandate.rule_value,
            revokable_by_customer: mandate.revokable_by_customer,
            block_fund: mandate.block_fund,
            payment_method_type: info_text("payment_method_type"),
            payment_method: info_text("payment_method"),
            payer_vpa: info
                .and_then(|i| i.pointer("/upi/payer_vpa"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
        }))
    }
}

/// The decision for one mandate report.
#[derive(Debug, Clone, PartialEq)]
pub struct MandatePlan {
    pub effect: Effect,
    pub status_before: Option<MandateStatus>,
    pub row: MandateRow,
}

/// Decides what `report` does to the stored mandate `current`. `reported_at` is Juspay's
/// time of the report when known (a webhook's `date_created`): mandate statuses move back
/// and forth (ACTIVE ⇄ PAUSED), so only time can tell an old report from a new one.
pub fn plan_mandate(
    current: Option<&MandateRow>,
    report: &MandateReport,
    reported_at: Option<i64>,
    via: Via,
    at: i64,
) -> Result<MandatePlan, ReportError> {
    let Some(current) = current else {
        let status = report
            .status
            .as_ref()
            .ok_or(ReportError::UnknownMandateWithoutStatus)?;
        let mut row = MandateRow {
            mandate_id: report.mandate_id.clone(),
            status: status.clone(),
            status_reported_at: reported_at,
            created_at: at,
            updated_at: at,
            confirmed_at: Some(at),
            confirmed_via: Some(via.as_str().to_owned()),
            ..MandateRow::default()
        };
        merge_mandate_details(&mut row, report);
        return Ok(MandatePlan {
            effect: Effect::Created,
            status_before: None,
            row,
        });
    };
    let mut row = current.clone();
    let status_before = Some(current.status.clone());
    let transition = report.status.as_ref().map_or(Transition::Same, |incoming| {
        crate::mandates::rules::mandate_transition(
            &current.status,
            current.status_reported_at,
            incoming,
            reported_at,
        )
    });
    if let Transition::Ignore(reason) = transition {
        return Ok(MandatePlan {
            effect: Effect::Ignored(reason),
            status_before,
            row,
        });
    }
    if let (true, Some(status)) = (transition.is_apply(), report.status.as_ref()) {
        row.status = status.clone();
        row.status_reported_at = reported_at.or(row.status_reported_at);
    }
    merge_mandate_details(&mut row, report);
    let effect = if row == *current {
        Effect::Unchanged
    } else {
        row.updated_at = at;
        Effect::Applied
    };
    row.confirmed_at = Some(at);
    row.confirmed_via = Some(via.as_str().to_owned());
    Ok(MandatePlan {
        effect,
        status_before,
        row,
    })
}

fn merge_mandate_details(row: &mut MandateRow, report: &MandateReport) {
    for (field, incoming) in [
        (&mut row.order_id, &report.order_id),
        (&mut row.customer_id, &report.customer_id),
        (&mut row.mandate_type, &report.mandate_type),
        (&mut row.frequency, &report.frequency),
        (&mut row.amount_rule, &report.amount_rule),
        (&mut row.currency, &report.currency),
        (&mut row.rule_type, &report.rule_type),
        (&mut row.payment_method_type, &report.payment_method_type),
        (&mut row.payment_method, &report.payment_method),
        (&mut row.payer_vpa, &report.payer_vpa),
    ] {
        if let Some(value) = incoming.as_ref().filter(|v| is_real_value(v)) {
            *field = Some(value.clone());
        }
    }
    for (field, incoming) in [
        (&mut row.max_amount, report.max_amount),
        (&mut row.start_date, report.start_date),
        (&mut row.end_date, report.end_date),
        (&mut row.rule_value, report.rule_value),
    ] {
        if incoming.is_some() {
            *field = incoming;
        }
    }
    if report.revokable_by_customer.is_some() {
        row.revokable_by_customer = report.revokable_by_customer;
    }
    if report.block_fund.is_some() {
        row.block_fund = report.block_fund;
    }
}

//! An order report and the plan for the stored order.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::collections::BTreeMap;

use dashboard_status::{OrderStatus, Stage};
use juspay::{Order, WebhookTxn};

use crate::{
    clock::parse_juspay_time,
    mandates::snapshot::MandateReport,
    orders::model::OrderRow,
    refunds::snapshot::RefundReport,
    reports::{
        DEFAULT_CURRENCY, Effect, ReportError, Transition, UnreadableField, Via, is_real_value,
        minor_units, non_blank, set,
    },
};

/// Juspay's view of one order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderReport {
    pub order_id: String,
    /// Which gateway reported it: `juspay` (the default) or `jpsl`.
    pub source: Option<String>,
    pub juspay_id: Option<String>,
    pub status: Option<OrderStatus>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub amount_refunded: Option<i64>,
    /// What a partial capture collected, when the order is `PARTIAL_CHARGED`.
    pub amount_captured: Option<i64>,
    pub customer_id: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub description: Option<String>,
    pub payment_link: Option<String>,
    pub payment_method_type: Option<String>,
    pub payment_method: Option<String>,
    pub auth_type: Option<String>,
    pub card_brand: Option<String>,
    pub card_last_four: Option<String>,
    pub payer_vpa: Option<String>,
    pub gateway: Option<String>,
    pub gateway_id: Option<i64>,
    pub gateway_reference_id: Option<String>,
    pub txn_id: Option<String>,
    pub txn_uuid: Option<String>,
    pub epg_txn_id: Option<String>,
    pub rrn: Option<String>,
    pub auth_id_code: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub udfs: BTreeMap<String, String>,
    pub juspay_created_at: Option<i64>,
    pub refunds: Vec<RefundReport>,
    pub mandate: Option<MandateReport>,
    /// The order's `chargebacks[]` (§9.5).
    pub disputes: Vec<crate::disputes::snapshot::DisputeReport>,
}

impl OrderReport {
    /// Reads an order object (§4.3), from a webhook or an API answer alike. `Ok(None)` when
    /// the object names no order id; an error names an amount that cannot be read in the
    /// order's currency.
    pub fn from_order(order: &Order) -> Result<Option<Self>, UnreadableField> {
        let Some(order_id) = non_blank(order.order_id.as_ref()) else {
            return Ok(None);
        };
        let txn = order.txn_detail.as_ref();
        let pgr = order.payment_gateway_response.as_ref();
        let currency = order.currency.clone();
        let mut refunds = Vec::new();
        for (i, refund) in order.refunds.iter().enumerate() {
            if let Some(report) =
                RefundReport::from_refund(refund, &order_id, currency.as_deref(), i)?
            {
                refunds.push(report);
            }
        }
        let mandate = match &order.mandate {
            // The order's mandate block does not repeat the customer; the order names it,
            // and a debit needs it.
            Some(m) => MandateReport::from_mandate(m, Some(&order_id))?.map(|mut report| {
                if report.customer_id.is_none() {
                    report.customer_id = order.customer_id.clone();
                }
                report
            }),
            None => None,
        };
        let mut disputes = Vec::new();
        for chargeback in &order.chargebacks {
            let raw = serde_json::to_value(chargeback).unwrap_or_default();
            let report = crate::disputes::snapshot::DisputeReport::from_chargeback(
                chargeback,
                &raw,
                None,
                currency.as_deref(),
            )?;
            disputes.extend(report.map(|mut d| {
                d.order_id.get_or_insert_with(|| order_id.clone());
                d
            }));
        }
        Ok(Some(Self {
            source: None,
            juspay_id: order.id.clone(),
            status: order.resolved_status(),
            amount: minor_units(order.amount, currency.as_deref(), "amount")?,
            amount_refunded: minor_units(
                order.amount_refunded,
                currency.as_deref(),
                "amount_refunded",
            )?,
            amount_captured: captured_of(order, currency.as_deref())?,
            currency,
            customer_id: order.customer_id.clone(),
            customer_email: order.customer_email.clone(),
            customer_phone: order.customer_phone.clone(),
            description: order.description.clone(),
            payment_link: order.payment_links.as_ref().and_then(|l| l.web.clone()),
            payment_method_type: order.payment_method_type.clone(),
            payment_method: order.payment_method.clone(),
            auth_type: order.auth_type.clone(),
            card_brand: order.card.as_ref().and_then(|c| c.card_brand.clone()),
            card_last_four: order.card.as_ref().and_then(|c| c.last_four_digits.clone()),
            payer_vpa: order.upi.as_ref().and_then(|u| u.payer_vpa.clone()),
            gateway: txn.and_then(|t| t.gateway.clone()),
            gateway_id: order.gateway_id.or_else(|| txn.and_then(|t| t.gateway_id)),
            gateway_reference_id: order.gateway_reference_id.clone(),
            txn_id: order
                .txn_id
                .clone()
                .or_else(|| txn.and_then(|t| t.txn_id.clone())),
            txn_uuid: order
                .txn_uuid
                .clone()
                .or_else(|| txn.and_then(|t| t.txn_uuid.clone())),
            epg_txn_id: pgr.and_then(|p| p.epg_txn_id.clone()),
            rrn: pgr.and_then(|p| p.rrn.clone()),
            auth_id_code: pgr.and_then(|p| p.auth_id_code.clone()),
            error_code: order
                .bank_error_code
                .clone()
                .or_else(|| txn.and_then(|t| t.error_code.clone())),
            error_message: order
                .bank_error_message
                .clone()
                .or_else(|| txn.and_then(|t| t.error_message.clone())),
            udfs: order
                .udfs()
                .filter(|(_, value)| is_real_value(value))
                .map(|(key, value)| (key, value.to_owned()))
                .collect(),
            juspay_created_at: order.date_created.as_deref().and_then(parse_juspay_time),
            refunds,
            mandate,
            disputes,
            order_id,
        }))
    }

    /// Reads the `content.txn` of TXN_CHARGED / TXN_FAILED (§9.1): a status report for the
    /// order the transaction belongs to, whose amount is the transaction's.
    pub fn from_txn(txn: &WebhookTxn) -> Result<Option<Self>, UnreadableField> {
        let Some(order_id) = non_blank(txn.order_id.as_ref()) else {
            return Ok(None);
        };
        Ok(Some(Self {
            order_id,
            status: txn.status.clone(),
            amount: minor_units(txn.txn_amount, txn.currency.as_deref(), "txn_amount")?,
            currency: txn.currency.clone(),
            txn_id: txn.txn_id.clone(),
            txn_uuid: txn.txn_uuid.clone(),
            error_code: txn.error_code.clone(),
            error_message: txn.error_message.clone(),
            payment_method_type: txn.payment_method_type.clone(),
            payment_method: txn.payment_method.clone(),
            ..Self::default()
        }))
    }
}

/// The decision for one order report: the row to store and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPlan {
    pub effect: Effect,
    pub status_before: Option<OrderStatus>,
    pub row: OrderRow,
    /// Names of the fields the report changed, for the timeline.
    pub changed: Vec<&'static str>,
}

/// Decides what `report` does to the stored order `current` (or creates it). An order
/// left unresolved is due for its first reconciler check `first_check_ms` after `at`.
pub fn plan_order(
    current: Option<&OrderRow>,
    report: &OrderReport,
    via: Via,
    at: i64,
    first_check_ms: i64,
) -> Result<OrderPlan, ReportError> {
    let first_check = at + first_check_ms;
    let Some(current) = current else {
        return create_order(report, via, at, first_check);
    };
    let mut row = current.clone();
    let mut changed = Vec::new();
    let status_before = Some(current.status.clone());
    let current_status = current.status.clone();
    let transition = report.status.as_ref().map_or(Transition::Same, |incoming| {
        crate::orders::rules::transition(&current_status, incoming)
    });
    if let Transition::Ignore(reason) = transition {
        return Ok(OrderPlan {
            effect: Effect::Ignored(reason),
            status_before,
            row,
            changed,
        });
    }
    let incoming_status = report.status.clone().unwrap_or(current_status);
    let report_currency = report.currency.as_deref().unwrap_or(DEFAULT_CURRENCY);
    if via == Via::Action
        && let Some(amount) = report.amount
    {
        set(&mut row.amount, amount, "amount", &mut changed);
        set(
            &mut row.currency,
            report_currency.to_owned(),
            "currency",
            &mut changed,
        );
    }
    let is_payment = Stage::of(&incoming_status) == Some(Stage::Succeeded);
    if transition.is_apply()
        && is_payment
        && let Some(amount) = report.amount
        && let Err(mismatch) =
            crate::orders::rules::check_amount(row.amount, &row.currency, amount, report_currency)
    {
        row.amount_mismatch = Some(mismatch.to_string());
        row.updated_at = at;
        return Ok(OrderPlan {
            effect: Effect::AmountMismatch(mismatch),
            status_before,
            row,
            changed: vec!["amount_mismatch"],
        });
    }
    if transition.is_apply() {
        set_status(&mut row, &incoming_status, via, at, first_check);
        changed.push("status");
    }
    merge_details(&mut row, report, &mut changed);
    let effect = if changed.is_empty() {
        Effect::Unchanged
    } else {
        row.updated_at = at;
        Effect::Applied
    };
    row.confirmed_at = Some(at);
    row.confirmed_via = Some(via.as_str().to_owned());
    Ok(OrderPlan {
        effect,
        status_before,
        row,
        changed,
    })
}

fn create_order(
    report: &OrderReport,
    via: Via,
    at: i64,
    first_check: i64,
) -> Result<OrderPlan, ReportError> {
    let amount = report
        .amount
        .ok_or(ReportError::UnknownOrderWithoutAmount)?;
    let status = report
        .status
        .clone()
        .ok_or(ReportError::UnknownOrderWithoutStatus)?;
    let mut row = OrderRow {
        order_id: report.order_id.clone(),
        source: report.source.clone().unwrap_or_else(|| "juspay".to_owned()),
        amount,
        currency: report
            .currency
            .clone()
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned()),
        udfs: "{}".to_owned(),
        created_at: at,
        updated_at: at,
        confirmed_at: Some(at),
        confirmed_via: Some(via.as_str().to_owned()),
        ..OrderRow::default()
    };
    set_status(&mut row, &status, via, at, first_check);
    let mut changed = vec!["status"];
    merge_details(&mut row, report, &mut changed);
    Ok(OrderPlan {
        effect: Effect::Created,
        status_before: None,
        row,
        changed,
    })
}

/// Stores a status that [`crate::orders::rules::transition`] allowed, with the facts it implies.
fn set_status(row: &mut OrderRow, status: &OrderStatus, via: Via, at: i64, first_check: i64) {
    row.status = status.clone();
    row.status_id = status.status_id().or(row.status_id);
    let stage = Stage::of(status);
    if stage == Some(Stage::Succeeded) {
        row.amount_mismatch = None;
        if row.paid_at.is_none() {
            row.paid_at = Some(at);
            row.paid_via = Some(via.as_str().to_owned());
        }
    }
    if stage.is_some_and(Stage::is_terminal) {
        row.terminal_at.get_or_insert(at);
        row.next_check_at = None;
        row.stale_at = None;
    } else if row.next_check_at.is_none() && is_polled(row) {
        row.next_check_at = Some(first_check);
    }
}

/// Whether the reconciler may ask Juspay's Order Status API about the order. Orders paid
/// through JPSL are not Juspay's: asking would only ever answer "not found", so their
/// callbacks alone decide them.
pub fn is_polled(row: &OrderRow) -> bool {
    row.source != JPSL_SOURCE
}

/// The `source` of orders first reported by a JPSL callback.
pub const JPSL_SOURCE: &str = "jpsl";

/// Copies every detail the report carries over the stored one; a missing detail (Juspay
/// omits or filters fields, §14) never erases what we know.
fn merge_details(row: &mut OrderRow, report: &OrderReport, changed: &mut Vec<&'static str>) {
    let texts: [(&mut Option<String>, &Option<String>, &'static str); 21] = [
        (&mut row.juspay_id, &report.juspay_id, "juspay_id"),
        (&mut row.customer_id, &report.customer_id, "customer_id"),
        (
            &mut row.customer_email,
            &report.customer_email,
            "customer_email",
        ),
        (
            &mut row.customer_phone,
            &report.customer_phone,
            "customer_phone",
        ),
        (&mut row.description, &report.description, "description"),
        (&mut row.payment_link, &report.payment_link, "payment_link"),
        (
            &mut row.payment_method_type,
            &report.payment_method_type,
            "payment_method_type",
        ),
        (
            &mut row.payment_method,
            &report.payment_method,
            "payment_method",
        ),
        (&mut row.auth_type, &report.auth_type, "auth_type"),
        (&mut row.card_brand, &report.card_brand, "card_brand"),
        (
            &mut row.card_last_four,
            &report.card_last_four,
            "card_last_four",
        ),
        (&mut row.payer_vpa, &report.payer_vpa, "payer_vpa"),
        (&mut row.gateway, &report.gateway, "gateway"),
        (
            &mut row.gateway_reference_id,
            &report.gateway_reference_id,
            "gateway_reference_id",
        ),
        (&mut row.txn_id, &report.txn_id, "txn_id"),
        (&mut row.txn_uuid, &report.txn_uuid, "txn_uuid"),
        (&mut row.epg_txn_id, &report.epg_txn_id, "epg_txn_id"),
        (&mut row.rrn, &report.rrn, "rrn"),
        (&mut row.auth_id_code, &report.auth_id_code, "auth_id_code"),
        (&mut row.error_code, &report.error_code, "error_code"),
        (
            &mut row.error_message,
            &report.error_message,
            "error_message",
        ),
    ];
    for (field, incoming, name) in texts {
        if let Some(value) = incoming.as_ref().filter(|v| is_real_value(v))
            && field.as_deref() != Some(value.as_str())
        {
            *field = Some(value.clone());
            changed.push(name);
        }
    }
    if let Some(gateway_id) = report.gateway_id
        && row.gateway_id != Some(gateway_id)
    {
        row.gateway_id = Some(gateway_id);
        changed.push("gateway_id");
    }
    if let Some(created) = report.juspay_created_at
        && row.juspay_created_at.is_none()
    {
        row.juspay_created_at = Some(created);
        changed.push("juspay_created_at");
    }
    if report.amount_captured.is_some() && report.amount_captured != row.amount_captured {
        row.amount_captured = report.amount_captured;
        changed.push("amount_captured");
    }
    // Juspay's refunded total only grows; a lower figure is an older report.
    if let Some(refunded) = report.amount_refunded
        && refunded > row.amount_refunded
    {
        row.amount_refunded = refunded;
        changed.push("amount_refunded");
    }
    if !report.udfs.is_empty() {
        let mut udfs: BTreeMap<String, String> =
            serde_json::from_str(&row.udfs).unwrap_or_default();
        let before = udfs.clone();
        udfs.extend(report.udfs.clone());
        if udfs != before {
            row.udfs = serde_json::to_string(&udfs).unwrap_or_else(|_| "{}".to_owned());
            changed.push("udfs");
        }
    }
}

/// What a partial capture collected: Juspay's largest refund still possible plus what was
/// refunded (the order object carries no captured total; §5.3). `None` unless the order is
/// `PARTIAL_CHARGED` and says so.
fn captured_of(order: &Order, currency: Option<&str>) -> Result<Option<i64>, UnreadableField> {
    if order.resolved_status() != Some(OrderStatus::PartialCharged) {
        return Ok(None);
    }
    let eligible = minor_units(
        order.maximum_eligible_refund_amount,
        currency,
        "maximum_eligible_refund_amount",
    )?;
    let refunded = minor_units(order.amount_refunded, currency, "amount_refunded")?;
    Ok(eligible.map(|e| e + refunded.unwrap_or(0)))
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;

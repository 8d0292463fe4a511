//! What Juspay reported about an order, a refund or a mandate, from whichever source —
//! webhook, status poll, manual sync or an action's response — and the pure decision of
//! what that report does to our stored row: every source changes state through this one path.
//!
//! Invariants: a status only moves as [`crate::order_state`] allows; an order is marked
//! paid only when Juspay's amount and currency equal ours; the amount we hold changes only
//! on creation or through our own action (an update before payment); amounts are minor
//! units. The functions here do no I/O, so the decision is tested exhaustively and a dry
//! run shows exactly what applying would do.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::collections::BTreeMap;

use dashboard_status::{MandateStatus, OrderStatus, Outcome, RefundStatus, Stage};
use juspay::{Mandate, Order, WebhookTxn};
use serde::{Deserialize, Serialize};

use crate::{
    clock::parse_juspay_time,
    order_state::{self, AmountMismatch, IgnoreReason, Transition},
    records::{MandateRow, OrderRow, RefundRow},
};

/// Juspay defaults an order's currency to INR (§4.1).
const DEFAULT_CURRENCY: &str = "INR";

/// How a report reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Via {
    Webhook,
    Poll,
    Sync,
    Action,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Poll => "poll",
            Self::Sync => "sync",
            Self::Action => "action",
        }
    }
}

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
}

impl OrderReport {
    /// Reads an order object (§4.3), from a webhook or an API answer alike. `None` when the
    /// object names no order id.
    pub fn from_order(order: &Order) -> Option<Self> {
        let order_id = non_blank(order.order_id.as_ref())?;
        let txn = order.txn_detail.as_ref();
        let pgr = order.payment_gateway_response.as_ref();
        let currency = order.currency.clone();
        let refunds = order
            .refunds
            .iter()
            .filter_map(|refund| RefundReport::from_refund(refund, &order_id, currency.as_deref()))
            .collect();
        Some(Self {
            source: None,
            juspay_id: order.id.clone(),
            status: order.resolved_status(),
            amount: order.amount.map(juspay::Amount::minor_units),
            currency,
            amount_refunded: order.amount_refunded.map(juspay::Amount::minor_units),
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
            mandate: order
                .mandate
                .as_ref()
                .and_then(|m| MandateReport::from_mandate(m, Some(&order_id))),
            order_id,
        })
    }

    /// Reads the `content.txn` of TXN_CHARGED / TXN_FAILED (§9.1): a status report for the
    /// order the transaction belongs to, whose amount is the transaction's.
    pub fn from_txn(txn: &WebhookTxn) -> Option<Self> {
        Some(Self {
            order_id: non_blank(txn.order_id.as_ref())?,
            status: txn.status.clone(),
            amount: txn.txn_amount.map(juspay::Amount::minor_units),
            currency: txn.currency.clone(),
            txn_id: txn.txn_id.clone(),
            txn_uuid: txn.txn_uuid.clone(),
            error_code: txn.error_code.clone(),
            error_message: txn.error_message.clone(),
            payment_method_type: txn.payment_method_type.clone(),
            payment_method: txn.payment_method.clone(),
            ..Self::default()
        })
    }
}

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
    fn from_refund(
        refund: &juspay::Refund,
        order_id: &str,
        currency: Option<&str>,
    ) -> Option<Self> {
        // `id` is often equal to `unique_request_id` (§6.3); one of them names the refund.
        let key = non_blank(refund.unique_request_id.as_ref())
            .or_else(|| non_blank(refund.id.as_ref()))?;
        Some(Self {
            unique_request_id: key,
            order_id: order_id.to_owned(),
            juspay_refund_id: refund.id.clone(),
            reference: refund.reference.clone(),
            arn: refund.arn.clone(),
            amount: refund.amount.map(juspay::Amount::minor_units),
            currency: currency.unwrap_or(DEFAULT_CURRENCY).to_owned(),
            status: refund.status.clone(),
            error_code: refund.error_code.clone(),
            error_message: refund.error_message.clone(),
            initiated_by: refund.initiated_by.clone(),
            created_at: refund.created.as_deref().and_then(parse_juspay_time),
        })
    }
}

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
    pub fn from_mandate(mandate: &Mandate, order_id: Option<&str>) -> Option<Self> {
        let info = mandate.payment_info.as_ref();
        let info_text = |key: &str| {
            info.and_then(|i| i.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        Some(Self {
            mandate_id: non_blank(mandate.mandate_id.as_ref())?,
            order_id: mandate
                .order_id
                .clone()
                .or_else(|| order_id.map(str::to_owned)),
            customer_id: mandate.customer_id.clone(),
            status: mandate.resolved_status().cloned(),
            mandate_type: mandate.mandate_type.clone(),
            frequency: mandate.frequency.clone(),
            amount_rule: mandate.amount_rule.as_ref().map(|r| r.as_str().to_owned()),
            max_amount: mandate.max_amount.map(juspay::Amount::minor_units),
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
        })
    }
}

/// What a report does to a stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The row did not exist and was created from the report.
    Created,
    /// The report changed the row.
    Applied,
    /// The report confirms what we hold; nothing but the confirmation time changes.
    Unchanged,
    /// The report's status is not applied (late, contradictory or unknown after an outcome).
    Ignored(IgnoreReason),
    /// Juspay reported a payment whose amount or currency differs from ours: flagged, the
    /// order is not marked paid.
    AmountMismatch(AmountMismatch),
}

impl Effect {
    /// The outcome stored on webhook events and timeline entries.
    pub fn outcome(&self) -> Outcome {
        match self {
            Self::Created => Outcome::Created,
            Self::Applied => Outcome::Applied,
            Self::Unchanged => Outcome::Duplicate,
            Self::Ignored(_) => Outcome::Stale,
            Self::AmountMismatch(_) => Outcome::AmountMismatch,
        }
    }

    /// A sentence for people, or `None` when the outcome says it all.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Ignored(IgnoreReason::Stale) => {
                Some("an earlier status than the one we hold (arrived late)".to_owned())
            }
            Self::Ignored(IgnoreReason::Conflicting) => {
                Some("contradicts the outcome we hold; kept ours".to_owned())
            }
            Self::Ignored(IgnoreReason::Unknown) => {
                Some("unknown status after an outcome; kept ours".to_owned())
            }
            Self::AmountMismatch(mismatch) => Some(mismatch.to_string()),
            _ => None,
        }
    }
}

/// Why a report cannot be applied at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("the order is not known here and the report carries no amount to create it with")]
    UnknownOrderWithoutAmount,
    #[error("the order is not known here and the report carries no status")]
    UnknownOrderWithoutStatus,
    #[error("the refund is not known here and the report carries no amount or status")]
    IncompleteRefund,
    #[error("the mandate is not known here and the report carries no status")]
    UnknownMandateWithoutStatus,
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
        order_state::transition(&current_status, incoming)
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
            order_state::check_amount(row.amount, &row.currency, amount, report_currency)
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

/// Stores a status that [`order_state::transition`] allowed, with the facts it implies.
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
    } else if row.next_check_at.is_none() {
        row.next_check_at = Some(first_check);
    }
}

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
        order_state::refund_transition(&current.status, incoming)
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
        order_state::mandate_transition(
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

fn set<T: PartialEq>(field: &mut T, value: T, name: &'static str, changed: &mut Vec<&'static str>) {
    if *field != value {
        *field = value;
        changed.push(name);
    }
}

/// Juspay masks some fields with `"FILTERED"` (§9.1); such a value is not information.
fn is_real_value(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty() && value != "FILTERED"
}

fn non_blank(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Mandate dates are epoch seconds as text (§7); stored as epoch milliseconds.
fn epoch_seconds_text(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok()?.checked_mul(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(status: OrderStatus, amount: i64) -> OrderReport {
        OrderReport {
            order_id: "ord_1".into(),
            status: Some(status),
            amount: Some(amount),
            currency: Some("INR".into()),
            ..OrderReport::default()
        }
    }

    fn stored(status: OrderStatus, amount: i64) -> OrderRow {
        plan_order(None, &report(status, amount), Via::Webhook, 1_000, 60_000)
            .unwrap()
            .row
    }

    #[test]
    fn an_unknown_order_is_created_from_the_report_and_scheduled_for_a_check() {
        let plan = plan_order(
            None,
            &report(OrderStatus::PendingVbv, 10_000),
            Via::Webhook,
            5,
            60_000,
        )
        .unwrap();
        assert_eq!(plan.effect, Effect::Created);
        assert_eq!(plan.row.status, OrderStatus::PendingVbv);
        assert_eq!(plan.row.status_id, Some(23));
        assert_eq!(plan.row.amount, 10_000);
        assert_eq!(plan.row.next_check_at, Some(5 + 60_000));
        assert_eq!(plan.row.paid_at, None);
    }

    #[test]
    fn an_unknown_order_without_an_amount_or_status_is_not_created() {
        let mut thin = report(OrderStatus::Charged, 1);
        thin.amount = None;
        assert_eq!(
            plan_order(None, &thin, Via::Webhook, 1, 60_000),
            Err(ReportError::UnknownOrderWithoutAmount)
        );
        thin.amount = Some(1);
        thin.status = None;
        assert_eq!(
            plan_order(None, &thin, Via::Webhook, 1, 60_000),
            Err(ReportError::UnknownOrderWithoutStatus)
        );
    }

    #[test]
    fn a_payment_of_our_amount_marks_the_order_paid_and_remembers_how_we_learned_it() {
        let current = stored(OrderStatus::New, 25_000);
        let plan = plan_order(
            Some(&current),
            &report(OrderStatus::Charged, 25_000),
            Via::Poll,
            9,
            60_000,
        )
        .unwrap();
        assert_eq!(plan.effect, Effect::Applied);
        assert_eq!(plan.status_before, Some(OrderStatus::New));
        assert_eq!(plan.row.status, OrderStatus::Charged);
        assert_eq!(plan.row.paid_at, Some(9));
        assert_eq!(plan.row.paid_via.as_deref(), Some("poll"));
        assert_eq!(plan.row.terminal_at, Some(9));
        assert_eq!(
            plan.row.next_check_at, None,
            "a settled order needs no more polling"
        );
        assert_eq!(plan.row.confirmed_via.as_deref(), Some("poll"));
    }

    #[test]
    fn a_payment_of_another_amount_or_currency_is_flagged_and_not_marked_paid() {
        let current = stored(OrderStatus::PendingVbv, 25_000);
        let plan = plan_order(
            Some(&current),
            &report(OrderStatus::Charged, 2500),
            Via::Webhook,
            9,
            60_000,
        )
        .unwrap();
        assert!(matches!(
            plan.effect,
            Effect::AmountMismatch(AmountMismatch::Amount { .. })
        ));
        assert_eq!(plan.row.status, OrderStatus::PendingVbv);
        assert_eq!(plan.row.paid_at, None);
        assert!(
            plan.row
                .amount_mismatch
                .as_deref()
                .unwrap()
                .contains("2500")
        );

        let mut dollars = report(OrderStatus::Charged, 25_000);
        dollars.currency = Some("USD".into());
        let plan = plan_order(Some(&current), &dollars, Via::Webhook, 9, 60_000).unwrap();
        assert!(matches!(
            plan.effect,
            Effect::AmountMismatch(AmountMismatch::Currency { .. })
        ));
        assert_eq!(plan.row.status, OrderStatus::PendingVbv);
    }

    #[test]
    fn a_late_attempt_report_after_a_payment_is_stale_and_changes_nothing() {
        let current = stored(OrderStatus::Charged, 10_000);
        let plan = plan_order(
            Some(&current),
            &report(OrderStatus::PendingVbv, 10_000),
            Via::Webhook,
            9,
            60_000,
        )
        .unwrap();
        assert_eq!(plan.effect, Effect::Ignored(IgnoreReason::Stale));
        assert_eq!(plan.row, current);
    }

    #[test]
    fn a_repeated_report_only_confirms_what_we_hold() {
        let current = stored(OrderStatus::Charged, 10_000);
        let plan = plan_order(
            Some(&current),
            &report(OrderStatus::Charged, 10_000),
            Via::Sync,
            9,
            60_000,
        )
        .unwrap();
        assert_eq!(plan.effect, Effect::Unchanged);
        assert_eq!(plan.row.status, current.status);
        assert_eq!(plan.row.updated_at, current.updated_at);
        assert_eq!(plan.row.confirmed_at, Some(9));
        assert_eq!(plan.row.confirmed_via.as_deref(), Some("sync"));
    }

    #[test]
    fn missing_or_filtered_details_never_erase_known_ones() {
        let mut first = report(OrderStatus::PendingVbv, 10_000);
        first.customer_email = Some("a@example.com".into());
        first.udfs = BTreeMap::from([("udf1".to_owned(), "gold".to_owned())]);
        let current = plan_order(None, &first, Via::Webhook, 1, 60_000)
            .unwrap()
            .row;
        let mut second = report(OrderStatus::Charged, 10_000);
        second.customer_email = Some("FILTERED".into());
        second.udfs = BTreeMap::from([("udf2".to_owned(), "web".to_owned())]);
        let plan = plan_order(Some(&current), &second, Via::Webhook, 2, 60_000).unwrap();
        assert_eq!(plan.row.customer_email.as_deref(), Some("a@example.com"));
        assert_eq!(plan.row.udfs, r#"{"udf1":"gold","udf2":"web"}"#);
        assert_eq!(plan.changed, ["status", "udfs"]);
    }

    #[test]
    fn only_our_own_action_changes_the_amount_we_hold() {
        let current = stored(OrderStatus::New, 10_000);
        let by_webhook = plan_order(
            Some(&current),
            &report(OrderStatus::New, 9000),
            Via::Webhook,
            2,
            60_000,
        )
        .unwrap();
        assert_eq!(by_webhook.row.amount, 10_000);
        let by_update = plan_order(
            Some(&current),
            &report(OrderStatus::New, 9000),
            Via::Action,
            2,
            60_000,
        )
        .unwrap();
        assert_eq!(by_update.row.amount, 9000);
        assert_eq!(by_update.effect, Effect::Applied);
    }

    #[test]
    fn the_refunded_total_only_grows() {
        let mut current = stored(OrderStatus::Charged, 10_000);
        current.amount_refunded = 4000;
        let mut older = report(OrderStatus::Charged, 10_000);
        older.amount_refunded = Some(1000);
        let plan = plan_order(Some(&current), &older, Via::Webhook, 2, 60_000).unwrap();
        assert_eq!(plan.row.amount_refunded, 4000);
    }

    fn refund(status: RefundStatus) -> RefundReport {
        RefundReport {
            unique_request_id: "rf_1".into(),
            order_id: "ord_1".into(),
            amount: Some(3000),
            currency: "INR".into(),
            status: Some(status),
            ..RefundReport::default()
        }
    }

    #[test]
    fn a_refund_moves_forward_but_never_back() {
        let created = plan_refund(None, &refund(RefundStatus::Pending), Via::Webhook, 1).unwrap();
        assert_eq!(created.effect, Effect::Created);
        let done = plan_refund(
            Some(&created.row),
            &refund(RefundStatus::Success),
            Via::Webhook,
            2,
        )
        .unwrap();
        assert_eq!(done.effect, Effect::Applied);
        assert_eq!(done.row.status, RefundStatus::Success);
        let late = plan_refund(
            Some(&done.row),
            &refund(RefundStatus::Pending),
            Via::Webhook,
            3,
        )
        .unwrap();
        assert_eq!(late.effect, Effect::Ignored(IgnoreReason::Stale));
        assert_eq!(late.row.status, RefundStatus::Success);
    }

    #[test]
    fn a_mandate_report_older_than_the_stored_status_is_stale() {
        let report = |status| MandateReport {
            mandate_id: "m_1".into(),
            status: Some(status),
            ..MandateReport::default()
        };
        let active = plan_mandate(
            None,
            &report(MandateStatus::Active),
            Some(100),
            Via::Webhook,
            1,
        )
        .unwrap();
        let paused = plan_mandate(
            Some(&active.row),
            &report(MandateStatus::Paused),
            Some(200),
            Via::Webhook,
            2,
        )
        .unwrap();
        assert_eq!(paused.row.status, MandateStatus::Paused);
        let late = plan_mandate(
            Some(&paused.row),
            &report(MandateStatus::Active),
            Some(150),
            Via::Webhook,
            3,
        )
        .unwrap();
        assert_eq!(late.effect, Effect::Ignored(IgnoreReason::Stale));
        assert_eq!(late.row.status, MandateStatus::Paused);
    }

    #[test]
    fn an_order_object_is_read_with_its_udfs_refunds_and_references() {
        let raw = serde_json::json!({
            "order_id": "ord_9", "id": "ordeh_1", "status": "CHARGED", "amount": "10.50",
            "currency": "INR", "udf1": "vip", "udf2": 7, "udf3": "FILTERED",
            "txn_detail": {"txn_id": "m-ord_9-1", "gateway_id": 19},
            "payment_gateway_response": {"rrn": "rrn-1", "epg_txn_id": "epg-1"},
            "refunds": [{"unique_request_id": "r1", "amount": 5.0, "status": "PENDING"}, {"amount": 1}]
        });
        let order: Order = serde_json::from_value(raw).unwrap();
        let report = OrderReport::from_order(&order).unwrap();
        assert_eq!(report.amount, Some(1050));
        assert_eq!(report.txn_id.as_deref(), Some("m-ord_9-1"));
        assert_eq!(report.gateway_id, Some(19));
        assert_eq!(report.rrn.as_deref(), Some("rrn-1"));
        assert_eq!(
            report.udfs.len(),
            2,
            "FILTERED is not a value: {:?}",
            report.udfs
        );
        assert_eq!(
            report.refunds.len(),
            1,
            "a refund with no id cannot be tracked"
        );
        assert_eq!(report.refunds[0].amount, Some(500));
    }
}

//! Which events a change makes, and what they say: small, versioned JSON documents for the
//! merchant's own systems (docs/outbound.md).
//!
//! Invariants: an event is derived only from a change of state this product stored (a
//! status that moved, a refunded total that grew), never from a report that changed
//! nothing, so a repeated or late report emits nothing; a payload carries ids, minor-unit
//! amounts with their currency, statuses, times and the order's udfs, never Juspay's raw
//! body, customer contact details or secrets.

use dashboard_status::{MandateStatus, OrderStatus, RefundStatus, Stage};
use serde_json::{Value, json};

use crate::{
    disputes::model::DisputeRow, mandates::model::MandateRow, money::format_decimal,
    orders::model::OrderRow, refunds::model::RefundRow,
};

/// The payload format's version, in every payload as `data.version`.
pub const PAYLOAD_VERSION: u32 = 1;

/// Every event type, for the endpoint form's choices and the documentation.
pub const EVENT_TYPES: [&str; 21] = [
    "order.paid",
    "order.failed",
    "order.pending",
    "order.authorized",
    "order.voided",
    "order.refunded",
    "refund.succeeded",
    "refund.failed",
    "refund.manual_review",
    "mandate.activated",
    "mandate.paused",
    "mandate.resumed",
    "mandate.revoked",
    "mandate.expired",
    "mandate.failed",
    "mandate.debit.succeeded",
    "mandate.debit.failed",
    "dispute.opened",
    "dispute.updated",
    "dispute.closed",
    "test.ping",
];

/// One event to write: its type, what it is about (its events keep their order) and its
/// payload's `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event_type: &'static str,
    pub subject: String,
    pub data: Value,
}

/// The events an order's change makes: its new status's (when the status moved into
/// another meaning) and `order.refunded` when its refunded total grew.
pub fn order_events(before: Option<&OrderRow>, after: &OrderRow) -> Vec<NewEvent> {
    let mut events = Vec::new();
    let status_before = before.map(|b| &b.status);
    if status_before != Some(&after.status)
        && let Some(event_type) = order_event_type(&after.status)
        && status_before.and_then(order_event_type) != Some(event_type)
    {
        events.push(NewEvent {
            event_type,
            subject: order_subject(&after.order_id),
            data: order_data(after),
        });
    }
    let refunded_before = before.map_or(0, |b| b.amount_refunded);
    if after.amount_refunded > refunded_before {
        let mut data = order_data(after);
        data["refund"] = json!({
            "amount": money(after.amount_refunded - refunded_before, &after.currency),
            "full": after.amount_refunded >= after.amount,
        });
        events.push(NewEvent {
            event_type: "order.refunded",
            subject: order_subject(&after.order_id),
            data,
        });
    }
    events
}

/// The event a status means to the merchant's systems; `None` for statuses they need not
/// act on (created, new, unknown).
fn order_event_type(status: &OrderStatus) -> Option<&'static str> {
    if matches!(status, OrderStatus::Authorized) {
        return Some("order.authorized");
    }
    if matches!(status, OrderStatus::Voided) {
        return Some("order.voided");
    }
    if status.is_paid() {
        return Some("order.paid");
    }
    if status.is_failure() {
        return Some("order.failed");
    }
    match status.stage() {
        Some(Stage::Attempting) => Some("order.pending"),
        _ => None,
    }
}

/// The event of a refund whose status moved to an outcome (or to manual review).
pub fn refund_events(before: Option<&RefundRow>, after: &RefundRow) -> Vec<NewEvent> {
    if before.map(|b| &b.status) == Some(&after.status) {
        return Vec::new();
    }
    let event_type = match after.status {
        RefundStatus::Success => "refund.succeeded",
        RefundStatus::Failure => "refund.failed",
        RefundStatus::ManualReview => "refund.manual_review",
        RefundStatus::Pending | RefundStatus::Other(_) => return Vec::new(),
    };
    vec![NewEvent {
        event_type,
        // A refund belongs to its order: an endpoint sees order.paid before it.
        subject: order_subject(&after.order_id),
        data: json!({
            "version": PAYLOAD_VERSION,
            "object": "refund",
            "unique_request_id": after.unique_request_id,
            "order_id": after.order_id,
            "status": after.status.as_str(),
            "amount": money(after.amount, &after.currency),
            "arn": after.arn,
            "started_by": if after.requested_by.is_some() { "staff" } else { "juspay" },
            "updated_at": iso(after.updated_at),
            "links": { "order": format!("/orders/{}", after.order_id) },
        }),
    }]
}

/// The event of a mandate debit (an order executed against `mandate_id`) that reached an
/// outcome, told from the debit order's own events.
pub fn debit_events(
    mandate_id: &str,
    order_events: &[NewEvent],
    order: &OrderRow,
) -> Vec<NewEvent> {
    let event_type = match order_events
        .iter()
        .map(|e| e.event_type)
        .find(|t| matches!(*t, "order.paid" | "order.failed"))
    {
        Some("order.paid") => "mandate.debit.succeeded",
        Some(_) => "mandate.debit.failed",
        None => return Vec::new(),
    };
    vec![NewEvent {
        event_type,
        subject: format!("mandate:{mandate_id}"),
        data: json!({
            "version": PAYLOAD_VERSION,
            "object": "mandate_debit",
            "mandate_id": mandate_id,
            "order_id": order.order_id,
            "status": order.status.as_str(),
            "amount": money(order.amount, &order.currency),
            "updated_at": iso(order.updated_at),
            "links": {
                "mandate": format!("/mandates/{mandate_id}"),
                "order": format!("/orders/{}", order.order_id),
            },
        }),
    }]
}

/// The event of a dispute that was opened, moved or ended. Its subject is its order, so an
/// endpoint sees `order.paid` before `dispute.opened`.
pub fn dispute_events(before: Option<&DisputeRow>, after: &DisputeRow) -> Vec<NewEvent> {
    if before.is_some_and(|b| b.status == after.status) {
        return Vec::new();
    }
    let event_type = match (before, after.status.is_final()) {
        (_, true) => "dispute.closed",
        (None, false) => "dispute.opened",
        (Some(_), false) => "dispute.updated",
    };
    let currency = after
        .currency
        .as_deref()
        .unwrap_or(juspay::DEFAULT_CURRENCY);
    vec![NewEvent {
        event_type,
        subject: after
            .order_id
            .as_deref()
            .map_or_else(|| format!("dispute:{}", after.dispute_id), order_subject),
        data: json!({
            "version": PAYLOAD_VERSION,
            "object": "dispute",
            "dispute_id": after.dispute_id,
            "order_id": after.order_id,
            "status": after.status.as_str(),
            "stage": after.stage.as_str(),
            "lost": after.status.is_lost(),
            "amount": after.amount.map(|a| money(a, currency)),
            "reason": after.reason,
            "respond_by": after.respond_by.map(iso),
            "resolved_at": after.resolved_at.map(iso),
            "updated_at": iso(after.updated_at),
            "links": after.order_id.as_ref().map(|o| json!({ "order": format!("/orders/{o}") })),
        }),
    }]
}

/// The event of a mandate whose status moved.
pub fn mandate_events(before: Option<&MandateRow>, after: &MandateRow) -> Vec<NewEvent> {
    let status_before = before.map(|b| &b.status);
    if status_before == Some(&after.status) {
        return Vec::new();
    }
    let event_type = match after.status {
        MandateStatus::Active if status_before == Some(&MandateStatus::Paused) => "mandate.resumed",
        MandateStatus::Active => "mandate.activated",
        MandateStatus::Paused => "mandate.paused",
        MandateStatus::Revoked => "mandate.revoked",
        MandateStatus::Expired => "mandate.expired",
        MandateStatus::Failure => "mandate.failed",
        MandateStatus::Created | MandateStatus::Other(_) => return Vec::new(),
    };
    let currency = after
        .currency
        .as_deref()
        .unwrap_or(juspay::DEFAULT_CURRENCY);
    vec![NewEvent {
        event_type,
        subject: format!("mandate:{}", after.mandate_id),
        data: json!({
            "version": PAYLOAD_VERSION,
            "object": "mandate",
            "mandate_id": after.mandate_id,
            "order_id": after.order_id,
            "customer_id": after.customer_id,
            "status": after.status.as_str(),
            "max_amount": after.max_amount.map(|a| money(a, currency)),
            "updated_at": iso(after.updated_at),
            "links": { "mandate": format!("/mandates/{}", after.mandate_id) },
        }),
    }]
}

/// The order as the merchant's systems read it: the same document the order read API
/// answers with.
pub fn order_data(order: &OrderRow) -> Value {
    let udfs: Value = serde_json::from_str(&order.udfs).unwrap_or_else(|_| json!({}));
    json!({
        "version": PAYLOAD_VERSION,
        "object": "order",
        "order_id": order.order_id,
        "juspay_id": order.juspay_id,
        "source": order.source,
        "status": order.status.as_str(),
        "paid": order.status.is_paid(),
        "amount": money(order.amount, &order.currency),
        "amount_refunded": money(order.amount_refunded, &order.currency),
        "customer_id": order.customer_id,
        "payment_method_type": order.payment_method_type,
        "payment_method": order.payment_method,
        "udfs": udfs,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "paid_at": order.paid_at.map(iso),
        "links": { "order": format!("/orders/{}", order.order_id) },
    })
}

/// The test event an admin sends to check an endpoint.
pub fn test_event() -> NewEvent {
    NewEvent {
        event_type: "test.ping",
        subject: "test".to_owned(),
        data: json!({
            "version": PAYLOAD_VERSION,
            "object": "test",
            "message": "A test event from the merchant dashboard.",
        }),
    }
}

fn order_subject(order_id: &str) -> String {
    format!("order:{order_id}")
}

/// Money as it travels out: minor units, the currency, and the decimal for people.
fn money(minor: i64, currency: &str) -> Value {
    json!({ "minor": minor, "currency": currency, "decimal": format_decimal(minor, currency) })
}

/// Epoch milliseconds as RFC 3339 UTC.
pub(crate) fn iso(millis: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(status: OrderStatus, refunded: i64) -> OrderRow {
        OrderRow {
            order_id: "ord_1".into(),
            status,
            amount: 10_000,
            currency: "INR".into(),
            amount_refunded: refunded,
            udfs: r#"{"udf1":"vip"}"#.into(),
            customer_email: Some("a@example.com".into()),
            ..OrderRow::default()
        }
    }

    fn types(events: &[NewEvent]) -> Vec<&str> {
        events.iter().map(|e| e.event_type).collect()
    }

    #[test]
    fn a_payment_a_failure_and_a_refund_each_make_their_event_and_a_repeat_makes_none() {
        let pending = order(OrderStatus::PendingVbv, 0);
        let paid = order(OrderStatus::Charged, 0);
        assert_eq!(types(&order_events(None, &pending)), ["order.pending"]);
        assert_eq!(types(&order_events(Some(&pending), &paid)), ["order.paid"]);
        assert!(
            order_events(Some(&paid), &paid).is_empty(),
            "nothing changed"
        );
        let partly = order(OrderStatus::Charged, 2_500);
        let events = order_events(Some(&paid), &partly);
        assert_eq!(types(&events), ["order.refunded"]);
        assert_eq!(events[0].data["refund"]["amount"]["minor"], 2_500);
        assert_eq!(events[0].data["refund"]["full"], false);
        let failed = order(OrderStatus::AuthorizationFailed, 0);
        assert_eq!(
            types(&order_events(Some(&pending), &failed)),
            ["order.failed"]
        );
        assert_eq!(
            types(&order_events(None, &order(OrderStatus::New, 0))),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn a_payload_carries_ids_amounts_and_udfs_but_no_contact_details() {
        let data = order_data(&order(OrderStatus::Charged, 0));
        assert_eq!(
            data["amount"],
            json!({"minor": 10_000, "currency": "INR", "decimal": "100.00"})
        );
        assert_eq!(data["udfs"]["udf1"], "vip");
        assert_eq!(data["version"], PAYLOAD_VERSION);
        assert!(!data.to_string().contains("a@example.com"));
    }

    #[test]
    fn refunds_and_mandates_make_events_only_when_their_status_moves() {
        let refund = |status| RefundRow {
            unique_request_id: "r1".into(),
            order_id: "ord_1".into(),
            status,
            currency: "INR".into(),
            ..RefundRow::default()
        };
        let pending = refund(RefundStatus::Pending);
        assert!(refund_events(None, &pending).is_empty());
        let done = refund(RefundStatus::Success);
        assert_eq!(
            types(&refund_events(Some(&pending), &done)),
            ["refund.succeeded"]
        );
        assert!(refund_events(Some(&done), &done).is_empty());
        let mandate = |status| MandateRow {
            mandate_id: "m1".into(),
            status,
            ..MandateRow::default()
        };
        let active = mandate(MandateStatus::Active);
        let paused = mandate(MandateStatus::Paused);
        assert_eq!(types(&mandate_events(None, &active)), ["mandate.activated"]);
        assert_eq!(
            types(&mandate_events(Some(&active), &paused)),
            ["mandate.paused"]
        );
        assert_eq!(
            types(&mandate_events(Some(&paused), &active)),
            ["mandate.resumed"]
        );
    }
}

//! The snapshot decisions, exhaustively: creation, transitions, amount checks, merges.

use std::collections::BTreeMap;

use dashboard_status::{MandateStatus, OrderStatus, RefundStatus};
use juspay::Order;

use super::*;
use crate::{
    mandates::snapshot::{MandateReport, plan_mandate},
    orders::model::OrderRow,
    refunds::snapshot::{RefundReport, plan_refund},
    reports::{AmountMismatch, Effect, IgnoreReason, Via},
};

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
fn amounts_are_read_in_minor_units_of_the_orders_currency_and_an_unreadable_one_is_named() {
    let read = |raw: serde_json::Value| {
        let order: Order = serde_json::from_value(raw).unwrap();
        OrderReport::from_order(&order).map(|r| r.unwrap())
    };
    let yen = read(
        serde_json::json!({"order_id": "o", "amount": 500, "currency": "JPY",
        "refunds": [{"unique_request_id": "r1", "amount": "200", "status": "SUCCESS"}]}),
    )
    .unwrap();
    assert_eq!((yen.amount, yen.refunds[0].amount), (Some(500), Some(200)));
    let dinar = read(serde_json::json!({"order_id": "o", "amount": "1.005", "currency": "KWD"}));
    assert_eq!(dinar.unwrap().amount, Some(1005));
    let error = read(
        serde_json::json!({"order_id": "o", "amount": "10", "currency": "KWD",
        "refunds": [{"unique_request_id": "r1", "amount": "0.0051", "status": "PENDING"}]}),
    )
    .unwrap_err();
    assert_eq!(error.field, "refunds.0.amount");
    assert!(error.reason.contains("KWD"), "{error}");
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
    let report = OrderReport::from_order(&order).unwrap().unwrap();
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

#[test]
fn a_pending_jpsl_order_is_not_scheduled_for_polling_at_juspay_and_a_juspay_one_is() {
    let jpsl = OrderReport {
        source: Some(JPSL_SOURCE.to_owned()),
        ..report(OrderStatus::PendingVbv, 10_000)
    };
    let plan = plan_order(None, &jpsl, Via::Webhook, 5, 60_000).unwrap();
    assert_eq!(plan.row.next_check_at, None);
    assert!(!is_polled(&plan.row));
    let juspay = plan_order(
        None,
        &report(OrderStatus::PendingVbv, 10_000),
        Via::Webhook,
        5,
        60_000,
    )
    .unwrap();
    assert_eq!(juspay.row.next_check_at, Some(60_005));
}

#[test]
fn a_mandate_learned_from_its_order_takes_the_orders_customer() {
    let raw = serde_json::json!({
        "order_id": "mreg_1", "status": "CHARGED", "amount": "1.00", "currency": "INR",
        "customer_id": "cust_7",
        "mandate": {"mandate_id": "mdt_1", "mandate_status": "ACTIVE", "max_amount": "500.00"}
    });
    let order: Order = serde_json::from_value(raw).unwrap();
    let report = OrderReport::from_order(&order).unwrap().unwrap();
    let mandate = report.mandate.expect("the mandate block is read");
    assert_eq!(mandate.customer_id.as_deref(), Some("cust_7"));
}

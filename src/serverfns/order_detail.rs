//! The order page assembled from stored rows, without I/O: the facts, the support guide's
//! advice, the production debugging checklist, and one timeline merging every source
//! (first sight, webhooks, reports applied, staff actions) by time.

use dashboard_core::{
    disputes::model::DisputeRow,
    money::format_minor,
    orders::{guide::guide, model::OrderRow, snapshot::is_polled, timeline::OrderEvent},
    refunds::model::RefundRow,
    staff::audit::AuditRecord,
    webhooks::store::WebhookEventRecord,
};

use dashboard_status::{AuthVerdict, OrderGroup, Outcome};

use super::order_view::{CheckItem, DisputeLine, OrderDetail, RefundLine, TimelineEntry};

/// Everything stored about one order, as the order page reads it.
pub struct OrderRecords {
    pub order: OrderRow,
    pub events: Vec<OrderEvent>,
    /// Newest first, as the webhook log lists them.
    pub webhooks: Vec<WebhookEventRecord>,
    pub audit: Vec<AuditRecord>,
    pub refunds: Vec<RefundRow>,
    pub disputes: Vec<DisputeRow>,
}

/// The order page for `records`; `can_act` and `can_update` say what its viewer may do.
pub fn build(
    records: OrderRecords,
    can_act: bool,
    can_update: bool,
    times: &super::Times,
) -> OrderDetail {
    let OrderRecords {
        order,
        events,
        webhooks,
        audit,
        refunds,
        disputes,
    } = records;
    let advice = guide(
        &order.status,
        order.error_code.as_deref(),
        order.error_message.as_deref(),
    );
    let facts = |pairs: &[(&str, Option<String>)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .filter_map(|(k, v)| v.clone().map(|v| ((*k).to_owned(), v)))
            .collect()
    };
    let payment = facts(&[
        (
            "Currency",
            (!juspay::is_known_currency(&order.currency)).then(|| {
                format!(
                    "{} is not an ISO 4217 code: its amounts are read with two decimals",
                    order.currency
                )
            }),
        ),
        (
            "Captured",
            order.amount_captured.map(|captured| {
                format!(
                    "{} of the {} held",
                    format_minor(captured, &order.currency),
                    format_minor(order.amount, &order.currency)
                )
            }),
        ),
        ("Method type", order.payment_method_type.clone()),
        ("Method", order.payment_method.clone()),
        ("Card", card(&order)),
        ("UPI address", order.payer_vpa.clone()),
        ("Authentication", order.auth_type.clone()),
        ("Error code", order.error_code.clone()),
        ("Error message", order.error_message.clone()),
    ]);
    let customer = facts(&[
        ("Customer id", order.customer_id.clone()),
        ("Email", order.customer_email.clone()),
        ("Phone", order.customer_phone.clone()),
        ("Description", order.description.clone()),
    ]);
    let references = facts(&[
        (
            "Source",
            Some(match order.source.as_str() {
                "jpsl" => "JPSL (JioPay / PayPhi)".to_owned(),
                _ => "Juspay".to_owned(),
            }),
        ),
        ("Juspay order id", order.juspay_id.clone()),
        ("Gateway", order.gateway.clone()),
        ("Gateway id", order.gateway_id.map(|g| g.to_string())),
        ("Gateway reference", order.gateway_reference_id.clone()),
        ("Transaction id", order.txn_id.clone()),
        ("Transaction uuid", order.txn_uuid.clone()),
        ("Gateway transaction id", order.epg_txn_id.clone()),
        ("RRN", order.rrn.clone()),
        ("Auth code", order.auth_id_code.clone()),
        (
            "Created at Juspay",
            order.juspay_created_at.map(|at| times.text(at)),
        ),
        ("First seen here", Some(times.text(order.created_at))),
    ]);
    let udfs = serde_json::from_str::<std::collections::BTreeMap<String, String>>(&order.udfs)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let checklist = checklist(&order, &webhooks, times);
    let timeline = timeline(&order, &events, &webhooks, &audit, times);
    let refunds = refunds
        .into_iter()
        .map(|r| RefundLine {
            amount: format_minor(r.amount, &r.currency),
            created: times.text(r.created_at),
            started_by: r.started_by(),
            arn: r.arn.clone(),
            status: r.status,
            unique_request_id: r.unique_request_id,
        })
        .collect();
    let disputes = disputes
        .into_iter()
        .map(|d| DisputeLine {
            amount: d
                .amount
                .map(|a| format_minor(a, d.currency.as_deref().unwrap_or(&order.currency)))
                .unwrap_or_default(),
            respond_by: d.respond_by.map(|at| times.text(at)),
            status: d.status,
            decision: d.decision,
            dispute_id: d.dispute_id,
        })
        .collect();
    OrderDetail {
        disputes,
        group: OrderGroup::of(&order.status, order.amount_refunded, order.amount),
        meaning: advice.meaning,
        action: advice.action,
        amount: format_minor(order.amount, &order.currency),
        refunded: format_minor(order.amount_refunded, &order.currency),
        payment,
        customer,
        references,
        udfs,
        amount_mismatch: order.amount_mismatch.clone(),
        // Only a web address is offered: a stored `javascript:` or `data:` value
        // would run in the dashboard's origin when clicked.
        payment_link: order
            .payment_link
            .clone()
            .filter(|href| is_web_address(href)),
        checklist,
        timeline,
        refunds,
        can_act,
        can_update,
        refund_form: None,
        capture_form: None,
        status: order.status,
        order_id: order.order_id,
    }
}

fn card(order: &OrderRow) -> Option<String> {
    match (&order.card_brand, &order.card_last_four) {
        (None, None) => None,
        (brand, last4) => Some(format!(
            "{} •••• {}",
            brand.as_deref().unwrap_or("card"),
            last4.as_deref().unwrap_or("????")
        )),
    }
}

/// The production debugging checklist, answered from what we hold.
fn checklist(
    order: &OrderRow,
    webhooks: &[WebhookEventRecord],
    times: &super::Times,
) -> Vec<CheckItem> {
    let accepted: Vec<_> = webhooks
        .iter()
        .filter(|w| w.auth_verdict == AuthVerdict::Valid)
        .collect();
    let pending = accepted
        .iter()
        .filter(|w| w.outcome == Outcome::Pending)
        .count();
    let failed = accepted
        .iter()
        .filter(|w| w.outcome.needs_attention())
        .count();
    let confirmed = match (order.confirmed_at, order.confirmed_via.as_deref()) {
        (Some(at), Some(via)) => format!("{} via {via}", times.text(at)),
        _ => "never".to_owned(),
    };
    vec![
        CheckItem {
            question: "Juspay's status (last confirmed)".to_owned(),
            answer: format!("{} — {confirmed}; press Sync to ask again", order.status),
            ok: None,
        },
        CheckItem {
            question: "Webhook received?".to_owned(),
            answer: match accepted.last() {
                Some(first) => format!(
                    "yes, {} accepted (first {})",
                    accepted.len(),
                    times.text(first.received_at)
                ),
                None => "no webhook has named this order".to_owned(),
            },
            ok: Some(!accepted.is_empty()),
        },
        CheckItem {
            question: "Processed?".to_owned(),
            answer: match (pending, failed) {
                (0, 0) => "yes, every accepted webhook".to_owned(),
                (p, f) => format!("{p} waiting, {f} failed or invalid"),
            },
            ok: Some(pending == 0 && failed == 0),
        },
        CheckItem {
            question: "Our state".to_owned(),
            answer: match (order.paid_at, order.paid_via.as_deref()) {
                (Some(at), Some(via)) => {
                    format!("paid — learned {} via {via}", times.text(at))
                }
                _ => format!("not paid ({})", order.status),
            },
            ok: None,
        },
        CheckItem {
            question: "Amounts match?".to_owned(),
            answer: order
                .amount_mismatch
                .clone()
                .unwrap_or_else(|| "yes".to_owned()),
            ok: Some(order.amount_mismatch.is_none()),
        },
        CheckItem {
            question: "Still being checked?".to_owned(),
            answer: match (order.stale_at, order.next_check_at) {
                (Some(at), _) => format!("stale since {}: polling stopped", times.text(at)),
                (None, Some(at)) => format!("next poll {}", times.text(at)),
                (None, None) if order.terminal_at.is_none() && !is_polled(order) => {
                    "no: a JPSL payment is decided by its callback, not by polling Juspay"
                        .to_owned()
                }
                (None, None) => "no: the outcome is final".to_owned(),
            },
            ok: Some(order.stale_at.is_none()),
        },
    ]
}

/// Every source in one list, oldest first: first sight, webhooks received, each
/// report applied (webhook, poll, sync, action) and staff actions.
fn timeline(
    order: &OrderRow,
    events: &[OrderEvent],
    webhooks: &[WebhookEventRecord],
    audit: &[AuditRecord],
    times: &super::Times,
) -> Vec<TimelineEntry> {
    let mut entries: Vec<(i64, u8, TimelineEntry)> = vec![(
        order.created_at,
        0,
        TimelineEntry {
            at: String::new(),
            kind: "created".to_owned(),
            title: "First seen by this dashboard".to_owned(),
            detail: order
                .juspay_created_at
                .map(|at| format!("created at Juspay {}", times.text(at))),
            trace_id: None,
            link: None,
        },
    )];
    for w in webhooks {
        entries.push((
            w.received_at,
            1,
            TimelineEntry {
                at: String::new(),
                kind: "webhook".to_owned(),
                title: format!(
                    "Webhook {} received (credentials {})",
                    w.event_name.as_deref().unwrap_or("(unknown)"),
                    w.auth_verdict
                ),
                detail: Some({
                    // The reason names the field that could not be read, or why it was
                    // not applied, so the order page answers "why not?" by itself.
                    let outcome = match &w.outcome_detail {
                        Some(reason) => format!("outcome: {} ({reason})", w.outcome),
                        None => format!("outcome: {}", w.outcome),
                    };
                    match w.duplicate_count {
                        0 => outcome,
                        n => format!("{outcome}; delivered {n} more time(s)"),
                    }
                }),
                trace_id: None,
                link: Some(format!("/webhooks/{}", w.id)),
            },
        ));
    }
    for e in events {
        let change = match (&e.status_before, &e.status_after) {
            (Some(before), Some(after)) if before != after => format!("{before} → {after}"),
            (None, Some(after)) => format!("recorded as {after}"),
            (_, Some(after)) => after.clone(),
            _ => String::new(),
        };
        let reported = e
            .reported_status
            .as_deref()
            .map(|s| format!("Juspay said {s}; "))
            .unwrap_or_default();
        entries.push((
            e.at,
            2,
            TimelineEntry {
                at: String::new(),
                kind: e.via.clone(),
                title: format!(
                    "{} — {}: {change}",
                    capitalise(&e.via),
                    e.outcome.replace('_', " ")
                ),
                detail: Some(format!("{reported}{}", e.detail.as_deref().unwrap_or("")))
                    .filter(|d| !d.is_empty()),
                trace_id: e.trace_id.clone(),
                link: e.webhook_event_id.map(|id| format!("/webhooks/{id}")),
            },
        ));
    }
    for a in audit {
        entries.push((
            a.at,
            3,
            TimelineEntry {
                at: String::new(),
                kind: "staff".to_owned(),
                title: format!("{} by {}", a.action, a.actor),
                detail: Some(a.detail.clone()).filter(|d| !d.is_empty()),
                trace_id: Some(a.trace_id.clone()),
                link: None,
            },
        ));
    }
    entries.sort_by_key(|(at, rank, _)| (*at, *rank));
    entries
        .into_iter()
        .map(|(at, _, mut entry)| {
            entry.at = times.text(at);
            entry
        })
        .collect()
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Whether `href` is an `http:` or `https:` address (case-insensitive, as browsers read it).
fn is_web_address(href: &str) -> bool {
    let lower = href.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use dashboard_status::{OrderStatus, RefundStatus};

    use super::*;

    /// Times read in UTC, so expected texts do not depend on a configured zone.
    fn utc() -> crate::serverfns::Times {
        crate::serverfns::Times::new(dashboard_core::clock::Zone::utc())
    }

    fn webhook(id: i64, at: i64, outcome: Outcome) -> WebhookEventRecord {
        WebhookEventRecord {
            id,
            source: "juspay".into(),
            dedup_key: format!("k{id}"),
            event_id: Some(format!("e{id}")),
            event_name: Some("ORDER_SUCCEEDED".into()),
            order_id: Some("ord_1".into()),
            auth_verdict: AuthVerdict::Valid,
            received_at: at,
            event_created_at: None,
            lag_ms: None,
            headers: "{}".into(),
            body: Vec::new(),
            body_truncated: false,
            outcome,
            outcome_detail: None,
            duplicate_count: 0,
            last_duplicate_at: None,
            process_attempts: 1,
            processed_at: Some(at),
            raw_removed_at: None,
        }
    }

    fn records(order: OrderRow) -> OrderRecords {
        OrderRecords {
            order,
            events: Vec::new(),
            webhooks: Vec::new(),
            audit: Vec::new(),
            refunds: Vec::new(),
            disputes: Vec::new(),
        }
    }

    fn paid_order() -> OrderRow {
        OrderRow {
            order_id: "ord_1".into(),
            source: "juspay".into(),
            status: OrderStatus::Charged,
            amount: 10_000,
            currency: "INR".into(),
            udfs: "{}".into(),
            created_at: 1_000,
            paid_at: Some(3_000),
            paid_via: Some("webhook".into()),
            confirmed_at: Some(3_000),
            confirmed_via: Some("webhook".into()),
            ..OrderRow::default()
        }
    }

    #[test]
    fn the_timeline_merges_every_source_oldest_first() {
        let mut all = records(paid_order());
        all.webhooks = vec![webhook(7, 2_000, Outcome::Applied)];
        all.events = vec![OrderEvent {
            id: 1,
            order_id: "ord_1".into(),
            at: 2_500,
            via: "webhook".into(),
            webhook_event_id: Some(7),
            reported_status: Some("CHARGED".into()),
            status_before: Some("NEW".into()),
            status_after: Some("CHARGED".into()),
            outcome: "applied".into(),
            detail: None,
            trace_id: Some("t1".into()),
        }];
        all.audit = vec![AuditRecord {
            id: 1,
            at: 4_000,
            actor: "ana".into(),
            action: "order.refund".into(),
            target: "ord_1".into(),
            detail: "amount=500".into(),
            client_ip: "10.0.0.1".into(),
            trace_id: "t2".into(),
        }];
        let page = build(all, true, false, &utc());
        let kinds: Vec<&str> = page.timeline.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["created", "webhook", "webhook", "staff"]);
        assert_eq!(page.timeline[1].link.as_deref(), Some("/webhooks/7"));
        assert!(
            page.timeline[2].title.contains("NEW → CHARGED"),
            "{:?}",
            page.timeline[2]
        );
        assert_eq!(page.timeline[3].title, "order.refund by ana");
        assert_eq!(page.group, OrderGroup::Paid);
    }

    #[test]
    fn the_checklist_flags_what_needs_attention_and_passes_what_does_not() {
        let mut pending = records(OrderRow {
            status: OrderStatus::PendingVbv,
            paid_at: None,
            paid_via: None,
            amount_mismatch: Some("Juspay reported 200.00 INR".into()),
            next_check_at: Some(9_000),
            ..paid_order()
        });
        pending.webhooks = vec![
            webhook(2, 2_000, Outcome::Pending),
            webhook(1, 1_500, Outcome::ParseError),
        ];
        let page = build(pending, false, false, &utc());
        let answer = |question: &str| {
            page.checklist
                .iter()
                .find(|c| c.question == question)
                .unwrap_or_else(|| panic!("{question}"))
                .clone()
        };
        assert_eq!(answer("Webhook received?").ok, Some(true));
        assert_eq!(
            answer("Processed?").answer,
            "1 waiting, 1 failed or invalid"
        );
        assert_eq!(answer("Processed?").ok, Some(false));
        assert_eq!(answer("Amounts match?").ok, Some(false));
        assert!(answer("Our state").answer.starts_with("not paid"));
        assert!(
            answer("Still being checked?")
                .answer
                .starts_with("next poll")
        );
        let none = build(records(paid_order()), false, false, &utc());
        assert_eq!(
            none.checklist[1].answer, "no webhook has named this order",
            "nothing received"
        );
    }

    #[test]
    fn a_stored_link_that_is_not_a_web_address_is_not_offered_and_refunds_are_listed() {
        let mut all = records(OrderRow {
            payment_link: Some("javascript:alert(1)".into()),
            ..paid_order()
        });
        all.refunds = vec![RefundRow {
            unique_request_id: "rf_1".into(),
            order_id: "ord_1".into(),
            amount: 500,
            currency: "INR".into(),
            status: RefundStatus::Success,
            ..RefundRow::default()
        }];
        let page = build(all, true, true, &utc());
        assert_eq!(page.payment_link, None);
        assert_eq!(page.refunds[0].amount, "₹5.00");
        assert_eq!(page.refunds[0].status, RefundStatus::Success);
    }

    #[test]
    fn an_order_in_a_currency_iso_4217_does_not_know_is_flagged_and_a_known_one_is_not() {
        let page = build(records(paid_order()), true, true, &utc());
        assert!(page.payment.iter().all(|(label, _)| label != "Currency"));
        let odd = build(
            records(OrderRow {
                currency: "XYZ".into(),
                ..paid_order()
            }),
            true,
            true,
            &utc(),
        );
        let flag = odd.payment.iter().find(|(label, _)| label == "Currency");
        assert!(flag.is_some_and(|(_, text)| text.contains("not an ISO 4217 code")));
    }

    #[test]
    fn only_http_and_https_payment_links_are_offered_as_links() {
        assert!(is_web_address("https://pay.example/p/1"));
        assert!(is_web_address("HTTP://pay.example"));
        assert!(!is_web_address("javascript:alert(1)"));
        assert!(!is_web_address(" data:text/html,x"));
        assert!(!is_web_address("//evil.example"));
    }
}

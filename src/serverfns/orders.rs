//! Orders: the filtered list with totals, one order's detail with its merged timeline and
//! debugging checklist, and the actions that call Juspay (sync, update, payment link).

// `list_orders` takes each filter as its own argument so that a call with no filter still
// decodes; the server macro copies the arguments into generated items this allow must reach.
#![allow(clippy::too_many_arguments)]

use dashboard_status::{OrderGroup, OrderStatus, RefundStatus};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const PAGE_SIZE: i64 = 50;

/// One line of the orders list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub order_id: String,
    pub created: String,
    pub status: OrderStatus,
    pub group: OrderGroup,
    pub amount: String,
    pub method: String,
    pub gateway: String,
    pub customer: String,
    /// Juspay's amount differed from ours.
    pub flagged: bool,
    pub stale: bool,
    /// `juspay` or `jpsl`.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPage {
    pub rows: Vec<OrderSummary>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next_after: Option<String>,
    /// "12 orders · 1,234.00 INR", one line per currency.
    pub totals: Vec<String>,
}

/// One entry of an order's merged timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: String,
    /// `created`, `webhook`, `poll`, `sync`, `action`, `staff`, `refund`.
    pub kind: String,
    pub title: String,
    pub detail: Option<String>,
    pub trace_id: Option<String>,
    pub link: Option<String>,
}

/// One answer of the production debugging checklist (did the payment reach a final state,
/// did a webhook arrive and authenticate, do the amounts match, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckItem {
    pub question: String,
    pub answer: String,
    /// `Some(false)` marks an answer that needs attention.
    pub ok: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    pub unique_request_id: String,
    pub amount: String,
    pub status: RefundStatus,
    pub created: String,
}

/// Everything the order page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub order_id: String,
    pub status: OrderStatus,
    pub group: OrderGroup,
    pub meaning: String,
    pub action: String,
    pub amount: String,
    pub refunded: String,
    /// Facts shown as label → value, in order; absent values are left out.
    pub payment: Vec<(String, String)>,
    pub customer: Vec<(String, String)>,
    pub references: Vec<(String, String)>,
    pub udfs: Vec<(String, String)>,
    pub amount_mismatch: Option<String>,
    pub payment_link: Option<String>,
    pub checklist: Vec<CheckItem>,
    pub timeline: Vec<TimelineEntry>,
    pub refunds: Vec<RefundLine>,
    /// Operator or admin: may sync.
    pub can_act: bool,
    /// Not yet attempted: amount and udfs may still change.
    pub can_update: bool,
    /// A refund form for operators on a paid order: its fresh idempotency key and the
    /// refundable balance (major units) as the default amount.
    pub refund_form: Option<RefundFormView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundFormView {
    pub unique_request_id: String,
    pub refundable: String,
    pub currency: String,
    /// Refunds above this (same currency) need the user's identity confirmed again.
    pub step_up_above: String,
}

/// Flat arguments so that a call with no filter still decodes (see `list_webhooks`).
#[server(prefix = "/api", endpoint = "list_orders")]
pub async fn list_orders(
    group: Option<String>,
    status: Option<String>,
    method_type: Option<String>,
    method: Option<String>,
    gateway: Option<String>,
    error_code: Option<String>,
    min: Option<String>,
    max: Option<String>,
    from: Option<String>,
    to: Option<String>,
    customer: Option<String>,
    q: Option<String>,
    stale: Option<String>,
    via: Option<String>,
    flagged: Option<String>,
    after: Option<String>,
) -> Result<OrderPage, AppError> {
    use dashboard_core::{
        auth::Role,
        clock::format_utc,
        money::format_minor,
        store::order_queries::{ListedOrder, OrderCursor, OrderLine},
    };

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let query = crate::server::queries::OrderQuery {
        group,
        status,
        method_type,
        method,
        gateway,
        error_code,
        min,
        max,
        from,
        to,
        customer,
        q,
        stale,
        via,
        flagged,
    };
    let filter = query
        .to_filter()
        .map_err(|e| ctx.fail(AppError::invalid(e.field, e.message)))?;
    let cursor = after.as_deref().and_then(OrderCursor::decode);
    let store = &ctx.state.store;
    let mut rows = store
        .list_orders::<OrderLine>(&filter, cursor.as_ref(), PAGE_SIZE + 1)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let next_after = (rows.len() > PAGE_SIZE as usize).then(|| {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| r.cursor().encode()).unwrap_or_default()
    });
    let totals = store
        .total_orders(&filter)
        .await
        .map_err(|e| ctx.internal(&e))?
        .into_iter()
        .map(|t| {
            let noun = if t.count == 1 { "order" } else { "orders" };
            format!(
                "{} {noun} · {}",
                t.count,
                format_minor(t.amount, &t.currency)
            )
        })
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| OrderSummary {
            created: format_utc(r.created_at),
            group: OrderGroup::of(&r.status, r.amount_refunded, r.amount),
            amount: format_minor(r.amount, &r.currency),
            method: [
                r.payment_method_type.as_deref(),
                r.payment_method.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
            gateway: r.gateway.unwrap_or_default(),
            customer: r.customer.unwrap_or_default(),
            flagged: r.flagged,
            stale: r.stale,
            source: r.source,
            status: r.status,
            order_id: r.order_id,
        })
        .collect();
    Ok(OrderPage {
        rows,
        next_after,
        totals,
    })
}

#[server(prefix = "/api", endpoint = "get_order")]
pub async fn get_order(order_id: String) -> Result<OrderDetail, AppError> {
    use dashboard_core::{auth::Role, order_state::Stage, store::webhooks::WebhookFilter};

    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?;
    let can_act = me.role >= Role::Operator;
    let store = &ctx.state.store;
    let order = match store.find_order(&order_id).await {
        Ok(Some(order)) => order,
        Ok(None) => return Err(ctx.fail(AppError::NotFound)),
        Err(e) => return Err(ctx.internal(&e)),
    };
    let events = store
        .list_order_events(&order_id)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let filter = WebhookFilter {
        order_id: Some(order_id.clone()),
        ..WebhookFilter::default()
    };
    let webhooks = store
        .list_webhook_events(&filter, 500)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let audit = store
        .list_audit_for(&order_id, 500)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let refunds = store
        .list_refunds_of_order(&order_id)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let stage = order.status.stage();
    let can_update = can_act && matches!(stage, Some(Stage::Created | Stage::New));
    let refundable =
        dashboard_core::refunds::refundable_amount(order.amount, order.amount_refunded, &refunds);
    let refund_form =
        (can_act && stage == Some(Stage::Succeeded) && refundable > 0).then(|| RefundFormView {
            unique_request_id: dashboard_core::refunds::mint_refund_id(),
            refundable: dashboard_core::money::format_plain(refundable).replace(',', ""),
            currency: order.currency.clone(),
            step_up_above: dashboard_core::money::format_plain(
                ctx.state.config.auth.step_up_minor(),
            ),
        });
    let mut detail = detail::build(order, events, webhooks, audit, refunds, can_act, can_update);
    detail.refund_form = refund_form;
    Ok(detail)
}

/// Refunds part or all of a paid order (operator+), once per form: the form carries the
/// idempotency key minted when it was rendered. Audited.
#[server(prefix = "/api", endpoint = "refund_order")]
pub async fn refund_order(
    order_id: String,
    unique_request_id: String,
    amount: String,
    reason: Option<String>,
) -> Result<String, AppError> {
    use dashboard_core::{
        auth::Role,
        money::{format_minor, parse_major},
        refunds::RefundForm,
    };

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let amount = parse_major(&amount).filter(|a| *a > 0).ok_or_else(|| {
        ctx.fail(AppError::invalid(
            "amount",
            "Use an amount like 100 or 100.50.",
        ))
    })?;
    // Large refunds need the user's identity confirmed again (step-up).
    if amount > ctx.state.config.auth.step_up_minor() {
        ctx.require_step_up().await?;
    }
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let form = RefundForm {
        order_id: order_id.clone(),
        unique_request_id: unique_request_id.clone(),
        amount,
        reason: reason.clone(),
    };
    let detail = format!(
        "refund {unique_request_id} amount={amount} reason={}",
        reason.as_deref().unwrap_or("-")
    );
    let audit = ctx.audit("order.refund", &order_id, &detail)?;
    let refund = ctx
        .state
        .actions
        .request_refund(&form, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    let amount = format_minor(refund.amount, &refund.currency);
    let message = match refund.request_state {
        Some(dashboard_status::RefundRequestState::Unknown) => format!(
            "Refund of {amount} requested; Juspay did not answer, so its outcome is unknown. It is retried with the same request id — it cannot happen twice."
        ),
        _ => format!("Refund of {amount} requested: {}.", refund.status),
    };
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Asks Juspay for the order's status now (operator+), audited.
#[server(prefix = "/api", endpoint = "sync_order")]
pub async fn sync_order(order_id: String) -> Result<String, AppError> {
    use dashboard_core::auth::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let audit = ctx.audit("order.sync", &order_id, "")?;
    let applied = ctx
        .state
        .actions
        .sync_order(&order_id, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    let message = match &applied.status_before {
        Some(before) if *before != applied.status_after => {
            format!("Synced with Juspay: {before} → {}.", applied.status_after)
        }
        _ => format!("Synced with Juspay: {} (unchanged).", applied.status_after),
    };
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Changes the amount and/or udf1–udf5 of an order not yet attempted (operator+), audited.
#[server(prefix = "/api", endpoint = "update_order")]
pub async fn update_order(
    order_id: String,
    amount: Option<String>,
    udf1: Option<String>,
    udf2: Option<String>,
    udf3: Option<String>,
    udf4: Option<String>,
    udf5: Option<String>,
) -> Result<String, AppError> {
    use dashboard_core::{auth::Role, money::parse_major};

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let amount = match amount.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => Some(parse_major(text).ok_or_else(|| {
            ctx.fail(AppError::invalid(
                "amount",
                "Use an amount like 100 or 100.50.",
            ))
        })?),
    };
    let udfs: Vec<(String, String)> = [udf1, udf2, udf3, udf4, udf5]
        .into_iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| (format!("udf{}", i + 1), v))
        })
        .collect();
    let detail = format!(
        "amount={} udfs={}",
        amount.map_or("-".to_owned(), |a| a.to_string()),
        udfs.iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    let audit = ctx.audit("order.update", &order_id, &detail)?;
    ctx.state
        .actions
        .update_order(&order_id, amount, &udfs, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    let message = "Order updated at Juspay.".to_owned();
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Creates an order at Juspay and returns its payment link (operator+), audited.
#[server(prefix = "/api", endpoint = "create_payment_link")]
pub async fn create_payment_link(
    amount: String,
    currency: Option<String>,
    customer_email: Option<String>,
    customer_phone: Option<String>,
    description: Option<String>,
) -> Result<String, AppError> {
    use dashboard_core::{actions::NewOrder, auth::Role, money::parse_major};

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let text = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let amount = parse_major(&amount).filter(|a| *a > 0).ok_or_else(|| {
        ctx.fail(AppError::invalid(
            "amount",
            "Use an amount like 100 or 100.50.",
        ))
    })?;
    let email = text(customer_email).map(|e| e.to_lowercase());
    let order_id = dashboard_core::actions::mint_order_id("pl");
    let order = NewOrder {
        order_id: order_id.clone(),
        amount,
        currency: text(currency).map_or_else(|| "INR".to_owned(), |c| c.to_ascii_uppercase()),
        customer_email: email,
        customer_phone: text(customer_phone),
        description: text(description),
        return_url: ctx.state.config.juspay.return_url.clone(),
        ..NewOrder::default()
    };
    let audit = ctx.audit("order.payment_link", &order_id, &format!("amount={amount}"))?;
    let row = ctx
        .state
        .actions
        .create_order(&order, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    let message = match row.payment_link {
        Some(link) => format!("Payment link for order {order_id}: {link}"),
        None => format!("Order {order_id} created; Juspay returned no payment link."),
    };
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

#[cfg(feature = "ssr")]
mod detail {
    //! Builds the order page's DTO from stored rows; the timeline merges every source by time.

    use dashboard_core::{
        clock::format_utc,
        money::format_minor,
        status_guide::guide,
        store::{
            audit::AuditRecord, orders::OrderRow, refunds::RefundRow, timeline::OrderEvent,
            webhooks::WebhookEventRecord,
        },
    };

    use dashboard_status::{AuthVerdict, OrderGroup, Outcome};

    use super::{CheckItem, OrderDetail, RefundLine, TimelineEntry};

    pub fn build(
        order: OrderRow,
        events: Vec<OrderEvent>,
        webhooks: Vec<WebhookEventRecord>,
        audit: Vec<AuditRecord>,
        refunds: Vec<RefundRow>,
        can_act: bool,
        can_update: bool,
    ) -> OrderDetail {
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
            ("Created at Juspay", order.juspay_created_at.map(format_utc)),
            ("First seen here", Some(format_utc(order.created_at))),
        ]);
        let udfs = serde_json::from_str::<std::collections::BTreeMap<String, String>>(&order.udfs)
            .unwrap_or_default()
            .into_iter()
            .collect();
        let checklist = checklist(&order, &webhooks);
        let timeline = timeline(&order, &events, &webhooks, &audit);
        let refunds = refunds
            .into_iter()
            .map(|r| RefundLine {
                amount: format_minor(r.amount, &r.currency),
                created: format_utc(r.created_at),
                status: r.status,
                unique_request_id: r.unique_request_id,
            })
            .collect();
        OrderDetail {
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
                .filter(|href| super::is_web_address(href)),
            checklist,
            timeline,
            refunds,
            can_act,
            can_update,
            refund_form: None,
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
    fn checklist(order: &OrderRow, webhooks: &[WebhookEventRecord]) -> Vec<CheckItem> {
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
            (Some(at), Some(via)) => format!("{} via {via}", format_utc(at)),
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
                        format_utc(first.received_at)
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
                        format!("paid — learned {} via {via}", format_utc(at))
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
                    (Some(at), _) => format!("stale since {}: polling stopped", format_utc(at)),
                    (None, Some(at)) => format!("next poll {}", format_utc(at)),
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
                    .map(|at| format!("created at Juspay {}", format_utc(at))),
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
                    detail: Some(match w.duplicate_count {
                        0 => format!("outcome: {}", w.outcome),
                        n => format!("outcome: {}; delivered {n} more time(s)", w.outcome),
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
                entry.at = format_utc(at);
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
}

/// Whether `href` is an `http:` or `https:` address (case-insensitive, as browsers read it).
#[cfg(feature = "ssr")]
fn is_web_address(href: &str) -> bool {
    let lower = href.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::is_web_address;

    #[test]
    fn only_http_and_https_payment_links_are_offered_as_links() {
        assert!(is_web_address("https://pay.example/p/1"));
        assert!(is_web_address("HTTP://pay.example"));
        assert!(!is_web_address("javascript:alert(1)"));
        assert!(!is_web_address(" data:text/html,x"));
        assert!(!is_web_address("//evil.example"));
    }
}

//! Orders: the filtered list with totals, one order's detail with its merged timeline and
//! debugging checklist, and the actions that call Juspay (sync, update, payment link).

// `list_orders` takes each filter as its own argument so that a call with no filter still
// decodes; the server macro copies the arguments into generated items this allow must reach.
#![allow(clippy::too_many_arguments)]

use dashboard_status::{OrderGroup, OrderStatus};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::order_view::{
    CaptureFormView, CheckItem, DisputeLine, OrderDetail, RefundFormView, RefundLine, TimelineEntry,
};
use crate::error::AppError;

pub const PAGE_SIZE: i64 = 50;

/// One line of the orders list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub order_id: String,
    pub created: super::Moment,
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
    /// "12 orders · ₹1,234.00", one line per currency.
    pub totals: Vec<String>,
}

/// What the order filters offer as menus: the statuses present with their order counts, and
/// the method types, methods, gateways and error codes seen on payments that ended. An empty
/// list leaves that filter a text box.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterValues {
    pub statuses: Vec<(OrderStatus, i64)>,
    pub method_types: Vec<String>,
    pub methods: Vec<String>,
    pub gateways: Vec<String>,
    pub error_codes: Vec<String>,
    /// Currencies of stored orders, with their order counts.
    pub currencies: Vec<(String, i64)>,
}

/// The values the order filters offer now (viewer+).
#[server(prefix = "/api", endpoint = "order_filter_values")]
pub async fn order_filter_values() -> Result<FilterValues, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let facets = ctx
        .state
        .order_facets
        .facets(&ctx.state.store)
        .await
        .map_err(|e| ctx.internal(&e))?;
    Ok(FilterValues {
        statuses: facets.statuses,
        method_types: facets.method_types,
        methods: facets.methods,
        gateways: facets.gateways,
        error_codes: facets.error_codes,
        currencies: facets.currencies,
    })
}

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
    currency: Option<String>,
    source: Option<String>,
    after: Option<String>,
) -> Result<OrderPage, AppError> {
    use dashboard_core::money::format_minor;
    use dashboard_core::orders::list::{ListedOrder, OrderCursor, OrderLine};
    use dashboard_status::Role;

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
        currency,
        source,
    };
    let filter = query
        .to_filter(ctx.times().zone())
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
    let times = ctx.times();
    let rows = rows
        .into_iter()
        .map(|r| OrderSummary {
            created: times.moment(r.created_at),
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
    use dashboard_core::webhooks::store::WebhookFilter;
    use dashboard_status::{Role, Stage};

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
    let disputes = store
        .list_disputes_of_order(&order_id)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let stage = order.status.stage();
    let can_update = can_act && matches!(stage, Some(Stage::Created | Stage::New));
    let refundable = dashboard_core::refunds::rules::refundable_amount(
        order.collected(),
        order.amount_refunded,
        &refunds,
    );
    let capture_form = (can_act && order.status == OrderStatus::Authorized).then(|| {
        use dashboard_core::orders::preauth::{CAPTURE_WARN_AFTER_MS, mint_capture_key};
        let held_since = order.juspay_created_at.unwrap_or(order.created_at);
        CaptureFormView {
            idempotence_key: mint_capture_key(),
            authorized: dashboard_core::money::format_decimal(order.amount, &order.currency),
            currency: order.currency.clone(),
            expiring: dashboard_core::clock::now_millis() - held_since > CAPTURE_WARN_AFTER_MS,
            step_up_above: dashboard_core::money::format_plain(
                ctx.state.config.auth.step_up_minor(&order.currency),
                &order.currency,
            ),
        }
    });
    let refund_form =
        (can_act && stage == Some(Stage::Succeeded) && refundable > 0).then(|| RefundFormView {
            unique_request_id: dashboard_core::refunds::actions::mint_refund_id(),
            refundable: dashboard_core::money::format_decimal(refundable, &order.currency),
            step_up_above: dashboard_core::money::format_plain(
                ctx.state.config.auth.step_up_minor(&order.currency),
                &order.currency,
            ),
            currency: order.currency.clone(),
        });
    let mut detail = super::order_detail::build(
        super::order_detail::OrderRecords {
            order,
            events,
            webhooks,
            audit,
            refunds,
            disputes,
        },
        can_act,
        can_update,
        &ctx.times(),
    );
    detail.refund_form = refund_form;
    detail.capture_form = capture_form;
    Ok(detail)
}

/// Captures all or part of an authorised payment (operator+), once per form: the form
/// carries the idempotence key minted when it was rendered. Audited.
#[server(prefix = "/api", endpoint = "capture_order")]
pub async fn capture_order(
    order_id: String,
    idempotence_key: String,
    amount: String,
) -> Result<String, AppError> {
    use dashboard_core::money::format_minor;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let currency = ctx.order_currency(&order_id).await?;
    let amount = ctx.amount("amount", &amount, &currency)?;
    if amount > ctx.state.config.auth.step_up_minor(&currency) {
        ctx.require_step_up().await?;
    }
    let audit = ctx.audit(
        "order.capture",
        &order_id,
        &format!("capture {idempotence_key} amount={amount}"),
    )?;
    let applied = ctx
        .state
        .actions
        .capture_order(&order_id, Some(amount), &idempotence_key, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    let message = format!(
        "Capture of {} requested: the order is {}.",
        format_minor(amount, &currency),
        applied.status_after.label()
    );
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Releases the hold of an authorised payment (operator+), after the box confirming it is
/// ticked. Audited.
#[server(prefix = "/api", endpoint = "void_order")]
pub async fn void_order(order_id: String, confirm: Option<String>) -> Result<String, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    if confirm.as_deref() != Some("yes") {
        return Err(ctx.fail(AppError::invalid(
            "confirm",
            "Tick the box to confirm: a voided payment cannot be captured any more.",
        )));
    }
    let audit = ctx.audit("order.void", &order_id, "void")?;
    let applied = ctx
        .state
        .actions
        .void_order(&order_id, &audit)
        .await
        .map_err(|e| ctx.action_failed(e))?;
    let message = format!(
        "Void requested: the order is {}.",
        applied.status_after.label()
    );
    ctx.flash_for_forms(&message).await;
    Ok(message)
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
    use dashboard_core::money::format_minor;
    use dashboard_core::refunds::actions::RefundForm;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let currency = ctx.order_currency(&order_id).await?;
    let amount = ctx.amount("amount", &amount, &currency)?;
    // Large refunds need the user's identity confirmed again (step-up).
    if amount > ctx.state.config.auth.step_up_minor(&currency) {
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
    use dashboard_status::Role;

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
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let amount = match amount.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => {
            let currency = ctx.order_currency(&order_id).await?;
            Some(ctx.amount("amount", text, &currency)?)
        }
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

/// One order made from the payment-link form, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    pub order_id: String,
    pub created: super::Moment,
    pub amount: String,
    pub status: OrderStatus,
    pub group: OrderGroup,
    pub link: Option<String>,
    pub customer: String,
    pub description: String,
}

/// The order ids the payment-link form mints start with this, then `_`.
#[cfg(feature = "ssr")]
const LINK_PREFIX: &str = "pl";

/// The newest payment links made here (viewer+), with their orders' status now.
#[server(prefix = "/api", endpoint = "list_payment_links")]
pub async fn list_payment_links() -> Result<Vec<LinkView>, AppError> {
    use dashboard_core::money::format_minor;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let rows = ctx
        .state
        .store
        .list_link_orders(LINK_PREFIX, PAGE_SIZE)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let times = ctx.times();
    Ok(rows
        .into_iter()
        .map(|r| LinkView {
            created: times.moment(r.created_at),
            amount: format_minor(r.amount, &r.currency),
            group: OrderGroup::of(&r.status, r.amount_refunded, r.amount),
            customer: r
                .customer_email
                .clone()
                .or_else(|| r.customer_phone.clone())
                .unwrap_or_default(),
            description: r.description.clone().unwrap_or_default(),
            link: r.payment_link,
            status: r.status,
            order_id: r.order_id,
        })
        .collect())
}

/// Creates an order at Juspay and returns its payment link (operator+), audited.
#[server(prefix = "/api", endpoint = "create_payment_link")]
pub async fn create_payment_link(
    amount: String,
    currency: Option<String>,
    customer_email: Option<String>,
    customer_phone: Option<String>,
    description: Option<String>,
    pre_auth: Option<String>,
) -> Result<super::Created, AppError> {
    use dashboard_core::orders::actions::{NewOrder, NewOrderText};
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let text = NewOrderText {
        order_id: None,
        amount: &amount,
        currency: currency.as_deref(),
        customer_id: None,
        customer_email: customer_email.as_deref(),
        customer_phone: customer_phone.as_deref(),
        description: description.as_deref(),
        pre_auth: pre_auth.as_deref() == Some("yes"),
    };
    let order = NewOrder::parse(
        &text,
        LINK_PREFIX,
        ctx.state.config.juspay.return_url.clone(),
    )
    .map_err(|e| ctx.action_failed(e))?;
    let order_id = order.order_id.clone();
    let audit = ctx.audit(
        "order.payment_link",
        &order_id,
        &format!("amount={}", order.amount),
    )?;
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
    Ok(super::Created {
        id: order_id,
        message,
    })
}

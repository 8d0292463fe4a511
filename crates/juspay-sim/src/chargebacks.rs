//! Chargebacks (disputes) raised against paid orders and walked through their statuses,
//! each change announced by a `CHARGEBACK_*` webhook (§9.2). Invariant: a chargeback is
//! always rendered from the store by [`render`], so the control API's answer, the webhook
//! body and the order object's `chargebacks[]` agree field for field; its amount never
//! exceeds what the order paid.
//!
//! **Wire (the project's decision).** Juspay names eight `CHARGEBACK_*` events (§9.2) but
//! publishes no sample body, so this simulator sends its own shape, documented here:
//!
//! - Event names: `CHARGEBACK_RECEIVED`, `CHARGEBACK_EVIDENCE_REQUIRED`,
//!   `CHARGEBACK_UNDER_REVIEW`, `CHARGEBACK_RESOLVED_IN_MERCHANT_FAVOUR`,
//!   `CHARGEBACK_RESOLVED_IN_CUSTOMER_FAVOUR`, `CHARGEBACK_CANCELED`,
//!   `CHARGEBACK_EXPIRED`, `CHARGEBACK_ALREADY_REFUNDED`.
//! - Envelope: the §9.1 one of every other event, `{"id": "evt_V2_…", "event_name": …,
//!   "date_created": …, "content": {"chargeback": {…}}}`, sent to the order's
//!   `metadata.webhook_url` or the configured URL, through the same delivery (retries and
//!   webhook faults) as order events.
//! - `content.chargeback`: `id` (`cb_<32 hex>`), `object` (`"chargeback"`), `amount` (a
//!   JSON number in major units with the order currency's decimals, [`crate::amount`]),
//!   `currency` (the order's), `object_reference_id` (the merchant order id),
//!   `chargeback_status` (the event name without `CHARGEBACK_`), `reason` (free text),
//!   `date_created`, `last_updated` (ISO), `date_resolved` (ISO for the resolved,
//!   canceled, expired and already-refunded statuses, else `null`), `respond_by` (ISO,
//!   seven days after creation, for `RECEIVED` and `EVIDENCE_REQUIRED`, else `null`) and
//!   `txn` (`txn_id`, `order_id`, `txn_uuid`, `status`, `gateway` of the order's paid
//!   attempt, or `null` when there is none).
//! - The §4.3 order object lists every chargeback of the order, latest state of each,
//!   oldest first, in `chargebacks` (an empty array when there is none). A chargeback
//!   changes neither the order's status nor its refund amounts.
//!
//! **Simulator rules.** A chargeback is raised only on an order whose status can be
//! refunded (`CHARGED`, `PARTIAL_CHARGED`, `COD_INITIATED`), for the paid amount unless
//! another positive amount up to it is given. Any status may follow any other (tests
//! need odd sequences); moving a chargeback to the status it has sends the event again.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::amount;
use crate::clock;
use crate::error::ApiError;
use crate::orders;
use crate::server::Shared;
use crate::state::{Chargeback, ChargebackStatus, Order, Store};
use crate::webhooks::{self, Event};

/// Seconds the merchant has to answer a chargeback: seven days.
pub const RESPOND_WITHIN_SECS: u64 = 7 * 24 * 3_600;

/// Reason recorded when a new chargeback names none.
pub const DEFAULT_REASON: &str = "Customer disputes the transaction";

/// Body of `POST /__sim/orders/{order_id}/chargebacks`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChargebackRequest {
    /// Status name with or without `CHARGEBACK_`, case ignored; `RECEIVED` when absent.
    #[serde(default)]
    pub status: Option<String>,
    /// Free text; a new chargeback gets [`DEFAULT_REASON`] without one, a moved one
    /// keeps its reason.
    #[serde(default)]
    pub reason: Option<String>,
    /// Major units of the order's currency, as a string or a JSON number; the paid
    /// amount when absent. Only read when the chargeback is created.
    #[serde(default)]
    pub amount: Option<Value>,
    /// An existing chargeback of the order to move to `status`; a new one when absent.
    #[serde(default)]
    pub chargeback_id: Option<String>,
}

/// Creates a chargeback or moves one to a new status, sends the matching
/// `CHARGEBACK_<status>` webhook, and returns the chargeback object.
pub fn raise(
    shared: &Arc<Shared>,
    merchant: &str,
    order_id: &str,
    request: &ChargebackRequest,
) -> Result<Value, ApiError> {
    let (body, event) = {
        let mut store = shared.store_of(merchant)?;
        apply(&mut store, order_id, request)?
    };
    webhooks::dispatch(shared, vec![event]);
    Ok(body)
}

fn apply(
    store: &mut Store,
    order_id: &str,
    request: &ChargebackRequest,
) -> Result<(Value, Event), ApiError> {
    let status = match request.status.as_deref() {
        None => ChargebackStatus::Received,
        Some(name) => ChargebackStatus::parse(name).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_chargeback_status",
                &format!("Unknown chargeback status {name}."),
            )
        })?,
    };
    let key = Store::order_key(order_id);
    let new_id = format!("cb_{}", store.hex32());
    let now_secs = clock::epoch_secs();
    let now = clock::format_iso(now_secs);
    let order = store
        .orders
        .get_mut(&key)
        .ok_or_else(|| ApiError::not_found("Order", order_id))?;
    let index = if let Some(id) = request.chargeback_id.as_deref() {
        let index = order
            .chargebacks
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| ApiError::not_found("Chargeback", id))?;
        let chargeback = order
            .chargebacks
            .get_mut(index)
            .ok_or_else(|| ApiError::not_found("Chargeback", id))?;
        chargeback.status = status;
        chargeback.updated.clone_from(&now);
        chargeback.resolved = status.is_resolved().then(|| now.clone());
        if let Some(reason) = request.reason.as_deref().filter(|r| !r.trim().is_empty()) {
            reason.clone_into(&mut chargeback.reason);
        }
        index
    } else {
        if !order.status.is_refundable() {
            return Err(ApiError::invalid_action(
                "Cannot raise a chargeback on an unsuccessful order.",
            ));
        }
        let paid = order.paid_amount();
        let amount = match &request.amount {
            None | Some(Value::Null) => paid,
            Some(raw) => {
                let text = match raw {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                orders::parse_amount(&text, &order.currency)?
            }
        };
        if amount > paid {
            return Err(ApiError::bad_request(
                "invalid_amount",
                "Chargeback amount exceeds the paid amount of the order.",
            ));
        }
        order.chargebacks.push(Chargeback {
            id: new_id,
            amount,
            currency: order.currency.clone(),
            status,
            reason: request
                .reason
                .clone()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_REASON.to_owned()),
            created: now.clone(),
            respond_by: clock::format_iso(now_secs + RESPOND_WITHIN_SECS),
            updated: now.clone(),
            resolved: status.is_resolved().then(|| now.clone()),
        });
        order.chargebacks.len() - 1
    };
    let order = store
        .orders
        .get(&key)
        .ok_or_else(|| ApiError::not_found("Order", order_id))?;
    let chargeback = order
        .chargebacks
        .get(index)
        .ok_or_else(|| ApiError::not_found("Chargeback", order_id))?;
    let body = render(store, order, chargeback);
    let url = order.metadata.get("webhook_url").cloned();
    let event = Event::new(
        store,
        &status.event_name(),
        json!({"chargeback": body}),
        url,
    );
    Ok((body, event))
}

/// The chargeback object of the webhook's `content.chargeback` and the order's
/// `chargebacks[]`.
pub fn render(store: &Store, order: &Order, chargeback: &Chargeback) -> Value {
    // The paid attempt, or the latest one when none is (a chargeback needs a payment).
    let attempt = order
        .attempts
        .iter()
        .rev()
        .find(|a| a.status.is_refundable())
        .or_else(|| order.attempts.last());
    let txn = attempt.map(|a| {
        json!({
            "txn_id": format!("{}-{}-{}", store.merchant_id, order.order_id, a.number),
            "order_id": order.order_id,
            "txn_uuid": a.txn_uuid,
            "status": a.status.as_str(),
            "gateway": a.method.gateway().0,
        })
    });
    let status = chargeback.status;
    json!({
        "id": chargeback.id,
        "object": "chargeback",
        "amount": amount::to_json(chargeback.amount, &chargeback.currency),
        "currency": chargeback.currency,
        "object_reference_id": order.order_id,
        "chargeback_status": status.as_str(),
        "dispute_stage": "DISPUTE",
        "reason": chargeback.reason,
        "date_created": chargeback.created,
        "last_updated": chargeback.updated,
        "date_resolved": chargeback.resolved,
        "respond_by": status.awaits_merchant().then_some(&chargeback.respond_by),
        "txn": txn,
    })
}

/// Every chargeback of an order, oldest first, for the order object's `chargebacks`.
pub fn render_all(store: &Store, order: &Order) -> Value {
    Value::Array(
        order
            .chargebacks
            .iter()
            .map(|c| render(store, order, c))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_with_or_without_the_event_prefix_and_name_their_event() {
        assert_eq!(
            ChargebackStatus::parse("received"),
            Some(ChargebackStatus::Received)
        );
        assert_eq!(
            ChargebackStatus::parse("CHARGEBACK_RESOLVED_IN_MERCHANT_FAVOUR"),
            Some(ChargebackStatus::ResolvedInMerchantFavour)
        );
        assert_eq!(ChargebackStatus::parse("WON"), None);
        for status in ChargebackStatus::ALL {
            assert_eq!(ChargebackStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                status.event_name(),
                format!("CHARGEBACK_{}", status.as_str())
            );
        }
    }

    #[test]
    fn only_ended_disputes_are_resolved_and_only_open_ones_await_the_merchant() {
        let resolved: Vec<&str> = ChargebackStatus::ALL
            .into_iter()
            .filter(|s| s.is_resolved())
            .map(ChargebackStatus::as_str)
            .collect();
        assert_eq!(
            resolved,
            [
                "RESOLVED_IN_MERCHANT_FAVOUR",
                "RESOLVED_IN_CUSTOMER_FAVOUR",
                "CANCELED",
                "EXPIRED",
                "ALREADY_REFUNDED"
            ]
        );
        let awaiting: Vec<&str> = ChargebackStatus::ALL
            .into_iter()
            .filter(|s| s.awaits_merchant())
            .map(ChargebackStatus::as_str)
            .collect();
        assert_eq!(awaiting, ["RECEIVED", "EVIDENCE_REQUIRED"]);
    }
}

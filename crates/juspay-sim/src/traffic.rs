//! Demo traffic (off by default): a steady stream of orders over all payment methods
//! with a realistic mix of success, failure, pending and refunds; mandate registrations,
//! executions and now and then an expiry; one order in eleven authorised only (held for
//! staff to capture or void); a third of the failed payments confirmed late and
//! auto-refunded; and now and then a chargeback (about one paid order in 25) that later
//! ticks walk on: to `EVIDENCE_REQUIRED` (where it stays) or to `UNDER_REVIEW` and then a
//! resolution in the merchant's or the customer's favour. Most orders are in INR; one in
//! ten each is in USD, JPY and KWD, with amounts that have the currency's decimals (whole
//! yen, three-decimal dinars); mandate registrations stay INR. Invariant: it drives the
//! same code paths as the API, so everything it makes is visible through the API and
//! webhooks; at most one generator runs per simulator, for the primary merchant.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::body::ApiRequest;
use crate::chargebacks::{self, ChargebackRequest};
use crate::payments::{self, FailureReason, Outcome, PaymentRequest};
use crate::server::Shared;
use crate::state::{ChargebackStatus, MandateStatus, PaymentMethod};
use crate::{amount, mandates, orders, refunds};

/// Time between demo orders, before time scaling.
pub const TICK: Duration = Duration::from_secs(3);

/// Share of paid (charged, not cash) demo orders that get a chargeback: one in 25.
pub const CHARGEBACK_RATE: f64 = 0.04;

/// Reasons demo chargebacks give, picked in turn.
const CHARGEBACK_REASONS: [&str; 5] = [
    "Fraudulent transaction",
    "Product not received",
    "Duplicate charge",
    "Product not as described",
    "Credit not processed",
];

/// Starts the generator; `false` if it was already running.
pub fn start(shared: &Arc<Shared>) -> bool {
    if shared.traffic_started.swap(true, Ordering::SeqCst) {
        return false;
    }
    let shared = Arc::clone(shared);
    shared.traffic_running.store(true, Ordering::SeqCst);
    tokio::spawn(async move {
        let mut n: u64 = 0;
        while shared.sleep_scaled(TICK).await {
            n += 1;
            tick(&shared, n);
        }
        shared.traffic_running.store(false, Ordering::SeqCst);
    });
    true
}

/// A payment taken through the second gateway (JPSL): its advice goes to the dashboard,
/// sometimes twice, now and then with a wrong hash (which the dashboard must refuse).
fn send_jpsl_payment(shared: &Arc<Shared>, n: u64) {
    let roll = shared.store().unit();
    let callback = crate::jpsl::JpslCallback {
        order_id: format!("jpsl-{}-{n}", shared.config.seed),
        amount: format!("{}.00", 100 + (roll * 2_900.0) as u64),
        outcome: if roll < 0.8 { "success" } else { "failed" }.to_owned(),
        form: n.is_multiple_of(8),
        fault: match n % 20 {
            0 => Some("duplicate".to_owned()),
            12 => Some("bad_hash".to_owned()),
            _ => None,
        },
        delay_ms: 0,
    };
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        if let Err(error) = crate::jpsl::send(&shared, &callback).await {
            tracing::warn!(%error, "demo JPSL callback not delivered");
        }
    });
}

fn request(pairs: &[(&str, String)]) -> ApiRequest {
    ApiRequest {
        params: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
        version: None,
    }
}

/// The currency of the `n`th demo order: USD, JPY or KWD for one order in ten each,
/// INR for the rest and for every mandate registration.
fn demo_currency(n: u64, registers_mandate: bool) -> &'static str {
    if registers_mandate {
        return "INR";
    }
    match n % 10 {
        3 => "USD",
        6 => "JPY",
        9 => "KWD",
        _ => "INR",
    }
}

/// A plausible order amount in minor units of `currency` for a roll `size` in `[0, 1)`:
/// ₹100–5,000 in whole rupees, $5–200 with cents, ¥500–50,000, 1–150 KWD with fils.
fn demo_amount(currency: &str, size: f64) -> i64 {
    let span = |low: f64, width: f64| (low + size * width) as i64;
    match currency {
        "USD" => span(500.0, 19_500.0),
        "JPY" => span(500.0, 49_500.0),
        "KWD" => span(1_000.0, 149_000.0),
        _ => span(100.0, 4_900.0) * 100,
    }
}

fn tick(shared: &Arc<Shared>, n: u64) {
    if n.is_multiple_of(4) && shared.jpsl.callback_url.is_some() {
        send_jpsl_payment(shared, n);
    }
    if n.is_multiple_of(3) {
        walk_some_chargeback(shared);
    }
    let order_id = format!("demo-{}-{n}", shared.config.seed);
    let registers_mandate = n.is_multiple_of(7);
    // One order in eleven is authorised only, and stays held for staff to capture or void.
    let pre_auth = !registers_mandate && n % 11 == 5;
    let currency = demo_currency(n, registers_mandate);
    let (roll, minor) = {
        let mut store = shared.store();
        (store.unit(), demo_amount(currency, store.unit()))
    };
    let mut params = vec![
        ("order_id", order_id.clone()),
        ("amount", amount::to_decimal_string(minor, currency)),
        ("currency", currency.to_owned()),
        ("customer_id", format!("demo-customer-{}", n % 5)),
    ];
    if registers_mandate {
        params.push(("options.create_mandate", "REQUIRED".to_owned()));
        params.push(("mandate.max_amount", "5000.00".to_owned()));
        params.push(("mandate.amount_rule", "VARIABLE".to_owned()));
        params.push(("mandate.frequency", "MONTHLY".to_owned()));
    }
    if pre_auth {
        params.push(("metadata.txns.auto_capture", "false".to_owned()));
    }
    if let Err(error) = orders::create_order(&mut shared.store(), &request(&params)) {
        tracing::warn!(%error, "demo order not created");
        return;
    }
    let method = if pre_auth {
        PaymentMethod::Card
    } else {
        PaymentMethod::ALL
            .get(usize::try_from(n).unwrap_or(0) % PaymentMethod::ALL.len())
            .copied()
            .unwrap_or_default()
    };
    let reasons = FailureReason::ALL;
    let (outcome, reason) = if roll < 0.65 || registers_mandate || pre_auth {
        (Outcome::Charged, None)
    } else if roll < 0.80 {
        (
            Outcome::Failed,
            reasons
                .get(usize::try_from(n).unwrap_or(0) % reasons.len())
                .copied(),
        )
    } else if roll < 0.92 {
        (Outcome::PendingThenCharged, None)
    } else {
        (Outcome::UserAborted, None)
    };
    let paid = payments::pay(
        shared,
        &shared.config.merchant_id,
        &order_id,
        &PaymentRequest {
            outcome,
            reason,
            method,
        },
    );
    if let Err(error) = paid {
        tracing::warn!(%error, "demo payment failed to apply");
        return;
    }
    if outcome == Outcome::Failed && n.is_multiple_of(3) {
        // The bank confirms a third of the failed payments late; Juspay gives them back.
        if let Err(error) = refunds::auto_refund(shared, &shared.config.merchant_id, &order_id) {
            tracing::warn!(%error, "demo auto-refund refused");
        }
    }
    // A held (pre-auth) order is neither refunded nor disputed until it is captured.
    let collected = outcome == Outcome::Charged && method != PaymentMethod::Cod && !pre_auth;
    if collected && roll < 0.15 {
        // Every other refund is partial: half the order, in the order's currency.
        let mut pairs = vec![("unique_request_id", format!("demo-rf-{n}"))];
        if n % 2 == 1 && minor / 2 > 0 {
            pairs.push(("amount", amount::to_decimal_string(minor / 2, currency)));
        }
        let refund = request(&pairs);
        if let Err(error) = refunds::refund(shared, &shared.config.merchant_id, &order_id, &refund)
        {
            tracing::warn!(%error, "demo refund refused");
        }
    }
    if collected && roll >= 0.15 && shared.store().unit() < CHARGEBACK_RATE {
        raise_chargeback(shared, &order_id, n);
    }
    if n.is_multiple_of(5) {
        execute_some_mandate(shared, n);
    }
    if n % 41 == 40 {
        expire_some_mandate(shared);
    }
}

/// Lets one active demo mandate reach its end date (`MANDATE_EXPIRED`), now and then.
fn expire_some_mandate(shared: &Arc<Shared>) {
    let mandate_id = shared
        .store()
        .mandates
        .values()
        .find(|m| m.status == MandateStatus::Active)
        .map(|m| m.mandate_id.clone());
    if let Some(mandate_id) = mandate_id
        && let Err(error) = crate::mandates::expire(shared, &shared.config.merchant_id, &mandate_id)
    {
        tracing::warn!(%error, "demo mandate not expired");
    }
}

/// Raises a `RECEIVED` chargeback for the whole of a paid demo order.
fn raise_chargeback(shared: &Arc<Shared>, order_id: &str, n: u64) {
    let reason = CHARGEBACK_REASONS
        .get(usize::try_from(n).unwrap_or(0) % CHARGEBACK_REASONS.len())
        .copied()
        .unwrap_or(chargebacks::DEFAULT_REASON);
    let request = ChargebackRequest {
        reason: Some(reason.to_owned()),
        ..ChargebackRequest::default()
    };
    if let Err(error) = chargebacks::raise(shared, &shared.config.merchant_id, order_id, &request) {
        tracing::warn!(%error, "demo chargeback refused");
    }
}

/// The status after `status` on the demo's path, for a roll in `[0, 1)`: `RECEIVED` goes
/// to `EVIDENCE_REQUIRED` (one in four, left there) or `UNDER_REVIEW`, which ends in the
/// merchant's favour (three in five) or the customer's; other statuses stay.
fn next_chargeback_status(status: ChargebackStatus, roll: f64) -> Option<ChargebackStatus> {
    match status {
        ChargebackStatus::Received if roll < 0.25 => Some(ChargebackStatus::EvidenceRequired),
        ChargebackStatus::Received => Some(ChargebackStatus::UnderReview),
        ChargebackStatus::UnderReview if roll < 0.6 => {
            Some(ChargebackStatus::ResolvedInMerchantFavour)
        }
        ChargebackStatus::UnderReview => Some(ChargebackStatus::ResolvedInCustomerFavour),
        _ => None,
    }
}

/// Moves one open demo chargeback a step along [`next_chargeback_status`].
fn walk_some_chargeback(shared: &Arc<Shared>) {
    let step = {
        let mut store = shared.store();
        let roll = store.unit();
        store
            .orders
            .values()
            .filter(|o| o.order_id.starts_with("demo-"))
            .find_map(|o| {
                o.chargebacks.iter().find_map(|c| {
                    next_chargeback_status(c.status, roll)
                        .map(|next| (o.order_id.clone(), c.id.clone(), next))
                })
            })
    };
    let Some((order_id, chargeback_id, next)) = step else {
        return;
    };
    let request = ChargebackRequest {
        status: Some(next.as_str().to_owned()),
        chargeback_id: Some(chargeback_id),
        ..ChargebackRequest::default()
    };
    if let Err(error) = chargebacks::raise(shared, &shared.config.merchant_id, &order_id, &request)
    {
        tracing::warn!(%error, "demo chargeback not moved");
    }
}

fn execute_some_mandate(shared: &Arc<Shared>, n: u64) {
    let mandate = shared
        .store()
        .mandates
        .values()
        .find(|m| m.status == MandateStatus::Active)
        .map(|m| {
            // 99 in the mandate's currency, within its limit (all of it for FIXED).
            let ninety_nine = amount::parse_minor("99", &m.currency).unwrap_or(m.max_amount);
            let minor = if m.amount_rule.eq_ignore_ascii_case("FIXED") {
                m.max_amount
            } else {
                ninety_nine.min(m.max_amount)
            };
            (
                m.mandate_id.clone(),
                m.customer_id.clone().unwrap_or_default(),
                amount::to_decimal_string(minor, &m.currency),
                m.currency.clone(),
            )
        });
    let Some((mandate_id, customer_id, amount_text, currency)) = mandate else {
        return;
    };
    let execution = request(&[
        ("mandate_id", mandate_id),
        ("merchant_id", shared.config.merchant_id.clone()),
        (
            "order.order_id",
            format!("demo-exec-{}-{n}", shared.config.seed),
        ),
        ("order.amount", amount_text),
        ("order.currency", currency),
        ("order.customer_id", customer_id),
    ]);
    if let Err(error) = mandates::execute(shared, &shared.config.merchant_id, &execution) {
        tracing::warn!(%error, "demo mandate execution refused");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_demo_order_in_ten_each_is_usd_jpy_and_kwd_and_mandates_stay_inr() {
        let currencies: Vec<&str> = (1..=10).map(|n| demo_currency(n, false)).collect();
        assert_eq!(currencies.iter().filter(|c| **c == "INR").count(), 7);
        for currency in ["USD", "JPY", "KWD"] {
            assert_eq!(currencies.iter().filter(|c| **c == currency).count(), 1);
        }
        for n in [3, 6, 9] {
            assert_eq!(demo_currency(n, true), "INR");
        }
    }

    #[test]
    fn demo_chargebacks_walk_to_evidence_or_through_review_to_a_resolution() {
        use ChargebackStatus::*;
        assert_eq!(
            next_chargeback_status(Received, 0.1),
            Some(EvidenceRequired)
        );
        assert_eq!(next_chargeback_status(Received, 0.9), Some(UnderReview));
        assert_eq!(
            next_chargeback_status(UnderReview, 0.1),
            Some(ResolvedInMerchantFavour)
        );
        assert_eq!(
            next_chargeback_status(UnderReview, 0.9),
            Some(ResolvedInCustomerFavour)
        );
        for status in [
            EvidenceRequired,
            ResolvedInMerchantFavour,
            ResolvedInCustomerFavour,
        ] {
            assert_eq!(next_chargeback_status(status, 0.5), None);
        }
    }

    #[test]
    fn demo_amounts_have_the_decimals_of_their_currency() {
        assert_eq!(
            amount::to_decimal_string(demo_amount("INR", 0.0), "INR"),
            "100.00"
        );
        assert_eq!(
            amount::to_decimal_string(demo_amount("JPY", 0.5), "JPY"),
            "25250"
        );
        assert_eq!(
            amount::to_decimal_string(demo_amount("USD", 0.5), "USD"),
            "102.50"
        );
        assert_eq!(
            amount::to_decimal_string(demo_amount("KWD", 0.0759), "KWD"),
            "12.309"
        );
        for size in [0.0, 0.123_456, 0.5, 0.999_999] {
            for currency in ["INR", "USD", "JPY", "KWD"] {
                let minor = demo_amount(currency, size);
                assert!(minor > 0, "{currency} {size}");
                let text = amount::to_decimal_string(minor, currency);
                assert_eq!(amount::parse_minor(&text, currency), Some(minor));
            }
        }
    }
}

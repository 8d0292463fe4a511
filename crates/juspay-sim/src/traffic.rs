//! Demo traffic (off by default): a steady stream of orders over all payment methods
//! with a realistic mix of success, failure, pending and refunds, plus mandate
//! registrations and executions. Invariant: it drives the same code paths as the API,
//! so everything it makes is visible through the API and webhooks; at most one
//! generator runs per simulator, for the primary merchant.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::body::ApiRequest;
use crate::payments::{self, FailureReason, Outcome, PaymentRequest};
use crate::server::Shared;
use crate::state::{MandateStatus, PaymentMethod};
use crate::{mandates, orders, refunds};

/// Time between demo orders, before time scaling.
pub const TICK: Duration = Duration::from_secs(3);

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

fn tick(shared: &Arc<Shared>, n: u64) {
    if n.is_multiple_of(4) && shared.jpsl.callback_url.is_some() {
        send_jpsl_payment(shared, n);
    }
    let order_id = format!("demo-{}-{n}", shared.config.seed);
    let (roll, rupees) = {
        let mut store = shared.store();
        (store.unit(), 100 + (store.unit() * 4_900.0) as u64)
    };
    let registers_mandate = n.is_multiple_of(7);
    let mut params = vec![
        ("order_id", order_id.clone()),
        ("amount", format!("{rupees}.00")),
        ("customer_id", format!("demo-customer-{}", n % 5)),
    ];
    if registers_mandate {
        params.push(("options.create_mandate", "REQUIRED".to_owned()));
        params.push(("mandate.max_amount", "5000.00".to_owned()));
        params.push(("mandate.amount_rule", "VARIABLE".to_owned()));
        params.push(("mandate.frequency", "MONTHLY".to_owned()));
    }
    if let Err(error) = orders::create_order(&mut shared.store(), &request(&params)) {
        tracing::warn!(%error, "demo order not created");
        return;
    }
    let method = PaymentMethod::ALL
        .get(usize::try_from(n).unwrap_or(0) % PaymentMethod::ALL.len())
        .copied()
        .unwrap_or_default();
    let reasons = FailureReason::ALL;
    let (outcome, reason) = if roll < 0.65 || registers_mandate {
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
    if outcome == Outcome::Charged && method != PaymentMethod::Cod && roll < 0.15 {
        let refund = request(&[("unique_request_id", format!("demo-rf-{n}"))]);
        if let Err(error) = refunds::refund(shared, &shared.config.merchant_id, &order_id, &refund)
        {
            tracing::warn!(%error, "demo refund refused");
        }
    }
    if n.is_multiple_of(5) {
        execute_some_mandate(shared, n);
    }
}

fn execute_some_mandate(shared: &Arc<Shared>, n: u64) {
    let mandate = shared
        .store()
        .mandates
        .values()
        .find(|m| m.status == MandateStatus::Active)
        .map(|m| {
            (
                m.mandate_id.clone(),
                m.customer_id.clone().unwrap_or_default(),
            )
        });
    let Some((mandate_id, customer_id)) = mandate else {
        return;
    };
    let execution = request(&[
        ("mandate_id", mandate_id),
        ("merchant_id", shared.config.merchant_id.clone()),
        (
            "order.order_id",
            format!("demo-exec-{}-{n}", shared.config.seed),
        ),
        ("order.amount", "99.00".to_owned()),
        ("order.customer_id", customer_id),
    ]);
    if let Err(error) = mandates::execute(shared, &shared.config.merchant_id, &execution) {
        tracing::warn!(%error, "demo mandate execution refused");
    }
}

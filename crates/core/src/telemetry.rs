//! The product's counters and histograms, named once here (Prometheus conventions: base
//! units, `_total` for counters, `_seconds` for durations), recorded through the `metrics`
//! facade; the server installs the Prometheus recorder and serves them on `/metrics`.
//! Invariant: every label value comes from a fixed set (values from outside, such as a
//! gateway name, become `other`), so no input can grow the number of series.

use dashboard_status::Outcome;

/// `value` when it is one of `known`, else `other`.
pub fn bounded(value: &str, known: &[&'static str]) -> &'static str {
    known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(value))
        .copied()
        .unwrap_or("other")
}

/// Gateways Juspay routes to (its `gateway` field), kept as labels; any other is `other`.
pub const KNOWN_GATEWAYS: &[&str] = &[
    "RAZORPAY",
    "PAYU",
    "CCAVENUE_V2",
    "CASHFREE",
    "BILLDESK",
    "PAYTM_V2",
    "HDFC",
    "ICICI",
    "AXIS",
    "KOTAK",
    "SBI",
    "YES_BIZ",
    "PHONEPE",
    "GOCASHFREE",
    "EASEBUZZ",
    "STRIPE",
    "ADYEN",
    "CHECKOUT",
    "CYBERSOURCE",
    "JIOPAY",
    "JUSPAY",
    "DUMMY",
];

fn outcome_label(outcome: &Outcome) -> &'static str {
    Outcome::KNOWN
        .iter()
        .find(|known| *known == outcome)
        .map_or("other", Outcome::as_str)
}

/// A delivery stored, repeated or refused at the door, by source (`juspay`, `jpsl`).
pub fn record_webhook_received(source: &'static str, result: &'static str) {
    metrics::counter!("dashboard_webhooks_received_total", "source" => source, "result" => result)
        .increment(1);
}

/// A stored delivery processed to `outcome`, `lag_ms` after it was received.
pub fn record_webhook_processed(outcome: &Outcome, lag_ms: i64) {
    metrics::counter!("dashboard_webhooks_processed_total", "outcome" => outcome_label(outcome))
        .increment(1);
    metrics::histogram!("dashboard_webhook_processing_lag_seconds")
        .record(lag_ms.max(0) as f64 / 1000.0);
}

/// A group of webhooks whose transaction failed (a database error such as a deadlock, or a
/// panic) and was processed again one event at a time.
pub fn record_webhook_group_retried() {
    metrics::counter!("dashboard_webhook_groups_retried_total").increment(1);
}

/// One reconciler check of an order, by what came of it.
pub fn record_reconciler_check(result: &'static str) {
    metrics::counter!("dashboard_reconciler_checks_total", "result" => result).increment(1);
}

/// One outbound delivery attempt, by result, with its duration.
pub fn record_outbound_attempt(result: &'static str, seconds: f64) {
    metrics::histogram!("dashboard_outbound_attempt_duration_seconds", "result" => result)
        .record(seconds);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_from_outside_is_one_of_the_known_values_or_other() {
        assert_eq!(bounded("razorpay", KNOWN_GATEWAYS), "RAZORPAY");
        assert_eq!(bounded("EVIL\"} 1\nfake 2", KNOWN_GATEWAYS), "other");
        assert_eq!(outcome_label(&Outcome::Other("x".repeat(500))), "other");
        assert_eq!(outcome_label(&Outcome::Applied), "applied");
    }
}

//! `GET /metrics`: the health figures in Prometheus text format, for the last hour and the
//! last day. Invariant: only a caller with the configured Bearer token (compared in
//! constant time) gets them; without a token configured the route does not exist (404).

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use dashboard_core::{clock::now_millis, report::Chain};

use super::state::AppState;

/// A label value as the Prometheus text format wants it: backslash, double quote and line
/// feed escaped. Gateway names come from Juspay's data, so one with a quote or a newline
/// must not break (or forge) the exposition.
fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.config.metrics.token.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !super::middleware::bearer_matches(&headers, token) {
        return (
            StatusCode::UNAUTHORIZED,
            "A valid Bearer token is required.",
        )
            .into_response();
    }
    let now = now_millis();
    let mut out = String::new();
    let mut metric = |name: &str, help: &str, kind: &str, lines: Vec<(String, String)>| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (labels, value) in lines {
            if labels.is_empty() {
                out.push_str(&format!("{name} {value}\n"));
            } else {
                out.push_str(&format!("{name}{{{labels}}} {value}\n"));
            }
        }
    };
    let mut windows = Vec::new();
    for (label, span) in [("1h", 3_600_000), ("24h", 86_400_000)] {
        match state.store.health(now - span, now).await {
            Ok(health) => windows.push((label, health)),
            Err(e) => {
                tracing::error!(error = %Chain(&e), "metrics: health figures failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "Try again later").into_response();
            }
        }
    }
    let per = |f: &dyn Fn(&dashboard_core::health::store::Health) -> String| {
        windows
            .iter()
            .map(|(w, h)| (format!("window=\"{w}\""), f(h)))
            .collect::<Vec<_>>()
    };
    metric(
        "dashboard_payment_outcomes",
        "Payments that reached an outcome in the window.",
        "gauge",
        per(&|h| h.overall.attempts.to_string()),
    );
    metric(
        "dashboard_payment_success_ratio",
        "Paid share of payments that reached an outcome (0-1).",
        "gauge",
        per(&|h| format!("{:.4}", h.overall.rate())),
    );
    let mut by_gateway = Vec::new();
    for (w, h) in &windows {
        for r in h.breakdown.iter().filter(|r| r.dimension == "gateway") {
            let key = escape_label_value(&r.key);
            by_gateway.push((
                format!("window=\"{w}\",gateway=\"{key}\""),
                format!("{:.4}", r.rate()),
            ));
        }
    }
    metric(
        "dashboard_payment_success_ratio_by_gateway",
        "Paid share per gateway (0-1).",
        "gauge",
        by_gateway,
    );
    metric(
        "dashboard_payment_latency_p95_seconds",
        "95th percentile from order creation to outcome.",
        "gauge",
        per(&|h| {
            h.payment_latency
                .p95
                .map_or("NaN".to_owned(), |ms| format!("{:.3}", ms as f64 / 1000.0))
        }),
    );
    metric(
        "dashboard_webhook_lag_p95_seconds",
        "95th percentile from Juspay's event time to our receipt.",
        "gauge",
        per(&|h| {
            h.webhook_lag
                .p95
                .map_or("NaN".to_owned(), |ms| format!("{:.3}", ms as f64 / 1000.0))
        }),
    );
    for (name, help, pick) in [
        (
            "dashboard_webhooks_received",
            "Webhook deliveries received.",
            0,
        ),
        (
            "dashboard_webhooks_rejected",
            "Deliveries refused (credentials or hash).",
            1,
        ),
        (
            "dashboard_webhooks_duplicates",
            "Repeated deliveries recorded.",
            2,
        ),
        (
            "dashboard_webhooks_processed",
            "Accepted deliveries processed.",
            3,
        ),
        (
            "dashboard_webhooks_failed",
            "Deliveries that failed processing.",
            4,
        ),
    ] {
        metric(
            name,
            help,
            "gauge",
            per(&|h| {
                let d = &h.delivery;
                [d.received, d.rejected, d.duplicates, d.processed, d.failed][pick].to_string()
            }),
        );
    }
    let open = match state.store.open_alerts().await {
        Ok(open) => open,
        Err(e) => {
            tracing::error!(error = %Chain(&e), "metrics: open alerts failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "Try again later").into_response();
        }
    };
    let mut kinds: Vec<(String, String)> = Vec::new();
    for kind in [
        "success_rate",
        "webhook_silence",
        "pending_too_long",
        "auth_failures",
        "amount_mismatch",
    ] {
        let n = open.iter().filter(|a| a.kind == kind).count();
        kinds.push((format!("kind=\"{kind}\""), n.to_string()));
    }
    metric(
        "dashboard_alerts_open",
        "Alerts open now, by kind.",
        "gauge",
        kinds,
    );
    metric(
        "dashboard_webhook_rejections_unstored_total",
        "Refused deliveries answered but not stored (over an address's per-minute budget) since start-up.",
        "counter",
        vec![(String::new(), state.rejections.unstored().to_string())],
    );
    metric(
        "dashboard_orders_pending",
        "Orders created in the window still without an outcome.",
        "gauge",
        per(&|h| h.pending.to_string()),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::escape_label_value;

    #[test]
    fn label_values_escape_backslashes_quotes_and_line_feeds() {
        assert_eq!(escape_label_value("RAZORPAY"), "RAZORPAY");
        assert_eq!(
            escape_label_value("a\\b\"c\nd} 1\nfake_metric 9"),
            "a\\\\b\\\"c\\nd} 1\\nfake_metric 9"
        );
    }
}

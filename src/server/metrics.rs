//! `GET /metrics` in the Prometheus text format, written by `metrics-exporter-prometheus`
//! (which escapes label values). Two parts: the process's counters and histograms (HTTP
//! requests by route template, method and status; webhooks by source and result and their
//! processing; reconciler checks; Juspay calls by endpoint and outcome; outbound attempts),
//! recorded as things happen through a recorder installed once per process; and gauges
//! read from the database at each scrape (backlog, open alerts, the health figures of the
//! last hour and day), written through a recorder local to the scrape. Invariants: only a
//! caller with the configured Bearer token (compared in constant time) gets them, without
//! a token configured the route does not exist (404), and every label value is bounded.

use std::sync::OnceLock;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use dashboard_core::{
    clock::now_millis,
    report::Chain,
    telemetry::{KNOWN_GATEWAYS, bounded},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::state::AppState;

/// Histogram buckets for durations, in seconds: 1 ms to 30 s.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

const ALERT_KINDS: &[&str] = &[
    "success_rate",
    "webhook_silence",
    "pending_too_long",
    "auth_failures",
    "amount_mismatch",
    "outbound_disabled",
    "mandates_expiring",
    "capture_due",
    "dispute",
    "dispute_due",
];

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn builder() -> PrometheusBuilder {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS)
        .expect("the bucket list is not empty")
}

/// The process's recorder, installed on first use: every later counter lands in it.
pub fn process_recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only gauges");
        }
        handle
    })
}

/// Times every request into `http_request_duration_seconds`, labelled by the route's
/// template (never the raw path, which carries ids; parameters written `:name`, which
/// every exposition parser reads), the method and the status.
pub async fn record_request(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| route_label(p.as_str()));
    let method = bounded(req.method().as_str(), METHODS);
    let response = next.run(req).await;
    metrics::histogram!(
        "http_request_duration_seconds",
        "route" => route,
        "method" => method,
        "status" => response.status().as_u16().to_string()
    )
    .record(started.elapsed().as_secs_f64());
    response
}

/// `/orders/{order_id}` as `/orders/:order_id`.
fn route_label(template: &str) -> String {
    template
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => format!(":{name}"),
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
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
    let figures = match read_figures(&state).await {
        Ok(figures) => figures,
        Err(e) => {
            tracing::error!(error = %Chain(&e), "metrics: reading the figures failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "Try again later").into_response();
        }
    };
    let scrape = builder().build_recorder();
    metrics::with_local_recorder(&scrape, || set_gauges(&state, &figures));
    let mut out = process_recorder().render();
    out.push_str(&scrape.handle().render());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// What the scrape-time gauges show, read from the database.
struct Figures {
    backlog: i64,
    open_alerts: Vec<String>,
    windows: Vec<(&'static str, dashboard_core::health::store::Health)>,
}

async fn read_figures(state: &AppState) -> Result<Figures, dashboard_core::StoreError> {
    let now = now_millis();
    let bound = state.config.processor.ready_max_backlog;
    let backlog = state.store.count_pending_webhooks(bound + 1).await?;
    let open_alerts = state
        .store
        .open_alerts()
        .await?
        .into_iter()
        .map(|a| a.kind)
        .collect();
    let mut windows = Vec::new();
    for (label, span) in [("1h", 3_600_000), ("24h", 86_400_000)] {
        windows.push((label, state.store.health(now - span, now).await?));
    }
    Ok(Figures {
        backlog,
        open_alerts,
        windows,
    })
}

fn set_gauges(state: &AppState, figures: &Figures) {
    use metrics::{describe_gauge, gauge};

    describe_gauge!(
        "dashboard_webhook_backlog",
        "Stored webhooks waiting to be processed (counted up to processor.ready_max_backlog + 1)."
    );
    gauge!("dashboard_webhook_backlog").set(figures.backlog as f64);
    describe_gauge!("dashboard_alerts_open", "Alerts open now, by kind.");
    for kind in ALERT_KINDS.iter().copied().chain(["other"]) {
        let open = figures
            .open_alerts
            .iter()
            .filter(|k| bounded(k, ALERT_KINDS) == kind)
            .count();
        gauge!("dashboard_alerts_open", "kind" => kind).set(open as f64);
    }
    metrics::describe_counter!(
        "dashboard_webhook_rejections_unstored_total",
        "Refused deliveries answered but not stored (over an address's per-minute budget) since start-up."
    );
    metrics::counter!("dashboard_webhook_rejections_unstored_total")
        .absolute(state.rejections.unstored());
    describe_gauge!(
        "dashboard_payment_outcomes",
        "Payments that reached an outcome in the window."
    );
    describe_gauge!(
        "dashboard_payment_success_ratio",
        "Paid share of payments that reached an outcome in the window (0-1)."
    );
    describe_gauge!(
        "dashboard_payment_success_ratio_by_gateway",
        "Paid share per gateway in the window (0-1); gateways outside the known list are summed as other."
    );
    describe_gauge!(
        "dashboard_payment_latency_p95_seconds",
        "95th percentile from order creation to outcome in the window."
    );
    describe_gauge!(
        "dashboard_webhook_lag_p95_seconds",
        "95th percentile from Juspay's event time to our receipt in the window."
    );
    describe_gauge!(
        "dashboard_orders_pending",
        "Orders created in the window still without an outcome."
    );
    for (window, health) in &figures.windows {
        let window = *window;
        gauge!("dashboard_payment_outcomes", "window" => window)
            .set(health.overall.attempts as f64);
        gauge!("dashboard_payment_success_ratio", "window" => window).set(health.overall.rate());
        gauge!("dashboard_orders_pending", "window" => window).set(health.pending as f64);
        if let Some(ms) = health.payment_latency.p95 {
            gauge!("dashboard_payment_latency_p95_seconds", "window" => window)
                .set(ms as f64 / 1000.0);
        }
        if let Some(ms) = health.webhook_lag.p95 {
            gauge!("dashboard_webhook_lag_p95_seconds", "window" => window).set(ms as f64 / 1000.0);
        }
        let mut by_gateway: std::collections::BTreeMap<&str, (i64, i64)> = Default::default();
        for row in health.breakdown.iter().filter(|r| r.dimension == "gateway") {
            let sums = by_gateway
                .entry(bounded(&row.key, KNOWN_GATEWAYS))
                .or_default();
            sums.0 += row.attempts;
            sums.1 += row.succeeded;
        }
        for (gateway, (attempts, succeeded)) in by_gateway {
            if attempts > 0 {
                gauge!("dashboard_payment_success_ratio_by_gateway", "window" => window, "gateway" => gateway)
                    .set(succeeded as f64 / attempts as f64);
            }
        }
    }
}

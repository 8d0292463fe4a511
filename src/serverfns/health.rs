//! The health page's figures for a time window, ready to show.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateView {
    pub dimension: String,
    pub key: String,
    pub attempts: i64,
    pub succeeded: i64,
    /// 0–100.
    pub percent: f64,
    /// The orders list with this breakdown's filter, when the list can filter by it.
    pub href: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthView {
    pub window: String,
    pub from: String,
    pub until: String,
    pub overall: RateView,
    pub breakdown: Vec<RateView>,
    /// (label, p50, p95, p99, samples) rows.
    pub percentiles: Vec<(String, String, String, String, usize)>,
    pub delivery: Vec<(String, i64)>,
    /// (UTC day, learned by poll, stale) rows.
    pub gap: Vec<(String, i64, i64)>,
    pub pending: i64,
}

#[server(prefix = "/api", endpoint = "get_health")]
pub async fn get_health(window: Option<String>) -> Result<HealthView, AppError> {
    use dashboard_core::{
        auth::Role,
        clock::{format_utc, now_millis},
    };

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let window = window.unwrap_or_else(|| "day".to_owned());
    let span = match window.as_str() {
        "hour" => 3_600_000,
        "week" => 7 * 86_400_000,
        "day" => 86_400_000,
        _ => return Err(ctx.fail(AppError::invalid("window", "Choose hour, day or week."))),
    };
    let until = now_millis();
    let from = until - span;
    let health = ctx
        .state
        .store
        .health(from, until)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let view = |r: &dashboard_core::store::health::RateRow| RateView {
        dimension: r.dimension.clone(),
        key: r.key.clone(),
        attempts: r.attempts,
        succeeded: r.succeeded,
        percent: r.rate() * 100.0,
        href: match r.dimension.as_str() {
            "method_type" if r.key != "(none)" => Some(format!("/orders?method_type={}", r.key)),
            "method" if r.key != "(none)" => Some(format!("/orders?method={}", r.key)),
            "gateway" if r.key != "(none)" => Some(format!("/orders?gateway={}", r.key)),
            _ => None,
        },
    };
    let ms = |v: Option<i64>| {
        v.map_or("—".to_owned(), |ms| {
            format!("{:.1} s", ms as f64 / 1000.0)
        })
    };
    let d = &health.delivery;
    Ok(HealthView {
        window,
        from: format_utc(from),
        until: format_utc(until),
        overall: view(&health.overall),
        breakdown: health.breakdown.iter().map(view).collect(),
        percentiles: [
            (
                "Payment latency (created → outcome)",
                &health.payment_latency,
            ),
            ("Webhook lag (Juspay event → received)", &health.webhook_lag),
        ]
        .into_iter()
        .map(|(label, p)| (label.to_owned(), ms(p.p50), ms(p.p95), ms(p.p99), p.count))
        .collect(),
        delivery: vec![
            ("Received".to_owned(), d.received),
            ("Authenticated".to_owned(), d.authenticated),
            ("Rejected (credentials or hash)".to_owned(), d.rejected),
            ("Duplicates".to_owned(), d.duplicates),
            ("Processed".to_owned(), d.processed),
            ("Failed processing".to_owned(), d.failed),
        ],
        gap: health
            .gap
            .iter()
            .map(|g| {
                (
                    format_utc(g.day)[..10].to_owned(),
                    g.learned_by_poll,
                    g.stale,
                )
            })
            .collect(),
        pending: health.pending,
    })
}

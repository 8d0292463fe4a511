//! The health page's figures for a time window, ready to show, the alerts (history on the
//! health page, open ones in every page's banner) and their acknowledgement.

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

/// Disputes opened in the window on one gateway's or method's payments, in one currency,
/// against the payments it made in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisputeRateView {
    pub dimension: String,
    pub key: String,
    pub disputes: i64,
    /// The disputed amount with its currency.
    pub amount: String,
    /// Payments of that gateway or method that succeeded in the window.
    pub paid: i64,
    /// Disputes per 100 paid payments; `None` when none was paid in the window.
    pub percent: Option<f64>,
}

/// One slice of the success rate over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointView {
    /// Start of the slice, UTC (`2026-11-23 14:00` or `2026-11-23`).
    pub label: String,
    /// Where the slice falls in the window, 0 (its start) to 1 (its end).
    pub position: f64,
    pub attempts: i64,
    /// 0–100.
    pub percent: f64,
}

/// An alert as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: i64,
    pub kind: String,
    pub message: String,
    pub opened: String,
    /// "by olga at 2026-11-23 10:04:11 UTC" once acknowledged.
    pub acknowledged: Option<String>,
    pub resolved: Option<String>,
}

#[cfg(feature = "ssr")]
impl AlertView {
    fn of(a: dashboard_core::health::alert_store::AlertRow, times: &super::Times) -> Self {
        Self {
            id: a.id,
            kind: a.kind,
            message: a.message,
            opened: times.text(a.opened_at),
            acknowledged: a.acked_at.map(|at| {
                format!(
                    "by {} at {}",
                    a.acked_by.unwrap_or_default(),
                    times.text(at)
                )
            }),
            resolved: a.resolved_at.map(|at| times.text(at)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthView {
    pub from: String,
    pub until: String,
    pub overall: RateView,
    pub breakdown: Vec<RateView>,
    pub over_time: Vec<PointView>,
    /// The same per payment method type (the types with most outcomes).
    pub over_time_by_method: Vec<(String, Vec<PointView>)>,
    /// One slice's share of the window (0 to 1): points further apart are a gap.
    pub slice_share: f64,
    /// (label, p50, p95, p99, samples) rows.
    pub percentiles: Vec<(String, String, String, String, usize)>,
    pub delivery: Vec<(String, i64)>,
    /// (UTC day, learned by poll, paid at Juspay but flagged here, stale) rows.
    pub gap: Vec<(String, i64, i64, i64)>,
    pub pending: i64,
    /// The latest alerts, open or not, newest first.
    pub alerts: Vec<AlertView>,
    pub disputes: Vec<DisputeRateView>,
}

/// The longest custom window: the figures stay bounded by the window's rows.
pub const MAX_CUSTOM_DAYS: i64 = 92;

#[server(prefix = "/api", endpoint = "get_health")]
pub async fn get_health(
    window: Option<String>,
    from: Option<String>,
    until: Option<String>,
) -> Result<HealthView, AppError> {
    use dashboard_core::clock::{format_utc, now_millis};
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    let times = ctx.times();
    let window = window
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "day".to_owned());
    let from_date = from.unwrap_or_default().trim().to_owned();
    let until_date = until.unwrap_or_default().trim().to_owned();
    let now = now_millis();
    let (from, until) = match window.as_str() {
        "hour" => (now - 3_600_000, now),
        "day" => (now - 86_400_000, now),
        "week" => (now - 7 * 86_400_000, now),
        "custom" => {
            let first = times.zone().day_bounds(&from_date).ok_or_else(|| {
                ctx.fail(AppError::invalid(
                    "from",
                    "Enter the first day as YYYY-MM-DD.",
                ))
            })?;
            let last = times.zone().day_bounds(&until_date).ok_or_else(|| {
                ctx.fail(AppError::invalid(
                    "until",
                    "Enter the last day as YYYY-MM-DD.",
                ))
            })?;
            if last.0 < first.0 {
                return Err(ctx.fail(AppError::invalid(
                    "until",
                    "The last day cannot be before the first.",
                )));
            }
            // Counted in UTC days: a clock change in the range moves no boundary by a day.
            if last.0 - first.0 >= MAX_CUSTOM_DAYS * 86_400_000 {
                return Err(ctx.fail(AppError::invalid(
                    "until",
                    format!("Choose at most {MAX_CUSTOM_DAYS} days."),
                )));
            }
            (first.0, last.1)
        }
        _ => {
            return Err(ctx.fail(AppError::invalid(
                "window",
                "Choose the last hour, day, 7 days or a custom range.",
            )));
        }
    };
    let store = &ctx.state.store;
    let health = store
        .health(from, until)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let alerts = store
        .recent_alerts(20)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let disputes = store
        .dispute_counts(from, until)
        .await
        .map_err(|e| ctx.internal(&e))?
        .into_iter()
        .map(|d| {
            let paid = health
                .breakdown
                .iter()
                .find(|r| r.dimension == d.dimension && r.key == d.key)
                .map_or(0, |r| r.succeeded);
            DisputeRateView {
                amount: dashboard_core::money::format_minor(d.amount, &d.currency),
                percent: (paid > 0).then(|| d.disputes as f64 * 100.0 / paid as f64),
                paid,
                disputes: d.disputes,
                dimension: d.dimension,
                key: d.key,
            }
        })
        .collect();
    let view = |r: &dashboard_core::health::store::RateRow| RateView {
        dimension: r.dimension.clone(),
        key: r.key.clone(),
        attempts: r.attempts,
        succeeded: r.succeeded,
        percent: r.rate() * 100.0,
        href: match r.dimension.as_str() {
            "method_type" if r.key != "(none)" => Some(format!("/orders?method_type={}", r.key)),
            "method" if r.key != "(none)" => Some(format!("/orders?method={}", r.key)),
            "gateway" if r.key != "(none)" => Some(format!("/orders?gateway={}", r.key)),
            "error_code" if r.key != "(none)" => Some(format!("/orders?error_code={}", r.key)),
            _ => None,
        },
    };
    let ms = |v: Option<i64>| {
        v.map_or("—".to_owned(), |ms| {
            format!("{:.1} s", ms as f64 / 1000.0)
        })
    };
    let d = &health.delivery;
    let hourly = health.slice_ms < 86_400_000;
    let span = (health.until - health.from).max(1) as f64;
    let points = |series: &[dashboard_core::health::store::RatePoint]| -> Vec<PointView> {
        series
            .iter()
            .map(|p| {
                // Buckets are whole UTC hours and days: labelled as such.
                let at = format_utc(p.at);
                PointView {
                    label: if hourly {
                        format!("{} UTC", &at[..16])
                    } else {
                        at[..10].to_owned()
                    },
                    position: ((p.at - health.from) as f64 / span).clamp(0.0, 1.0),
                    attempts: p.attempts,
                    percent: if p.attempts == 0 {
                        0.0
                    } else {
                        p.succeeded as f64 * 100.0 / p.attempts as f64
                    },
                }
            })
            .collect()
    };
    Ok(HealthView {
        from: times.text(from),
        until: times.text(until),
        overall: view(&health.overall),
        breakdown: health.breakdown.iter().map(view).collect(),
        over_time: points(&health.over_time),
        over_time_by_method: health
            .over_time_by_method
            .iter()
            .map(|(method, series)| (method.clone(), points(series)))
            .collect(),
        slice_share: health.slice_ms as f64 / (health.until - health.from).max(1) as f64,
        percentiles: [
            (
                "Payment latency (created → outcome)",
                &health.payment_latency,
            ),
            ("Webhook lag (Juspay event → received)", &health.webhook_lag),
        ]
        .into_iter()
        .map(|(label, p)| {
            // Long windows read latency from the hourly histogram: say the figure is near.
            let near = |v| {
                let text = ms(v);
                if p.approximate && v.is_some() {
                    format!("≈ {text}")
                } else {
                    text
                }
            };
            (
                label.to_owned(),
                near(p.p50),
                near(p.p95),
                near(p.p99),
                p.count,
            )
        })
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
                    g.flagged,
                    g.stale,
                )
            })
            .collect(),
        pending: health.pending,
        alerts: alerts
            .into_iter()
            .map(|a| AlertView::of(a, &times))
            .collect(),
        disputes,
    })
}

/// The banner on every page: open alerts nobody has acknowledged yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BannerView {
    /// Operators and admins may acknowledge; viewers only see.
    pub can_acknowledge: bool,
    pub alerts: Vec<AlertView>,
}

/// The banner's alerts; empty when signed out.
#[server(prefix = "/api", endpoint = "banner_alerts")]
pub async fn banner_alerts() -> Result<BannerView, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    let Some(user) = &ctx.user else {
        return Ok(BannerView::default());
    };
    let open = ctx
        .state
        .store
        .open_alerts()
        .await
        .map_err(|e| ctx.internal(&e))?;
    let times = ctx.times();
    Ok(BannerView {
        can_acknowledge: user.role >= Role::Operator,
        alerts: open
            .into_iter()
            .filter(|a| a.acked_at.is_none())
            .map(|a| AlertView::of(a, &times))
            .collect(),
    })
}

/// Marks an open alert as seen by the signed-in operator (it leaves the banner, stays on the
/// health page until it resolves). Audited.
#[server(prefix = "/api", endpoint = "acknowledge_alert")]
pub async fn acknowledge_alert(id: i64) -> Result<String, AppError> {
    use dashboard_core::clock::now_millis;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Operator)?;
    let audit = ctx.audit("alert.acknowledge", &id.to_string(), "")?;
    let changed = ctx
        .state
        .store
        .acknowledge_alert(id, now_millis(), &audit)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let message = if changed {
        "Alert acknowledged."
    } else {
        "That alert was already acknowledged or has resolved."
    };
    ctx.flash_for_forms(message).await;
    Ok(message.to_owned())
}

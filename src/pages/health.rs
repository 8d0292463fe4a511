//! Health: success rate (overall, by method, gateway and error code, each linking to the
//! orders behind it), latency and webhook lag percentiles, webhook delivery and the
//! reconciliation gap, for a chosen window. Charts are SVG drawn on the server, readable
//! without JavaScript, labelled for screen readers and coloured by the theme.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    components::shell::{Shell, shown},
    serverfns::health::{AlertView, DisputeRateView, HealthView, PointView, RateView, get_health},
};

/// The support playbook's alert threshold: a success rate below 90 % needs attention.
const ALERT_PERCENT: f64 = 90.0;

#[component]
pub fn HealthPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        let p = params.read();
        (p.get("window"), p.get("from"), p.get("until"))
    };
    let window = move || params.read().get("window");
    let health = Resource::new(query, |(window, from, until)| {
        get_health(window, from, until)
    });
    view! {
        <Shell title="Health">
            <h1>"Health"</h1>
            <form method="get" action="/health" class="card filters">
                <label>
                    "Window"
                    <select name="window">
                        {move || {
                            let current = window().unwrap_or_else(|| "day".to_owned());
                            [("hour", "last hour"), ("day", "last 24 hours"), ("week", "last 7 days"), ("custom", "custom days (below)")]
                                .into_iter()
                                .map(|(v, shown)| view! { <option value=v selected=current == v>{shown}</option> })
                                .collect_view()
                        }}
                    </select>
                </label>
                <label>
                    "From (UTC day)"
                    <input type="date" name="from" value=move || params.read().get("from").unwrap_or_default()/>
                </label>
                <label>
                    "Until (UTC day, included)"
                    <input type="date" name="until" value=move || params.read().get("until").unwrap_or_default()/>
                </label>
                <button type="submit">"Show"</button>
            </form>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move { shown(health.await.map(|h| view! { <Figures h/> })) })}
            </Suspense>
        </Shell>
    }
}

/// A horizontal bar chart of success rates, one bar per row.
fn rate_chart(title: &str, rows: &[RateView]) -> impl IntoView + use<> {
    let height = 24 * rows.len().max(1) + 8;
    let label = format!(
        "{title}: {}",
        rows.iter()
            .map(|r| format!("{} {:.1}% of {}", r.key, r.percent, r.attempts))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let y = 4 + i * 24;
            let width = (r.percent * 3.0).round();
            let class = if r.percent < ALERT_PERCENT { "bar low" } else { "bar" };
            view! {
                <text x="0" y=y + 15 class="axis">{r.key.clone()}</text>
                <rect x="160" y=y width=width height="18" class=class/>
                <text x=168.0 + width y=y + 15 class="axis">{format!("{:.1}% ({})", r.percent, r.attempts)}</text>
            }
        })
        .collect_view();
    let aria = label.clone();
    view! {
        <svg class="chart" role="img" aria-label=aria viewBox=format!("0 0 560 {height}") width="100%">
            <title>{label}</title>
            <line x1=160.0 + ALERT_PERCENT * 3.0 x2=160.0 + ALERT_PERCENT * 3.0 y1="0" y2=height class="threshold"/>
            {bars}
        </svg>
    }
}

/// Success rate per slice of the window as columns, the 90 % line across.
fn time_chart(points: &[PointView]) -> impl IntoView + use<> {
    let width = 560.0;
    let step = (width - 40.0) / points.len().max(1) as f64;
    let label = format!(
        "Success rate over time: {}",
        points
            .iter()
            .map(|p| format!("{} {:.1}% of {}", p.label, p.percent, p.attempts))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let columns = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let height = p.percent * 1.6;
            let class = if p.percent < ALERT_PERCENT { "bar low" } else { "bar" };
            view! {
                <rect x=40.0 + i as f64 * step y=170.0 - height width=(step - 2.0).max(1.0) height=height class=class>
                    <title>{format!("{}: {:.1}% of {}", p.label, p.percent, p.attempts)}</title>
                </rect>
            }
        })
        .collect_view();
    let first = points.first().map(|p| p.label.clone()).unwrap_or_default();
    let last = points.last().map(|p| p.label.clone()).unwrap_or_default();
    let aria = label.clone();
    view! {
        <svg class="chart" role="img" aria-label=aria viewBox="0 0 560 200" width="100%">
            <title>{label}</title>
            <text x="0" y="14" class="axis">"100%"</text>
            <text x="0" y="170" class="axis">"0%"</text>
            <line x1="40" x2="560" y1=170.0 - ALERT_PERCENT * 1.6 y2=170.0 - ALERT_PERCENT * 1.6 class="threshold"/>
            {columns}
            <text x="40" y="190" class="axis">{first}</text>
            <text x="560" y="190" class="axis" text-anchor="end">{last}</text>
        </svg>
    }
}

fn alert_history(alerts: Vec<AlertView>) -> impl IntoView {
    view! {
        <section class="card" id="alerts">
            <h2>"Alerts"</h2>
            {if alerts.is_empty() {
                view! { <p>"No alert has been raised."</p> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <thead><tr><th scope="col">"Alert"</th><th scope="col">"Opened"</th><th scope="col">"Acknowledged"</th><th scope="col">"Resolved"</th></tr></thead>
                        <tbody>
                            {alerts
                                .into_iter()
                                .map(|a| view! {
                                    <tr>
                                        <td>{a.message}</td>
                                        <td>{a.opened}</td>
                                        <td>{a.acknowledged.unwrap_or_else(|| "—".to_owned())}</td>
                                        <td>{a.resolved.unwrap_or_else(|| "open".to_owned())}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
    }
}

/// Disputes opened in the window by gateway and by method, against the payments made.
fn dispute_rates(rows: Vec<DisputeRateView>) -> impl IntoView {
    view! {
        <section class="card" data-testid="dispute-rates">
            <h2>"Disputes"</h2>
            {if rows.is_empty() {
                view! { <p>"No dispute was opened in this window."</p> }.into_any()
            } else {
                view! {
                    <p>"Disputes first seen in this window, against the payments that succeeded in it; card schemes watch this ratio per acquirer."</p>
                    <table class="data">
                        <thead><tr><th scope="col">"By"</th><th scope="col">""</th><th scope="col">"Disputes"</th><th scope="col">"Amount"</th><th scope="col">"Paid"</th><th scope="col">"Rate"</th></tr></thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|r| view! {
                                    <tr>
                                        <td>{r.dimension}</td>
                                        <td>{r.key}</td>
                                        <td class="num">{r.disputes}</td>
                                        <td class="num">{r.amount}</td>
                                        <td class="num">{r.paid}</td>
                                        <td class="num">{r.percent.map_or_else(|| "—".to_owned(), |p| format!("{p:.2}%"))}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn Figures(h: HealthView) -> impl IntoView {
    let overall = h.overall.clone();
    let low = overall.attempts > 0 && overall.percent < ALERT_PERCENT;
    let by = |dimension: &str| -> Vec<RateView> {
        h.breakdown
            .iter()
            .filter(|r| r.dimension == dimension)
            .cloned()
            .collect()
    };
    let sections = [
        ("Payment method type", by("method_type")),
        ("Payment method", by("method")),
        ("Gateway", by("gateway")),
        ("Error code", by("error_code")),
    ];
    view! {
        <p class="totals">{h.from.clone()} " – " {h.until.clone()}</p>
        <section class=if low { "card danger" } else { "card" }>
            <h2>"Success rate"</h2>
            <p class="status-line" data-testid="overall">
                {if overall.attempts == 0 {
                    "No payment reached an outcome in this window.".to_owned()
                } else {
                    format!("{:.1}% of {} payments that reached an outcome", overall.percent, overall.attempts)
                }}
            </p>
            {low.then(|| view! { <p class="error" role="alert">"Below the 90 % threshold: check gateways and error codes below."</p> })}
            <p>{h.pending} " orders created in this window are still pending."</p>
            {(!h.over_time.is_empty()).then(|| time_chart(&h.over_time))}
        </section>
        {alert_history(h.alerts.clone())}
        {sections
            .into_iter()
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(title, rows)| {
                view! {
                    <section class="card">
                        <h2>"By " {title.to_lowercase()}</h2>
                        {rate_chart(title, &rows)}
                        <table class="data">
                            <thead><tr><th scope="col">{title}</th><th scope="col">"Outcomes"</th><th scope="col">"Paid"</th><th scope="col">"Success"</th></tr></thead>
                            <tbody>
                                {rows
                                    .into_iter()
                                    .map(|r| {
                                        let key = match r.href.clone() {
                                            Some(href) => view! { <a href=href>{r.key.clone()}</a> }.into_any(),
                                            None => view! { <span>{r.key.clone()}</span> }.into_any(),
                                        };
                                        view! {
                                            <tr>
                                                <td>{key}</td>
                                                <td class="num">{r.attempts}</td>
                                                <td class="num">{r.succeeded}</td>
                                                <td class="num">{format!("{:.1}%", r.percent)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </section>
                }
            })
            .collect_view()}
        {dispute_rates(h.disputes.clone())}
        <section class="card">
            <h2>"Latency"</h2>
            <table class="data">
                <thead><tr><th scope="col">""</th><th scope="col">"p50"</th><th scope="col">"p95"</th><th scope="col">"p99"</th><th scope="col">"Samples"</th></tr></thead>
                <tbody>
                    {h.percentiles
                        .iter()
                        .cloned()
                        .map(|(label, p50, p95, p99, n)| view! {
                            <tr><td>{label}</td><td class="num">{p50}</td><td class="num">{p95}</td><td class="num">{p99}</td><td class="num">{n}</td></tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
        <section class="card">
            <h2>"Webhook delivery"</h2>
            <dl class="facts">
                {h.delivery.iter().cloned().map(|(k, v)| view! { <dt>{k}</dt> <dd>{v}</dd> }).collect_view()}
            </dl>
        </section>
        <section class="card">
            <h2>"Reconciliation gap"</h2>
            {if h.gap.is_empty() {
                view! { <p>"No orders in this window."</p> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <thead><tr><th scope="col">"Day (UTC)"</th><th scope="col">"Paid, learned by poll (webhook missed)"</th><th scope="col">"Paid at Juspay, not here (amount mismatch)"</th><th scope="col">"Stale"</th></tr></thead>
                        <tbody>
                            {h.gap
                                .iter()
                                .cloned()
                                .map(|(day, poll, flagged, stale)| view! { <tr><td>{day}</td><td class="num">{poll}</td><td class="num">{flagged}</td><td class="num">{stale}</td></tr> })
                                .collect_view()}
                        </tbody>
                    </table>
                    <p>
                        "Reconciliation report: "
                        <a href="/orders?via=poll">"orders paid that we learned of by polling"</a> " · "
                        <a href="/orders?flagged=1">"paid at Juspay but not here (amount mismatch)"</a> " · "
                        <a href="/orders?stale=1">"stale orders"</a>
                    </p>
                }
                .into_any()
            }}
        </section>
    }
}

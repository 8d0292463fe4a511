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
                    "From (day in your time zone)"
                    <input type="date" name="from" value=move || params.read().get("from").unwrap_or_default()/>
                </label>
                <label>
                    "Until (day in your time zone, included)"
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

/// Plot area of the success-rate chart in SVG units: 0 % at the bottom, 100 % at the top.
const PLOT: (f64, f64, f64, f64) = (44.0, 590.0, 12.0, 172.0);

/// Success rate over the window: one line for all payments and one per leading method
/// type, broken where slices had no outcome, the 90 % threshold across. Every point shows
/// its figures on hover or keyboard focus (no JavaScript), and a table gives them all.
fn time_chart(h: &HealthView) -> impl IntoView + use<> {
    let (left, right, top, bottom) = PLOT;
    let x = move |p: &PointView| left + p.position * (right - left);
    let y = move |percent: f64| bottom - percent / 100.0 * (bottom - top);
    let mut series = vec![("All payments".to_owned(), h.over_time.clone())];
    series.extend(h.over_time_by_method.iter().cloned());
    let gap = h.slice_share * 1.5;
    let lines = series
        .iter()
        .enumerate()
        .map(|(index, (name, points))| {
            // A new segment starts wherever slices without outcomes come between two points.
            let mut segments: Vec<Vec<&PointView>> = Vec::new();
            for point in points {
                match segments.last_mut() {
                    Some(segment)
                        if segment
                            .last()
                            .is_some_and(|last| point.position - last.position <= gap) =>
                    {
                        segment.push(point)
                    }
                    _ => segments.push(vec![point]),
                }
            }
            let class = format!("line s{index}");
            let paths = segments
                .into_iter()
                .filter(|segment| segment.len() > 1)
                .map(|segment| {
                    let coordinates = segment
                        .iter()
                        .map(|p| format!("{:.1},{:.1}", x(p), y(p.percent)))
                        .collect::<Vec<_>>()
                        .join(" ");
                    view! { <polyline points=coordinates class=class.clone()/> }
                })
                .collect_view();
            let dots = points
                .iter()
                .map(|p| {
                    let figures = format!("{name}, {}: {:.1}% of {}", p.label, p.percent, p.attempts);
                    let label = figures.clone();
                    let (cx, cy) = (x(p), y(p.percent));
                    let anchor = if cx > (left + right) / 2.0 { "end" } else { "start" };
                    view! {
                        <g class="point" role="img" tabindex="0" aria-label=label>
                            <circle cx=cx cy=cy r="3.5" class=format!("dot s{index}")/>
                            <text x=cx y=(cy - 8.0).max(10.0) text-anchor=anchor class="tip">{figures}</text>
                        </g>
                    }
                })
                .collect_view();
            view! { {paths} {dots} }
        })
        .collect_view();
    let legend = series
        .iter()
        .enumerate()
        .map(|(index, (name, _))| {
            view! { <li><span class=format!("swatch s{index}")></span>{name.clone()}</li> }
        })
        .collect_view();
    let first = h.from.clone();
    let last = h.until.clone();
    let summary = format!(
        "Success rate over time, {} lines; the figures are in the table below the chart.",
        series.len()
    );
    let threshold = y(ALERT_PERCENT);
    view! {
        <figure class="line-chart">
            <svg class="chart wide" role="group" aria-label=summary viewBox="0 0 600 200" width="100%">
                <text x="0" y=top + 4.0 class="axis">"100%"</text>
                <text x="0" y=threshold + 4.0 class="axis">"90%"</text>
                <text x="0" y=bottom + 4.0 class="axis">"0%"</text>
                <line x1=left x2=right y1=threshold y2=threshold class="threshold"/>
                <line x1=left x2=right y1=bottom y2=bottom class="baseline"/>
                {lines}
                <text x=left y="194" class="axis">{first}</text>
                <text x=right y="194" class="axis" text-anchor="end">{last}</text>
            </svg>
            <figcaption><ul class="legend">{legend}</ul></figcaption>
        </figure>
        <details>
            <summary>"Show the figures as a table"</summary>
            <RateTable series/>
        </details>
    }
}

/// The chart's figures: one row per slice, one column per line.
#[component]
fn RateTable(series: Vec<(String, Vec<PointView>)>) -> impl IntoView {
    let mut slices: Vec<(f64, String)> = series
        .iter()
        .flat_map(|(_, points)| points.iter().map(|p| (p.position, p.label.clone())))
        .collect();
    slices.sort_by(|a, b| a.0.total_cmp(&b.0));
    slices.dedup_by(|a, b| a.1 == b.1);
    let cell = move |points: &[PointView], label: &str| {
        points.iter().find(|p| p.label == label).map_or_else(
            || "—".to_owned(),
            |p| format!("{:.1}% of {}", p.percent, p.attempts),
        )
    };
    let header = series
        .iter()
        .map(|(name, _)| view! { <th scope="col" class="num">{name.clone()}</th> })
        .collect_view();
    let rows = slices
        .into_iter()
        .map(|(_, label)| {
            let cells = series
                .iter()
                .map(|(_, points)| view! { <td class="num">{cell(points, &label)}</td> })
                .collect_view();
            view! { <tr><th scope="row">{label}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="data">
            <thead><tr><th scope="col">"Slice"</th>{header}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
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
                        <thead><tr><th scope="col">"By"</th><th scope="col">"Value"</th><th scope="col">"Disputes"</th><th scope="col">"Amount"</th><th scope="col">"Paid"</th><th scope="col">"Rate"</th></tr></thead>
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
            {(!h.over_time.is_empty()).then(|| time_chart(&h))}
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
                <thead><tr><th scope="col">"Measure"</th><th scope="col">"p50"</th><th scope="col">"p95"</th><th scope="col">"p99"</th><th scope="col">"Samples"</th></tr></thead>
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

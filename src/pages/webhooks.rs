//! Webhook log: a filter form (a plain GET form, so the filters live in the address and
//! survive refresh and sharing), the list newest first with keyset paging, and the detail
//! of one delivery with its raw body and headers.

use dashboard_status::{AuthVerdict, Outcome};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    components::{
        filters::FilterBox,
        shell::{Shell, shown},
        views::SavedViews,
        when::When,
    },
    pages::{SOURCES, as_options, encode, labelled, menu, picker, query_of, query_text},
    serverfns::webhooks::{
        ReprocessView, ReprocessWebhook, WebhookDetail, WebhookPage, WebhookQuery, get_webhook,
        list_webhooks, preview_reprocess, webhook_event_names,
    },
};

/// The filters of the address that a saved view keeps.
const FIELDS: [&str; 7] = [
    "source", "event", "verdict", "outcome", "order", "from", "to",
];

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        let p = params.read();
        WebhookQuery {
            event: p
                .get_all("event")
                .map(|names| names.join(","))
                .filter(|names| !names.is_empty()),
            verdict: p.get("verdict"),
            source: p.get("source"),
            outcome: p.get("outcome"),
            order: p.get("order"),
            from: p.get("from"),
            to: p.get("to"),
            before: p.get("before").and_then(|b| b.parse().ok()),
        }
    };
    let names = Resource::new(|| (), |()| webhook_event_names());
    let page = Resource::new(query, |q| {
        list_webhooks(
            q.source, q.event, q.verdict, q.outcome, q.order, q.from, q.to, q.before,
        )
    });
    view! {
        <Shell title="Webhooks">
            <h1>"Webhooks"</h1>
            {move || view! { <SavedViews page="webhooks" query=query_text(&query_of(&params.read(), &FIELDS))/> }}
            <Suspense fallback=move || view! { <FilterForm query=query() names=Vec::new()/> }>
                {move || Suspend::new(async move {
                    // Without the names the event filter stays a text box.
                    let names = names.await.unwrap_or_default();
                    view! { <FilterForm query=query() names/> }
                })}
            </Suspense>
            <Suspense fallback=|| view! { <p>"Loading webhooks…"</p> }>
                {move || Suspend::new(async move {
                    shown(page.await.map(|page| view! { <WebhookTable page query=query()/> }))
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn FilterForm(query: WebhookQuery, names: Vec<String>) -> impl IntoView {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let active = [
        &query.source,
        &query.event,
        &query.verdict,
        &query.outcome,
        &query.order,
        &query.from,
        &query.to,
    ]
    .into_iter()
    .filter(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
    .count();
    view! {
        <FilterBox active>
        <form method="get" action="/webhooks" class="card filters">
            {picker("event", "Event", "ORDER_SUCCEEDED", text(&query.event), as_options(names))}
            <label>"Order id" <input name="order" value=text(&query.order)/></label>
            {menu("source", "Source", "", text(&query.source), labelled(SOURCES.into_iter()))}
            {menu(
                "verdict",
                "Verification",
                "",
                text(&query.verdict),
                labelled(AuthVerdict::KNOWN.iter().map(|v| (v.as_str(), v.label()))),
            )}
            {menu(
                "outcome",
                "Outcome",
                "",
                text(&query.outcome),
                labelled(Outcome::KNOWN.iter().map(|o| (o.as_str(), o.label()))),
            )}
            <label>"From (your time zone)" <input type="date" name="from" value=text(&query.from)/></label>
            <label>"To (your time zone)" <input type="date" name="to" value=text(&query.to)/></label>
            <button type="submit">"Filter"</button>
            <a href="/webhooks?view=all">"Clear"</a>
        </form>
        </FilterBox>
    }
}

#[component]
fn WebhookTable(page: WebhookPage, query: WebhookQuery) -> impl IntoView {
    if page.rows.is_empty() {
        return view! {
            <section class="card empty">
                <p>"No webhooks match. Every delivery Juspay makes is listed here with its verdict."</p>
            </section>
        }
        .into_any();
    }
    let older = page.next_before.map(|before| {
        let mut pairs: Vec<(&str, String)> = [
            ("source", query.source),
            ("event", query.event),
            ("verdict", query.verdict),
            ("outcome", query.outcome),
            ("order", query.order),
            ("from", query.from),
            ("to", query.to),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
        pairs.push(("before", before.to_string()));
        let href = format!(
            "/webhooks?{}",
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", encode(v)))
                .collect::<Vec<_>>()
                .join("&")
        );
        view! { <a class="next" href=href>"Older deliveries →"</a> }
    });
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Received"</th>
                    <th scope="col">"Source"</th>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Order"</th>
                    <th scope="col">"Verification"</th>
                    <th scope="col">"Outcome"</th>
                    <th scope="col">"Repeats"</th>
                    <th scope="col">"Lag"</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .rows
                    .into_iter()
                    .map(|row| {
                        view! {
                            <tr>
                                <td><a href=format!("/webhooks/{}", row.id)><When at=row.received/></a></td>
                                <td>{if row.source == "jpsl" { "JPSL" } else { "Juspay" }}</td>
                                <td>{row.event_name}</td>
                                <td>
                                    {row
                                        .order_id
                                        .map(|id| {
                                            let href = format!("/orders/{}", encode(&id));
                                            view! { <a href=href>{id}</a> }
                                        })}
                                </td>
                                <td><span class=format!("badge {}", row.verdict)>{row.verdict.to_string()}</span></td>
                                <td>{row.outcome.to_string()}</td>
                                <td>{row.duplicates}</td>
                                <td>{row.lag.unwrap_or_default()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {older}
    }
    .into_any()
}

#[component]
pub fn WebhookDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(-1)
    };
    let query = use_query_map();
    let wants_preview = move || query.read().get("preview").is_some();
    let reprocess = ServerAction::<ReprocessWebhook>::new();
    let detail = Resource::new(
        move || (id(), reprocess.version().get()),
        |(id, _)| get_webhook(id),
    );
    let preview = Resource::new(
        move || (id(), wants_preview(), reprocess.version().get()),
        |(id, wanted, _)| async move {
            match wanted {
                true => preview_reprocess(id).await.map(Some),
                false => Ok(None),
            }
        },
    );
    view! {
        <Shell title="Webhook">
            <p><a href="/webhooks">"← All webhooks"</a></p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let loaded = async { Ok((detail.await?, preview.await?)) };
                    shown(loaded.await.map(|(d, preview)| view! { <Detail d preview reprocess/> }))
                })}
            </Suspense>
        </Shell>
    }
}

/// Dry run (a GET, so it works without JavaScript and changes nothing) and the real
/// reprocess (a POST, audited), for operators and admins.
#[component]
fn Reprocess(
    id: i64,
    preview: Option<ReprocessView>,
    reprocess: ServerAction<ReprocessWebhook>,
) -> impl IntoView {
    let result = preview.map(|p| {
        let changes = if p.changes.is_empty() {
            view! { <p>"No change: the stored state already reflects this event."</p> }.into_any()
        } else {
            view! { <ul>{p.changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul> }
                .into_any()
        };
        view! {
            <div class="preview" data-testid="dry-run">
                <p>"Reprocessing would record the outcome " <strong>{p.outcome.to_string()}</strong>
                    {p.detail.map(|d| format!(" ({d})"))} "."</p>
                {changes}
            </div>
        }
    });
    // With JavaScript the result arrives here; without it, as the flash after the redirect.
    let done = move || {
        reprocess.value().get().map(|result| match result {
            Ok(message) => view! { <p class="flash" role="status">{message}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <section class="card">
            <h2>"Reprocess"</h2>
            {done}
            <p>"Applies this event again through the same rules as on arrival; what is already \
                applied does not change. Try a dry run first."</p>
            {result}
            <div class="actions">
                <form method="get" action=format!("/webhooks/{id}")>
                    <input type="hidden" name="preview" value="1"/>
                    <button type="submit">"Dry run"</button>
                </form>
                <ActionForm action=reprocess>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit">"Reprocess"</button>
                </ActionForm>
            </div>
        </section>
    }
}

#[component]
fn Detail(
    d: WebhookDetail,
    preview: Option<ReprocessView>,
    reprocess: ServerAction<ReprocessWebhook>,
) -> impl IntoView {
    let fact = |label: &'static str, value: Option<String>| {
        view! {
            <dt>{label}</dt>
            <dd>{value.unwrap_or_else(|| "—".to_owned())}</dd>
        }
    };
    let repeats = if d.row.duplicates > 0 {
        format!(
            "received {} more time(s); never applied twice (last {})",
            d.row.duplicates,
            d.last_duplicate.clone().unwrap_or_default()
        )
    } else {
        "first delivery".to_owned()
    };
    view! {
        <h1>{d.row.event_name.clone()}</h1>
        <section class="card">
            <dl class="facts">
                {fact("Received", Some(d.row.received.to_string()))}
                {fact("Created at Juspay", d.created_at_juspay.clone())}
                {fact("Lag", d.row.lag.clone())}
                {fact("Event id", d.event_id.clone())}
                {fact("Order id", d.row.order_id.clone())}
                {fact("Verification (Basic credentials or secureHash)", Some(d.row.verdict.to_string()))}
                {fact("Deduplication", Some(repeats))}
                {fact("Outcome", Some(d.row.outcome.to_string()))}
                {fact("Outcome detail", d.outcome_detail.clone())}
                {fact("Processed", d.processed.clone())}
                {fact("Processing attempts", Some(d.attempts.to_string()))}
            </dl>
            {d.row.order_id.clone().map(|order| view! {
                <p><a href=format!("/orders/{}", encode(&order))>"Open order " {order.clone()}</a></p>
            })}
        </section>
        {d.can_reprocess.then(|| view! { <Reprocess id=d.row.id preview reprocess/> })}
        {match d.raw_removed.clone() {
            Some(at) => view! {
                <section class="card">
                    <h2>"Body"</h2>
                    <p>"Removed on " {at} " under the retention policy; the event and its outcome are kept."</p>
                </section>
            }.into_any(),
            None => view! {
                <section class="card">
                    <h2>"Body" {d.body_truncated.then_some(" (first 1 KiB only)")}</h2>
                    <pre class="raw">{d.body.clone()}</pre>
                </section>
            }.into_any(),
        }}
        <section class="card">
            <h2>"Headers"</h2>
            <dl class="facts">
                {d.headers
                    .into_iter()
                    .map(|(k, v)| view! { <dt>{k}</dt> <dd>{v}</dd> })
                    .collect_view()}
            </dl>
        </section>
    }
}

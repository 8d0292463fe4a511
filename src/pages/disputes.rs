//! Disputes: those waiting on the merchant first (nearest respond-by time first, urgent
//! ones marked), then every dispute with filters in the address; one dispute's page with
//! its payment, what Juspay last reported, what staff recorded, and the response form.
//!
//! The response form is a plain multipart form posted to `/disputes/{id}/responses`, so
//! files go up the same way with or without JavaScript.

use dashboard_status::{DisputeDecision, DisputeStatus};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    components::{
        filters::FilterBox,
        ids::ShortId,
        shell::{Shell, shown},
        views::SavedViews,
        when::When,
    },
    pages::{Query, encode, href_with, labelled, picker, query_of, query_text, value_of},
    serverfns::disputes::{
        DisputeDetail, DisputePage, DisputeRowView, WHERE_TO_SUBMIT, get_dispute, list_disputes,
    },
};

const FIELDS: [&str; 4] = ["status", "order", "from", "to"];

#[component]
pub fn DisputesPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || query_of(&params.read(), &FIELDS);
    let before = move || params.read().get("before");
    let page = Resource::new(
        move || (query(), before()),
        |(q, before)| {
            let get = |k: &str| q.iter().find(|(key, _)| *key == k).map(|(_, v)| v.clone());
            list_disputes(get("status"), get("order"), get("from"), get("to"), before)
        },
    );
    view! {
        <Shell title="Disputes">
            <h1>"Disputes"</h1>
            {move || view! { <SavedViews page="disputes" query=query_text(&query())/> }}
            {move || view! { <Filters query=query()/> }}
            <Suspense fallback=|| view! { <p>"Loading disputes…"</p> }>
                {move || Suspend::new(async move {
                    shown(page.await.map(|page| view! { <Lists page query=query()/> }))
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn Filters(query: Query) -> impl IntoView {
    let active = query.len();
    let v = move |k: &str| value_of(&query, k);
    let status = v("status");
    view! {
        <FilterBox active>
        <form method="get" action="/disputes" class="card filters">
            {picker(
                "status",
                "Status",
                "",
                status,
                labelled(DisputeStatus::KNOWN.iter().map(|s| (s.as_str(), s.label()))),
            )}
            <label>"Order id" <input name="order" value=v("order")/></label>
            <label>"Opened from (your time zone)" <input type="date" name="from" value=v("from")/></label>
            <label>"Opened to (your time zone)" <input type="date" name="to" value=v("to")/></label>
            <button type="submit">"Filter"</button>
            <a href="/disputes?view=all">"Clear"</a>
        </form>
        </FilterBox>
    }
}

fn table(rows: Vec<DisputeRowView>) -> impl IntoView {
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Dispute"</th>
                    <th scope="col">"Order"</th>
                    <th scope="col" class="num">"Amount"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Stage"</th>
                    <th scope="col">"Respond by"</th>
                    <th scope="col">"Decision"</th>
                    <th scope="col">"Reason"</th>
                    <th scope="col">"Gateway"</th>
                    <th scope="col">"Opened"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(row).collect_view()}
            </tbody>
        </table>
    }
}

fn row(d: DisputeRowView) -> impl IntoView {
    let href = format!("/disputes/{}", encode(&d.dispute_id));
    let order = d.order_id.clone().map(|o| {
        let href = format!("/orders/{}", encode(&o));
        view! { <a href=href>{o}</a> }
    });
    let class = if d.urgent { "attention" } else { "" };
    view! {
        <tr>
            <td><ShortId value=d.dispute_id href/></td>
            <td>{order}</td>
            <td class="num">{d.amount}</td>
            <td>{d.status.label().to_owned()}</td>
            <td>{d.stage.label().to_owned()}</td>
            <td class=class>{d.respond_by.unwrap_or_else(|| "not given".to_owned())}</td>
            <td>{d.decision.map(|d| d.label().to_owned()).unwrap_or_default()}</td>
            <td>{d.reason}</td>
            <td>{d.gateway}</td>
            <td><When at=d.opened/></td>
        </tr>
    }
}

#[component]
fn Lists(page: DisputePage, query: Query) -> impl IntoView {
    let awaiting = (!page.awaiting.is_empty()).then(|| {
        view! {
            <section class="card" data-testid="awaiting">
                <h2>"Waiting on us"</h2>
                <p>"Accept or contest each before its deadline, then record the decision on its page."</p>
                {table(page.awaiting)}
            </section>
        }
    });
    let older = page.next_before.map(|before| {
        let href = href_with("/disputes", &query, Some(("before", before)));
        view! { <a class="next" href=href>"Older disputes →"</a> }
    });
    let list = if page.rows.is_empty() {
        view! {
            <section class="card empty">
                <p>"No disputes match. Disputes appear when Juspay reports a chargeback."</p>
            </section>
        }
        .into_any()
    } else {
        table(page.rows).into_any()
    };
    let export = href_with("/disputes/export.csv", &query, None);
    view! {
        {awaiting}
        <p class="totals"><a href=export download>"Export CSV"</a></p>
        {list}
        {older}
    }
}

#[component]
pub fn DisputeDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let dispute_id = move || params.read().get("dispute_id").unwrap_or_default();
    let detail = Resource::new(dispute_id, get_dispute);
    let typed = move || {
        let q = query.read();
        (
            q.get("error"),
            q.get("decision").unwrap_or_default(),
            q.get("note").unwrap_or_default(),
        )
    };
    view! {
        <Shell title="Dispute">
            <Suspense fallback=|| view! { <p>"Loading the dispute…"</p> }>
                {move || Suspend::new(async move {
                    let typed = typed();
                    shown(detail.await.map(|d| view! { <Dispute d typed/> }))
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn Dispute(d: DisputeDetail, typed: (Option<String>, String, String)) -> impl IntoView {
    let v = d.dispute.clone();
    let order = v.order_id.clone().map(|o| {
        let href = format!("/orders/{}", encode(&o));
        view! {
            <p>"Order " <a href=href>{o}</a> {d.order_status.clone().map(|s| format!(" · {s}"))}</p>
        }
    });
    let deadline = v.respond_by.clone().map(|r| {
        let class = if v.urgent { "attention" } else { "" };
        view! { <p class=class data-testid="respond-by"><strong>"Respond by: "</strong> {r}</p> }
    });
    let form = d.can_respond.then(|| {
        let action = format!("/disputes/{}/responses", encode(&v.dispute_id));
        let (error, decision, note) = typed.clone();
        let checked = move |value: &str| decision.eq_ignore_ascii_case(value);
        view! {
            <section class="card">
                <h2>"Record a response"</h2>
                <p>{WHERE_TO_SUBMIT}</p>
                <form method="post" action=action enctype="multipart/form-data">
                    <fieldset>
                        <legend>"Decision"</legend>
                        <label><input type="radio" name="decision" value=DisputeDecision::Contest.as_str() checked=checked("CONTEST")/> " Contest"</label>
                        <label><input type="radio" name="decision" value=DisputeDecision::Accept.as_str() checked=checked("ACCEPT")/> " Accept"</label>
                        <label><input type="radio" name="decision" value="" checked=checked("")/> " Note only"</label>
                    </fieldset>
                    <label for="dispute-note">"Note"</label>
                    <textarea id="dispute-note" name="note" required rows="4">{note}</textarea>
                    <label for="dispute-evidence">
                        "Evidence (PDF, PNG, JPEG or text; up to 5 files of " {d.evidence_max.clone()} ")"
                    </label>
                    <input id="dispute-evidence" type="file" name="evidence" multiple accept=".pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain"/>
                    {error.map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                    <button type="submit">"Record"</button>
                </form>
            </section>
        }
    });
    let responses = if d.responses.is_empty() {
        view! { <p>"Nothing recorded yet."</p> }.into_any()
    } else {
        view! {
            <ol class="timeline" data-testid="responses">
                {d.responses
                    .into_iter()
                    .map(|r| {
                        let what = r.decision.map_or_else(|| "note".to_owned(), |d| d.label().to_owned());
                        view! {
                            <li>
                                <time>{r.at}</time> " " <strong>{what}</strong> " by " {r.actor}
                                <div class="detail">{r.note}</div>
                                <ul>
                                    {r.files
                                        .into_iter()
                                        .map(|(name, size, href)| view! {
                                            <li><a href=href download>{name}</a> " (" {size} ")"</li>
                                        })
                                        .collect_view()}
                                </ul>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        <h1>"Dispute " {v.dispute_id.clone()}</h1>
        <section class="card">
            <p class="status-line">
                <strong data-testid="dispute-status">{v.status.label().to_owned()}</strong>
                " · " {v.stage.label().to_owned()}
                " · " {v.amount.clone()}
                {v.decision.clone().map(|d| format!(" · we {}", d.label()))}
            </p>
            {deadline}
            {order}
        </section>
        <section class="card">
            <h2>"Facts"</h2>
            <dl class="facts">
                {d.facts
                    .into_iter()
                    .map(|(k, value)| view! { <dt>{k}</dt> <dd>{value}</dd> })
                    .collect_view()}
            </dl>
        </section>
        {form}
        <section class="card">
            <h2>"What Juspay reported"</h2>
            <ol class="timeline" data-testid="dispute-history">
                {d.history
                    .into_iter()
                    .map(|(at, what, link)| {
                        let what = match link {
                            Some(href) => view! { <a href=href>{what}</a> }.into_any(),
                            None => view! { <span>{what}</span> }.into_any(),
                        };
                        view! { <li><time>{at}</time> " " {what}</li> }
                    })
                    .collect_view()}
            </ol>
        </section>
        <section class="card">
            <h2>"What we recorded"</h2>
            {responses}
        </section>
        <section class="card">
            <h2>"Juspay's last report"</h2>
            <pre class="raw">{d.last_report}</pre>
        </section>
    }
}

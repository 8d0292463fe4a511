//! Refunds: the manual-review queue first (refunds waiting on a person at the gateway),
//! then every refund newest first with filters in the address, how long pending ones have
//! waited, and a CSV export of the filtered set.

use dashboard_status::{RefundRequestState, RefundStatus};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        filters::FilterBox,
        ids::ShortId,
        shell::{Shell, shown},
        views::SavedViews,
        when::When,
    },
    pages::{Query, encode, href_with, labelled, picker, query_of, query_text, value_of},
    serverfns::refunds::{RefundPage, RefundRowView, list_refunds},
};

/// The status menu: every refund status, and ours whose outcome is not known yet.
fn status_options() -> Vec<(String, String)> {
    let unknown = &RefundRequestState::Unknown;
    labelled(
        RefundStatus::KNOWN
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .chain(std::iter::once((unknown.as_str(), unknown.label()))),
    )
}
const FIELDS: [&str; 6] = ["status", "order", "min", "max", "from", "to"];

#[component]
pub fn RefundsPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || query_of(&params.read(), &FIELDS);
    let before = move || params.read().get("before");
    let page = Resource::new(
        move || (query(), before()),
        |(q, before)| {
            let get = |k: &str| q.iter().find(|(key, _)| *key == k).map(|(_, v)| v.clone());
            list_refunds(
                get("status"),
                get("order"),
                get("min"),
                get("max"),
                get("from"),
                get("to"),
                before,
            )
        },
    );
    view! {
        <Shell title="Refunds">
            <h1>"Refunds"</h1>
            {move || view! { <SavedViews page="refunds" query=query_text(&query())/> }}
            {move || view! { <Filters query=query()/> }}
            <Suspense fallback=|| view! { <p>"Loading refunds…"</p> }>
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
        <form method="get" action="/refunds" class="card filters">
            {picker("status", "Status", "", status, status_options())}
            <label>"Order id" <input name="order" value=v("order")/></label>
            <label>"Amount from" <input name="min" inputmode="decimal" value=v("min")/></label>
            <label>"Amount to" <input name="max" inputmode="decimal" value=v("max")/></label>
            <label>"Requested from (your time zone)" <input type="date" name="from" value=v("from")/></label>
            <label>"Requested to (your time zone)" <input type="date" name="to" value=v("to")/></label>
            <button type="submit">"Filter"</button>
            <a href="/refunds?view=all">"Clear"</a>
        </form>
        </FilterBox>
    }
}

fn table(rows: Vec<RefundRowView>) -> impl IntoView {
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Requested"</th>
                    <th scope="col">"Order"</th>
                    <th scope="col">"Request id"</th>
                    <th scope="col" class="num">"Amount"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Waiting"</th>
                    <th scope="col">"Started by"</th>
                    <th scope="col">"Request"</th>
                    <th scope="col">"ARN"</th>
                    <th scope="col">"Reason"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|r| {
                        let href = format!("/orders/{}", encode(&r.order_id));
                        view! {
                            <tr>
                                <td><When at=r.requested/></td>
                                <td><ShortId value=r.order_id href/></td>
                                <td><ShortId value=r.unique_request_id/></td>
                                <td class="num">{r.amount}</td>
                                <td>{r.status.to_string()}</td>
                                <td>{r.waiting.unwrap_or_default()}</td>
                                <td>{r.started_by}</td>
                                <td>{r.request}</td>
                                <td><code>{r.arn}</code></td>
                                <td>{r.reason}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Lists(page: RefundPage, query: Query) -> impl IntoView {
    let export = href_with("/refunds/export.csv", &query, None);
    let queue = (!page.review_queue.is_empty()).then(|| {
        view! {
            <section class="card">
                <h2>"Manual review queue"</h2>
                <p>"The gateway could not settle these on its own; follow up with Juspay support."</p>
                {table(page.review_queue)}
            </section>
        }
    });
    let older = page.next_before.map(|before| {
        let href = href_with("/refunds", &query, Some(("before", before)));
        view! { <a class="next" href=href>"Older refunds →"</a> }
    });
    let list = if page.rows.is_empty() {
        view! {
            <section class="card empty">
                <p>"No refunds match. Refunds are started from a paid order's page."</p>
            </section>
        }
        .into_any()
    } else {
        table(page.rows).into_any()
    };
    view! {
        {queue}
        <p class="totals"><a href=export download>"Export CSV"</a></p>
        {list}
        {older}
    }
}

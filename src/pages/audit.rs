//! The audit log: filters in the address (user, action, object, days in the reader's zone), newest first,
//! each object linked to its page, and a CSV export of the filtered set.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        filters::FilterBox,
        shell::{Shell, shown},
        views::SavedViews,
        when::When,
    },
    pages::{Query, href_with, query_of, query_text, value_of},
    serverfns::audit::{AuditPage, list_audit},
};

const FIELDS: [&str; 5] = ["user", "action", "object", "from", "to"];

#[component]
pub fn AuditPageView() -> impl IntoView {
    let params = use_query_map();
    let query = move || query_of(&params.read(), &FIELDS);
    let before = move || params.read().get("before").and_then(|b| b.parse().ok());
    let page = Resource::new(
        move || (query(), before()),
        |(q, before)| {
            let get = |k: &str| q.iter().find(|(key, _)| *key == k).map(|(_, v)| v.clone());
            list_audit(
                get("user"),
                get("action"),
                get("object"),
                get("from"),
                get("to"),
                before,
            )
        },
    );
    view! {
        <Shell title="Audit log">
            <h1>"Audit log"</h1>
            {move || view! { <SavedViews page="audit" query=query_text(&query())/> }}
            {move || view! { <Filters query=query()/> }}
            <Suspense fallback=|| view! { <p>"Loading the audit log…"</p> }>
                {move || Suspend::new(async move {
                    shown(page.await.map(|page| view! { <Rows page query=query()/> }))
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn Filters(query: Query) -> impl IntoView {
    let active = query.len();
    let v = move |k: &str| value_of(&query, k);
    view! {
        <FilterBox active>
        <form method="get" action="/audit" class="card filters">
            <label>"User" <input name="user" value=v("user")/></label>
            <label>"Action" <input name="action" placeholder="order.refund" value=v("action")/></label>
            <label>"Object" <input name="object" placeholder="an order or mandate id" value=v("object")/></label>
            <label>"From (your time zone)" <input type="date" name="from" value=v("from")/></label>
            <label>"To (your time zone)" <input type="date" name="to" value=v("to")/></label>
            <button type="submit">"Filter"</button>
            <a href="/audit?view=all">"Clear"</a>
        </form>
        </FilterBox>
    }
}

#[component]
fn Rows(page: AuditPage, query: Query) -> impl IntoView {
    let export = href_with("/audit/export.csv", &query, None);
    let older = page
        .next_before
        .map(|before| href_with("/audit", &query, Some(("before", before.to_string()))));
    let scope = (!page.everyone).then(|| view! { <p>"Your own actions."</p> });
    let empty = page
        .rows
        .is_empty()
        .then(|| view! { <p>"No action matches these filters."</p> });
    view! {
        <section class="card">
            {scope}
            <p><a href=export>"Export these actions as CSV"</a></p>
            {empty}
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Object"</th>
                        <th scope="col">"Detail"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Trace id"</th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .rows
                        .into_iter()
                        .map(|r| {
                            let object = match r.href {
                                Some(href) => view! { <a href=href>{r.object}</a> }.into_any(),
                                None => view! { <span>{r.object}</span> }.into_any(),
                            };
                            view! {
                                <tr>
                                    <td><When at=r.at/></td>
                                    <td>{r.actor}</td>
                                    <td><code>{r.action}</code></td>
                                    <td>{object}</td>
                                    <td>{r.detail}</td>
                                    <td>{r.address}</td>
                                    <td><code>{r.trace_id}</code></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {older.map(|href| view! { <p><a href=href>"Older actions"</a></p> })}
        </section>
    }
}

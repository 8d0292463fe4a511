//! `/search?q=…`: the results of the top bar's search, newest first. A search with one hit
//! never reaches this page: the server answers it with a redirect to that hit's page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        shell::{Shell, shown},
        when::When,
    },
    serverfns::search::{HitView, search_everything},
};

#[component]
pub fn SearchPage() -> impl IntoView {
    let params = use_query_map();
    let term = move || params.read().get("q").unwrap_or_default();
    let hits = Resource::new(term, search_everything);
    view! {
        <Shell title="Search">
            <h1>"Search"</h1>
            <form method="get" action="/search" class="card filters" role="search" aria-label="Search again">
                <label class="wide">
                    "Any id, e-mail, phone, VPA, txn id, gateway reference, RRN or ARN"
                    <input name="q" type="search" value=term/>
                </label>
                <button type="submit">"Search"</button>
            </form>
            <Suspense fallback=|| view! { <p>"Searching…"</p> }>
                {move || Suspend::new(async move {
                    let term = term();
                    shown(hits.await.map(|hits| view! { <Results term hits/> }))
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn Results(term: String, hits: Vec<HitView>) -> impl IntoView {
    if term.trim().is_empty() {
        return view! {
            <p class="card empty">"Paste an identifier above, or press / on any page to search from the top bar."</p>
        }
        .into_any();
    }
    if hits.is_empty() {
        return view! {
            <section class="card empty">
                <p>{format!("Nothing is named \"{}\".", term.trim())}</p>
                <p>"The search matches whole identifiers exactly. To browse, use the filters on "
                    <a href="/orders">"Orders"</a> " or " <a href="/refunds">"Refunds"</a> "."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <p class="totals">{format!("{} found", hits.len())}</p>
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Id"</th>
                    <th scope="col">"Details"</th>
                    <th scope="col">"When"</th>
                </tr>
            </thead>
            <tbody>
                {hits
                    .into_iter()
                    .map(|hit| view! {
                        <tr>
                            <td>{hit.kind}</td>
                            <td><a href=hit.href>{hit.id}</a></td>
                            <td>{hit.summary}</td>
                            <td><When at=hit.at/></td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

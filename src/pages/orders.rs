//! The orders list: a filter form (a plain GET form, so every filter lives in the address,
//! survives refresh and can be shared), the count and total of the filtered set, the list
//! newest first with keyset paging, a CSV export of exactly that set, and the way to the
//! payment links.

use dashboard_status::OrderGroup;
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
    pages::{
        Query, SOURCES, as_options, encode, href_with, labelled, menu, picker, query_of,
        query_text, value_of,
    },
    serverfns::orders::{FilterValues, OrderPage, list_orders, order_filter_values},
};

/// The group menu: every group but Other (statuses nobody can list).
fn group_options() -> Vec<(String, String)> {
    let groups = OrderGroup::ALL
        .into_iter()
        .filter(|group| *group != OrderGroup::Other)
        .map(|group| match group {
            OrderGroup::Refunded => (group.as_str(), "refunded (fully or partly)"),
            _ => (group.as_str(), group.as_str()),
        });
    labelled(groups)
}

/// The filters of the address, in the order the form shows them.
const FIELDS: [&str; 17] = [
    "group",
    "status",
    "method_type",
    "method",
    "gateway",
    "error_code",
    "min",
    "max",
    "from",
    "to",
    "customer",
    "q",
    "stale",
    "via",
    "flagged",
    "currency",
    "source",
];

#[component]
pub fn OrdersPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || query_of(&params.read(), &FIELDS);
    let after = move || params.read().get("after");
    let page = Resource::new(
        move || (query(), after()),
        |(q, after)| {
            let get = |k: &str| q.iter().find(|(key, _)| *key == k).map(|(_, v)| v.clone());
            list_orders(
                get("group"),
                get("status"),
                get("method_type"),
                get("method"),
                get("gateway"),
                get("error_code"),
                get("min"),
                get("max"),
                get("from"),
                get("to"),
                get("customer"),
                get("q"),
                get("stale"),
                get("via"),
                get("flagged"),
                get("currency"),
                get("source"),
                after,
            )
        },
    );
    let values = Resource::new(|| (), |()| order_filter_values());
    view! {
        <Shell title="Orders">
            <div class="page-title">
                <h1>"Orders"</h1>
                <a class="button" href="/payment-links">"Payment links"</a>
            </div>
            {move || view! { <SavedViews page="orders" query=query_text(&query())/> }}
            <Suspense fallback=move || {
                view! { <FilterForm query=query() values=FilterValues::default()/> }
            }>
                {move || Suspend::new(async move {
                    // Without the values the filters stay text boxes: the form never goes away.
                    let values = values.await.unwrap_or_default();
                    view! { <FilterForm query=query() values/> }
                })}
            </Suspense>
            <Suspense fallback=|| view! { <p>"Loading orders…"</p> }>
                {move || Suspend::new(async move {
                    shown(page.await.map(|page| view! { <OrderTable page query=query()/> }))
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn FilterForm(query: Query, values: FilterValues) -> impl IntoView {
    let active = query.len();
    let v = move |k: &str| value_of(&query, k);
    let group = v("group");
    let statuses = values
        .statuses
        .iter()
        .map(|(status, count)| {
            (
                status.as_str().to_owned(),
                format!("{} — {status} ({count})", status.label()),
            )
        })
        .collect();
    let currencies = values
        .currencies
        .iter()
        .map(|(code, count)| (code.clone(), format!("{code} ({count})")))
        .collect();
    view! {
        <FilterBox active>
        <form method="get" action="/orders" class="card filters">
            <label class="wide">
                "Search"
                <input
                    name="q"
                    type="search"
                    placeholder="order id, Juspay id, txn id, email or phone"
                    value=v("q")
                />
            </label>
            {menu("group", "Status group", "", group, group_options())}
            {picker("status", "Exact status", "PENDING_VBV, CHARGED", v("status"), statuses)}
            {picker("method_type", "Method type", "UPI, CARD", v("method_type"), as_options(values.method_types))}
            {picker("method", "Method", "VISA", v("method"), as_options(values.methods))}
            {picker("gateway", "Gateway", "RAZORPAY", v("gateway"), as_options(values.gateways))}
            {picker("error_code", "Error code", "DECLINED", v("error_code"), as_options(values.error_codes))}
            {picker("currency", "Currency", "INR", v("currency"), currencies)}
            {menu("source", "Source", "", v("source"), labelled(SOURCES.into_iter()))}
            <label>"Amount from" <input name="min" inputmode="decimal" value=v("min")/></label>
            <label>"Amount to" <input name="max" inputmode="decimal" value=v("max")/></label>
            <label>"Created from (your time zone)" <input type="date" name="from" value=v("from")/></label>
            <label>"Created to (your time zone)" <input type="date" name="to" value=v("to")/></label>
            <label>"Customer id, email or phone" <input name="customer" value=v("customer")/></label>
            <label class="check">
                <input type="checkbox" name="stale" value="1" checked=!v("stale").is_empty()/>
                "Stale only"
            </label>
            <label class="check">
                <input type="checkbox" name="via" value="poll" checked=!v("via").is_empty()/>
                "Paid, learned by poll (webhook missed)"
            </label>
            <label class="check">
                <input type="checkbox" name="flagged" value="1" checked=!v("flagged").is_empty()/>
                "Amount mismatch (paid at Juspay, not here)"
            </label>
            <button type="submit">"Filter"</button>
            <a href="/orders?view=all">"Clear"</a>
        </form>
        </FilterBox>
    }
}

#[component]
fn OrderTable(page: OrderPage, query: Query) -> impl IntoView {
    let export = href_with("/orders/export.csv", &query, None);
    let summary = view! {
        <p class="totals" data-testid="totals">
            {if page.totals.is_empty() {
                "0 orders".to_owned()
            } else {
                page.totals.join("; ")
            }}
            " · "
            <a href=export download>"Export CSV"</a>
        </p>
    };
    if page.rows.is_empty() {
        return view! {
            {summary}
            <section class="card empty">
                <p>"No orders match. Orders appear here as Juspay reports them, or when you "
                    <a href="/payment-links">"create a payment link"</a> ". With filters set, "
                    <a href="/orders">"clear them"</a> " to see every order."</p>
            </section>
        }
        .into_any();
    }
    let older = page.next_after.map(|after| {
        let href = href_with("/orders", &query, Some(("after", after)));
        view! { <a class="next" href=href>"Older orders →"</a> }
    });
    view! {
        {summary}
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Order"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col" class="num">"Amount"</th>
                    <th scope="col">"Method"</th>
                    <th scope="col">"Gateway"</th>
                    <th scope="col">"Customer"</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .rows
                    .into_iter()
                    .map(|row| {
                        let href = format!("/orders/{}", encode(&row.order_id));
                        let badge = format!("badge {}", row.group.as_str());
                        view! {
                            <tr>
                                <td><When at=row.created/></td>
                                <td><ShortId value=row.order_id href/></td>
                                <td>
                                    <span class=badge title=row.status.to_string()>{row.group.label()}</span>
                                    " "
                                    <small>{row.status.to_string()}</small>
                                    {row.flagged.then(|| view! { " " <span class="badge failed">"amount mismatch"</span> })}
                                    {row.stale.then(|| view! { " " <span class="badge pending">"stale"</span> })}
                                    {(row.source == "jpsl").then(|| view! { " " <span class="badge">"JPSL"</span> })}
                                </td>
                                <td class="num">{row.amount}</td>
                                <td>{row.method}</td>
                                <td>{row.gateway}</td>
                                <td>{row.customer}</td>
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

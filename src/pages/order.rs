//! One order's page. Until webhook processing records order state, it shows what is known
//! for certain: every webhook delivery that named this order, newest first.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{components::shell::Shell, serverfns::webhooks::list_webhooks};

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let order_id = move || params.read().get("order_id").unwrap_or_default();
    let deliveries = Resource::new(order_id, |id| {
        list_webhooks(None, None, None, Some(id), None, None, None)
    });
    view! {
        <Shell title="Order">
            <p><a href="/orders">"← Orders"</a></p>
            <h1>"Order " {order_id}</h1>
            <section class="card empty">
                <p>"This order's payment state is not recorded yet: webhooks are stored but not yet applied to orders."</p>
            </section>
            <h2>"Webhooks for this order"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    deliveries
                        .await
                        .map(|page| {
                            if page.rows.is_empty() {
                                return view! { <p>"No webhook has named this order."</p> }.into_any();
                            }
                            view! {
                                <ul class="timeline">
                                    {page
                                        .rows
                                        .into_iter()
                                        .map(|row| {
                                            view! {
                                                <li>
                                                    <a href=format!("/webhooks/{}", row.id)>{row.received}</a>
                                                    " · "
                                                    {row.event_name}
                                                    " · "
                                                    {row.outcome}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        })
                })}
            </Suspense>
        </Shell>
    }
}

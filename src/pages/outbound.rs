//! The Outbound page, for admins: the merchant's endpoints that receive our events (add,
//! rotate the secret, enable or disable, send a test event), the delivery log (state,
//! attempts, the last answer, the next retry, send again) and the merchant API's tokens
//! (make one with its scopes, revoke).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    components::{
        shell::{Outcome, Shell, shown},
        step_up::StepUp,
    },
    pages::{labelled, menu},
    serverfns::outbound::{
        CreateApiToken, CreateEndpoint, DeliveryQuery, DeliveryView, EndpointView, ReplayDelivery,
        ReplayFailed, RevokeApiToken, RotateEndpointSecret, SendTestEvent, SetEndpointEnabled,
        TokenView, delivery_attempts, outbound_page,
    },
};

#[component]
pub fn OutboundPage() -> impl IntoView {
    let create = ServerAction::<CreateEndpoint>::new();
    let rotate = ServerAction::<RotateEndpointSecret>::new();
    let toggle = ServerAction::<SetEndpointEnabled>::new();
    let test = ServerAction::<SendTestEvent>::new();
    let replay = ServerAction::<ReplayDelivery>::new();
    let make_token = ServerAction::<CreateApiToken>::new();
    let revoke_token = ServerAction::<RevokeApiToken>::new();
    let replay_failed = ServerAction::<ReplayFailed>::new();
    let params = use_query_map();
    let query = move || {
        let p = params.read();
        DeliveryQuery {
            endpoint: p.get("endpoint"),
            state: p.get("state"),
            event_type: p.get("type"),
            from: p.get("from"),
            to: p.get("to"),
        }
    };
    let page = Resource::new(
        move || {
            (
                query(),
                create.version().get(),
                rotate.version().get(),
                toggle.version().get(),
                test.version().get(),
                replay.version().get(),
                make_token.version().get(),
                revoke_token.version().get(),
                replay_failed.version().get(),
            )
        },
        |(q, ..)| outbound_page(q.endpoint, q.state, q.event_type, q.from, q.to),
    );
    let field_error = move |field: &'static str| {
        move || {
            create
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field_message(field))
                .map(|m| view! { <span class="field-error">{m}</span> })
        }
    };
    view! {
        <Shell title="Outbound events">
            <h1>"Outbound events"</h1>
            <p class="hint">
                "Your own systems (shop, inventory, shipping) learn here what happens to payments: "
                "each change is sent to the endpoints below as a signed Standard Webhooks event, "
                "retried for about a day, and logged."
            </p>
            <StepUp what="Adding an endpoint, rotating its secret or making an API token".to_owned()/>
            <Outcome value=Signal::derive(move || rotate.value().get())/>
            <Outcome value=Signal::derive(move || toggle.value().get())/>
            <Outcome value=Signal::derive(move || test.value().get())/>
            <Outcome value=Signal::derive(move || replay.value().get())/>
            <Suspense fallback=|| view! { <p>"Loading endpoints…"</p> }>
                {move || Suspend::new(async move {
                    shown(page.await.map(|p| {
                        let types = p.event_types.join(", ");
                        view! {
                            <Endpoints list=p.endpoints.clone() rotate toggle test/>
                            <section class="card">
                                <h2>"Add an endpoint"</h2>
                                <ActionForm action=create>
                                    <label for="ep-url">"URL (https)"</label>
                                    <input id="ep-url" name="url" type="url" required placeholder="https://shop.example/hooks/payments"/>
                                    {field_error("url")}
                                    <label for="ep-description">"Description"</label>
                                    <input id="ep-description" name="description"/>
                                    {field_error("description")}
                                    <label for="ep-rate">"At most this many events a second (empty: no limit)"</label>
                                    <input id="ep-rate" name="rate_limit" inputmode="numeric"/>
                                    {field_error("rate_limit")}
                                    <label for="ep-types">"Event types (comma-separated; * for all)"</label>
                                    <input id="ep-types" name="event_types" value="*"/>
                                    {field_error("event_types")}
                                    <p class="hint">"Types: " {types}</p>
                                    <button type="submit">"Add endpoint"</button>
                                </ActionForm>
                                <Outcome value=Signal::derive(move || create.value().get())/>
                            </section>
                            <DeliveryFilters query=query() endpoints=p.endpoints.iter().map(|e| e.id).collect() types=p.event_types.clone()/>
                            <Deliveries list=p.deliveries replay/>
                            <ReplayFailedForm action=replay_failed endpoints=p.endpoints.iter().map(|e| e.id).collect()/>
                            <Tokens list=p.tokens make_token revoke_token/>
                        }
                    }))
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn Endpoints(
    list: Vec<EndpointView>,
    rotate: ServerAction<RotateEndpointSecret>,
    toggle: ServerAction<SetEndpointEnabled>,
    test: ServerAction<SendTestEvent>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p>"No endpoint yet: add one below."</p> }.into_any();
    }
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Endpoint"</th>
                    <th scope="col">"Events"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|e| {
                        let id = e.id.to_string();
                        let (id2, id3) = (id.clone(), id.clone());
                        view! {
                            <tr>
                                <td>
                                    <code>{e.url.clone()}</code>
                                    <br/>
                                    {e.description.clone()}
                                    {e.rotating_until.clone().map(|until| view! {
                                        <br/><span class="hint">"old secret signs too until " {until}</span>
                                    })}
                                </td>
                                <td>
                                    {e.event_types.clone()}
                                    {e.rate_limit.map(|r| view! { <br/><span class="hint">{format!("at most {r} a second")}</span> })}
                                </td>
                                <td>
                                    <span class=if e.enabled { "badge on" } else { "badge off" }>
                                        {if e.enabled { "enabled" } else { "disabled" }}
                                    </span>
                                    {e.note.clone().map(|n| view! { <br/><span class="hint">{n}</span> })}
                                </td>
                                <td>
                                    <ActionForm action=test>
                                        <input type="hidden" name="id" value=id/>
                                        <button type="submit" class="small">"Send test event"</button>
                                    </ActionForm>
                                    <ActionForm action=rotate>
                                        <input type="hidden" name="id" value=id2/>
                                        <button type="submit" class="small">"Rotate secret"</button>
                                    </ActionForm>
                                    <ActionForm action=toggle>
                                        <input type="hidden" name="id" value=id3/>
                                        <input type="hidden" name="enabled" value=(!e.enabled).to_string()/>
                                        <button type="submit" class="small">
                                            {if e.enabled { "Disable" } else { "Enable" }}
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Deliveries(list: Vec<DeliveryView>, replay: ServerAction<ReplayDelivery>) -> impl IntoView {
    view! {
        <section>
            <h2>"Delivery log"</h2>
            {if list.is_empty() {
                view! { <p>"Nothing sent yet."</p> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <thead>
                            <tr>
                                <th scope="col">"Created"</th>
                                <th scope="col">"Event"</th>
                                <th scope="col">"Endpoint"</th>
                                <th scope="col">"State"</th>
                                <th scope="col">"Attempts"</th>
                                <th scope="col">"Last answer"</th>
                                <th scope="col">"Next attempt"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|d| {
                                    let id = d.id.to_string();
                                    let pending = d.state == "pending";
                                    view! {
                                        <tr>
                                            <td>{d.created}</td>
                                            <td>
                                                {d.event_type}
                                                <br/>
                                                <code class="hint">{d.msg_id}</code>
                                                " " {d.subject}
                                            </td>
                                            <td>{d.endpoint_id}</td>
                                            <td>{d.state}</td>
                                            <td>
                                                <a href=format!("/outbound/deliveries/{}", d.id)>{d.attempts}</a>
                                            </td>
                                            <td>{d.last}</td>
                                            <td>{d.next_attempt.unwrap_or_default()}</td>
                                            <td>
                                                {(!pending).then(|| view! {
                                                    <ActionForm action=replay>
                                                        <input type="hidden" name="id" value=id/>
                                                        <button type="submit" class="small">"Send again"</button>
                                                    </ActionForm>
                                                })}
                                            </td>
                                        </tr>
                                    }
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
fn Tokens(
    list: Vec<TokenView>,
    make_token: ServerAction<CreateApiToken>,
    revoke_token: ServerAction<RevokeApiToken>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Merchant API tokens"</h2>
            <p class="hint">
                "For your systems that ask instead of listening: GET /merchant-api/orders/{order_id} "
                "and /merchant-api/events need the read scope; creating orders for checkout needs orders."
            </p>
            {(!list.is_empty()).then(|| view! {
                <table class="data">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Scopes"</th>
                            <th scope="col">"Token"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .into_iter()
                            .map(|t| {
                                let id = t.id.to_string();
                                view! {
                                    <tr>
                                        <td>{t.name}</td>
                                        <td>{t.scopes}</td>
                                        <td><code>{t.prefix} "…"</code></td>
                                        <td>{t.created}</td>
                                        <td>{t.last_used.unwrap_or_else(|| "never".to_owned())}</td>
                                        <td>
                                            {match t.revoked {
                                                Some(at) => view! { <span>"revoked " {at}</span> }.into_any(),
                                                None => view! {
                                                    <ActionForm action=revoke_token>
                                                        <input type="hidden" name="id" value=id/>
                                                        <button type="submit" class="small">"Revoke"</button>
                                                    </ActionForm>
                                                }
                                                .into_any(),
                                            }}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            })}
            <ActionForm action=make_token>
                <label for="token-name">"Used by"</label>
                <input id="token-name" name="name" required placeholder="shop checkout"/>
                <label for="token-scopes">"May"</label>
                <select id="token-scopes" name="scopes">
                    <option value="read">"read orders and events"</option>
                    <option value="read,orders">"read, and create orders for checkout"</option>
                </select>
                <button type="submit">"Make token"</button>
            </ActionForm>
            <Outcome value=Signal::derive(move || make_token.value().get())/>
            <Outcome value=Signal::derive(move || revoke_token.value().get())/>
        </section>
    }
}

/// The delivery log's filters: a plain GET form, so they live in the address.
#[component]
fn DeliveryFilters(query: DeliveryQuery, endpoints: Vec<i64>, types: Vec<String>) -> impl IntoView {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let endpoint_options = endpoints
        .iter()
        .map(|id| (id.to_string(), format!("endpoint {id}")))
        .collect();
    let type_options = types.iter().map(|t| (t.clone(), t.clone())).collect();
    view! {
        <form method="get" action="/outbound" class="card filters">
            {menu("endpoint", "Endpoint", "", text(&query.endpoint), endpoint_options)}
            {menu("type", "Event type", "", text(&query.event_type), type_options)}
            {menu(
                "state",
                "State",
                "",
                text(&query.state),
                labelled([("pending", "pending"), ("delivered", "delivered"), ("failed", "failed")].into_iter()),
            )}
            <label>"From (your time zone)" <input type="date" name="from" value=text(&query.from)/></label>
            <label>"To (your time zone)" <input type="date" name="to" value=text(&query.to)/></label>
            <button type="submit">"Filter"</button>
            <a href="/outbound">"Clear"</a>
        </form>
    }
}

/// Sends again every failed event of an endpoint since a day; the first press shows how
/// many that would be.
#[component]
fn ReplayFailedForm(action: ServerAction<ReplayFailed>, endpoints: Vec<i64>) -> impl IntoView {
    if endpoints.is_empty() {
        return ().into_any();
    }
    let field_error = move |field: &'static str| {
        move || {
            action
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field_message(field))
                .map(|m| view! { <span class="field-error">{m}</span> })
        }
    };
    view! {
        <section class="card">
            <h2>"Send failed events again"</h2>
            <ActionForm action>
                <label for="rf-endpoint">"Endpoint"</label>
                <select id="rf-endpoint" name="endpoint_id">
                    {endpoints
                        .into_iter()
                        .map(|id| view! { <option value=id.to_string()>{format!("endpoint {id}")}</option> })
                        .collect_view()}
                </select>
                <label for="rf-since">"Written since (day in your time zone)"</label>
                <input id="rf-since" type="date" name="since" required/>
                {field_error("since")}
                <label>
                    <input type="checkbox" name="confirm" value="yes"/>
                    " Send them (first press without this to see how many)"
                </label>
                {field_error("confirm")}
                <button type="submit">"Send failed events again"</button>
            </ActionForm>
            <Outcome value=Signal::derive(move || {
                action.value().get().filter(|r| r.is_ok())
            })/>
        </section>
    }
    .into_any()
}

/// One delivery's attempts: when, the answer's status and first KB, or why there was none.
#[component]
pub fn DeliveryAttemptsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|i| i.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let attempts = Resource::new(id, delivery_attempts);
    view! {
        <Shell title="Delivery attempts">
            <h1>"Delivery " {id} " — attempts"</h1>
            <p><a href="/outbound">"Back to the outbound log"</a></p>
            <Suspense fallback=|| view! { <p>"Loading attempts…"</p> }>
                {move || Suspend::new(async move {
                    shown(attempts.await.map(|list| view! {
                        <table class="data">
                            <thead>
                                <tr>
                                    <th scope="col">"At"</th>
                                    <th scope="col">"Answer"</th>
                                    <th scope="col">"Time taken"</th>
                                    <th scope="col">"Answer body (first KB) or why none"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list
                                    .into_iter()
                                    .map(|a| view! {
                                        <tr>
                                            <td>{a.at}</td>
                                            <td>{a.status.map_or_else(|| "none".to_owned(), |s| format!("HTTP {s}"))}</td>
                                            <td>{format!("{} ms", a.latency_ms)}</td>
                                            <td><code>{a.response.or(a.error).unwrap_or_default()}</code></td>
                                        </tr>
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }))
                })}
            </Suspense>
        </Shell>
    }
}

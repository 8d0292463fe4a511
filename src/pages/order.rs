//! One order: what its status means and what to do, the amounts, payment and customer
//! facts, the debugging checklist, one merged timeline of everything that happened to it,
//! and the operator actions (sync with Juspay, update before payment).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    components::{
        shell::{Outcome, Shell, shown},
        step_up::StepUp,
    },
    serverfns::orders::{
        CaptureOrder, OrderDetail, RefundOrder, SyncOrder, UpdateOrder, VoidOrder, get_order,
    },
};

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let order_id = move || params.read().get("order_id").unwrap_or_default();
    let sync = ServerAction::<SyncOrder>::new();
    let update = ServerAction::<UpdateOrder>::new();
    let refund = ServerAction::<RefundOrder>::new();
    let capture = ServerAction::<CaptureOrder>::new();
    let void = ServerAction::<VoidOrder>::new();
    let detail = Resource::new(
        move || {
            (
                order_id(),
                sync.version().get(),
                update.version().get(),
                refund.version().get(),
                capture.version().get() + void.version().get(),
            )
        },
        |(id, ..)| get_order(id),
    );
    view! {
        <Shell title="Order">
            <p><a href="/orders">"← Orders"</a></p>
            <Outcome value=Signal::derive(move || sync.value().get())/>
            <Outcome value=Signal::derive(move || update.value().get())/>
            <Outcome value=Signal::derive(move || refund.value().get())/>
            <Outcome value=Signal::derive(move || capture.value().get())/>
            <Outcome value=Signal::derive(move || void.value().get())/>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    shown(detail.await.map(|d| view! { <Detail d sync update refund capture void/> }))
                })}
            </Suspense>
        </Shell>
    }
}

fn facts(title: &'static str, pairs: Vec<(String, String)>) -> impl IntoView {
    (!pairs.is_empty()).then(|| {
        view! {
            <section class="card">
                <h2>{title}</h2>
                <dl class="facts">
                    {pairs
                        .into_iter()
                        .map(|(k, v)| view! { <dt>{k}</dt> <dd>{v}</dd> })
                        .collect_view()}
                </dl>
            </section>
        }
    })
}

#[component]
fn Detail(
    d: OrderDetail,
    sync: ServerAction<SyncOrder>,
    update: ServerAction<UpdateOrder>,
    refund: ServerAction<RefundOrder>,
    capture: ServerAction<CaptureOrder>,
    void: ServerAction<VoidOrder>,
) -> impl IntoView {
    let capture_form = d.capture_form.clone().map(|form| {
        let order_id = d.order_id.clone();
        let void_order_id = d.order_id.clone();
        let step_up = format!("Captures above {} {}", form.step_up_above, form.currency);
        let expiring = form.expiring.then(|| {
            view! {
                <p class="attention" role="alert">
                    "Held for more than six days: capture or void it today, or Juspay releases it."
                </p>
            }
        });
        view! {
            <section class="card" data-testid="capture">
                <h2>"Capture or void"</h2>
                <p>{form.authorized.clone()} " " {form.currency.clone()}
                    " is held on the customer's account. Capture all or part of it, or void it to release the hold. Submitting twice makes one capture."</p>
                {expiring}
                <ActionForm action=capture>
                    <input type="hidden" name="order_id" value=order_id/>
                    <input type="hidden" name="idempotence_key" value=form.idempotence_key/>
                    <label for="capture-amount">"Amount (" {form.currency.clone()} ")"</label>
                    <input id="capture-amount" name="amount" inputmode="decimal" required value=form.authorized/>
                    <button type="submit" disabled=move || capture.pending().get()>"Capture"</button>
                </ActionForm>
                <ActionForm action=void>
                    <input type="hidden" name="order_id" value=void_order_id/>
                    <label>
                        <input type="checkbox" name="confirm" value="yes" required/>
                        " Release the hold; it cannot be captured afterwards"
                    </label>
                    <button type="submit" disabled=move || void.pending().get()>"Void"</button>
                </ActionForm>
            </section>
            <StepUp what=step_up/>
        }
    });
    let refund_form = d.refund_form.clone().map(|form| {
        let order_id = d.order_id.clone();
        let step_up = format!("Refunds above {} {}", form.step_up_above, form.currency);
        view! {
            <section class="card">
                <h2>"Refund"</h2>
                <p>"At most " {form.refundable.clone()} " " {form.currency.clone()}
                    " can still be refunded. Submitting twice makes one refund."</p>
                <ActionForm action=refund>
                    <input type="hidden" name="order_id" value=order_id/>
                    <input type="hidden" name="unique_request_id" value=form.unique_request_id/>
                    <label for="refund-amount">"Amount (" {form.currency.clone()} ")"</label>
                    <input id="refund-amount" name="amount" inputmode="decimal" required value=form.refundable/>
                    <label for="refund-reason">"Reason"</label>
                    <input id="refund-reason" name="reason"/>
                    <button type="submit" disabled=move || refund.pending().get()>"Refund"</button>
                </ActionForm>
            </section>
            <StepUp what=step_up/>
        }
    });
    let order_id = d.order_id.clone();
    let badge = format!("badge {}", d.group.as_str());
    let actions = d.can_act.then(|| {
        let order_id = order_id.clone();
        view! {
            <div class="actions">
                <ActionForm action=sync>
                    <input type="hidden" name="order_id" value=order_id/>
                    <button type="submit">"Sync with Juspay"</button>
                </ActionForm>
            </div>
        }
    });
    let update_form = d.can_update.then(|| {
        let order_id = order_id.clone();
        view! {
            <section class="card">
                <h2>"Update before payment"</h2>
                <p>"Only possible while no payment has been attempted. Changes are sent to Juspay."</p>
                <ActionForm action=update>
                    <input type="hidden" name="order_id" value=order_id/>
                    <label for="upd-amount">"New amount"</label>
                    <input id="upd-amount" name="amount" inputmode="decimal"/>
                    <label for="upd-udf1">"udf1"</label>
                    <input id="upd-udf1" name="udf1"/>
                    <label for="upd-udf2">"udf2"</label>
                    <input id="upd-udf2" name="udf2"/>
                    <button type="submit">"Update order"</button>
                </ActionForm>
            </section>
        }
    });
    let mismatch = d.amount_mismatch.clone().map(|m| {
        view! {
            <p class="error" role="alert">
                "Amount check failed — not marked paid: " {m}
            </p>
        }
    });
    let link = d.payment_link.clone().map(|href| {
        view! {
            <p>
                "Payment link: "
                <input class="copy" readonly value=href.clone() aria-label="Payment link"/>
                " " <a href=href target="_blank" rel="noopener">"open"</a>
            </p>
        }
    });
    let refunds = (!d.refunds.is_empty()).then(|| {
        view! {
            <section class="card">
                <h2>"Refunds"</h2>
                <table class="data">
                    <thead>
                        <tr>
                            <th scope="col">"Requested"</th>
                            <th scope="col">"Request id"</th>
                            <th scope="col" class="num">"Amount"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Started by"</th>
                            <th scope="col">"ARN"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {d.refunds
                            .iter()
                            .cloned()
                            .map(|r| {
                                view! {
                                    <tr>
                                        <td>{r.created}</td>
                                        <td>{r.unique_request_id}</td>
                                        <td class="num">{r.amount}</td>
                                        <td>{r.status.to_string()}</td>
                                        <td>{r.started_by}</td>
                                        <td><code>{r.arn.unwrap_or_default()}</code></td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </section>
        }
    });
    let disputes = (!d.disputes.is_empty()).then(|| {
        view! {
            <section class="card" data-testid="order-disputes">
                <h2>"Disputes"</h2>
                <table class="data">
                    <thead>
                        <tr>
                            <th scope="col">"Dispute"</th>
                            <th scope="col" class="num">"Amount"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Respond by"</th>
                            <th scope="col">"Decision"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {d.disputes
                            .iter()
                            .cloned()
                            .map(|x| {
                                let href = format!("/disputes/{}", crate::pages::encode(&x.dispute_id));
                                view! {
                                    <tr>
                                        <td><a href=href>{x.dispute_id}</a></td>
                                        <td class="num">{x.amount}</td>
                                        <td>{x.status.label().to_owned()}</td>
                                        <td>{x.respond_by.unwrap_or_default()}</td>
                                        <td>{x.decision.map(|d| d.label().to_owned()).unwrap_or_default()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </section>
        }
    });
    view! {
        <h1>"Order " {d.order_id.clone()}</h1>
        <section class="card">
            <p class="status-line">
                <span class=badge>{d.group.label()}</span>
                " " <strong data-testid="status">{d.status.to_string()}</strong>
                " · " {d.amount.clone()} " · refunded " {d.refunded.clone()}
            </p>
            {mismatch}
            <p><strong>"What it means: "</strong> {d.meaning.clone()}</p>
            <p><strong>"What to do: "</strong> {d.action.clone()}</p>
            {link}
            {actions}
        </section>
        <section class="card">
            <h2>"Debugging checklist"</h2>
            <dl class="facts checklist">
                {d.checklist
                    .iter()
                    .cloned()
                    .map(|item| {
                        let class = match item.ok {
                            Some(true) => "ok",
                            Some(false) => "attention",
                            None => "",
                        };
                        view! {
                            <dt>{item.question}</dt>
                            <dd class=class>{item.answer}</dd>
                        }
                    })
                    .collect_view()}
            </dl>
        </section>
        {facts("Payment", d.payment.clone())}
        {facts("Customer", d.customer.clone())}
        {facts("References", d.references.clone())}
        {facts("User-defined fields", d.udfs.clone())}
        {disputes}
        {refunds}
        {capture_form}
        {refund_form}
        {update_form}
        <section class="card">
            <h2>"Timeline"</h2>
            <ol class="timeline" data-testid="timeline">
                {d.timeline
                    .iter()
                    .cloned()
                    .map(|e| {
                        let title = match e.link {
                            Some(href) => view! { <a href=href>{e.title}</a> }.into_any(),
                            None => view! { <span>{e.title}</span> }.into_any(),
                        };
                        view! {
                            <li class=format!("kind-{}", e.kind)>
                                <time>{e.at}</time>
                                " "
                                {title}
                                {e.detail.map(|d| view! { <div class="detail">{d}</div> })}
                                {e.trace_id.map(|t| view! { <div class="trace">"trace " <code>{t}</code></div> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

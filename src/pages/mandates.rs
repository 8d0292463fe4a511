//! Mandates: the list (filters in the address) and one mandate's page with its parameters,
//! history, debits and the actions its viewer may take. Revoking asks for the mandate id to
//! be typed, since it cannot be undone.

use dashboard_status::MandateStatus;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    components::{
        filters::FilterBox,
        ids::ShortId,
        shell::{Outcome, Shell, shown},
        step_up::StepUp,
        views::SavedViews,
        when::When,
    },
    pages::{encode, labelled, menu, picker, query_of, query_text, value_of},
    serverfns::mandates::{
        CheckMandate, ExecuteMandate, MandateDetail, MandateSummary, NotifyMandate, PauseMandate,
        RefreshCustomerMandates, ResumeMandate, RevokeMandate, get_mandate, list_mandates,
    },
};

/// The frequencies Juspay's mandates take (docs/juspay.md, mandate fields).
const FREQUENCIES: [(&str, &str); 10] = [
    ("ONETIME", "one time"),
    ("DAILY", "daily"),
    ("WEEKLY", "weekly"),
    ("FORTNIGHTLY", "fortnightly"),
    ("MONTHLY", "monthly"),
    ("BIMONTHLY", "every two months"),
    ("QUARTERLY", "quarterly"),
    ("HALFYEARLY", "half-yearly"),
    ("YEARLY", "yearly"),
    ("ASPRESENTED", "as presented"),
];

/// The filters of the address, in the order the list server function takes them.
const FIELDS: [&str; 7] = ["status", "customer", "frequency", "rule", "q", "from", "to"];

/// A mandate debits a fixed amount, or any amount up to its maximum.
const AMOUNT_RULES: [(&str, &str); 2] = [
    ("FIXED", "fixed"),
    ("VARIABLE", "variable, up to the maximum"),
];

#[component]
pub fn MandatesPage() -> impl IntoView {
    let params = use_query_map();
    // A picker's ticked boxes arrive as repeated fields, joined as the filters read them.
    let query = move || query_of(&params.read(), &FIELDS);
    let get = move |k: &str| Some(value_of(&query(), k)).filter(|v| !v.is_empty());
    let refresh = ServerAction::<RefreshCustomerMandates>::new();
    let list = Resource::new(
        move || (FIELDS.map(get), refresh.version().get()),
        |([status, customer, frequency, rule, q, from, to], _)| {
            list_mandates(status, customer, frequency, rule, q, from, to)
        },
    );
    let value = move |k: &str| get(k).unwrap_or_default();
    view! {
        <Shell title="Mandates">
            <h1>"Mandates"</h1>
            {move || view! { <SavedViews page="mandates" query=query_text(&query())/> }}
            {move || {
                let status = value("status");
                let active = query().len();
                view! {
                    <FilterBox active>
                    <form method="get" action="/mandates" class="card filters">
                        <label class="wide">"Search" <input name="q" type="search" placeholder="mandate id, customer id or order id" value=value("q")/></label>
                        {picker(
                            "status",
                            "Status",
                            "",
                            status,
                            labelled(MandateStatus::KNOWN.iter().map(|s| (s.as_str(), s.label()))),
                        )}
                        <label>"Customer" <input name="customer" value=value("customer")/></label>
                        {menu("frequency", "Frequency", "MONTHLY", value("frequency"), labelled(FREQUENCIES.into_iter()))}
                        {menu("rule", "Amount rule", "VARIABLE", value("rule"), labelled(AMOUNT_RULES.into_iter()))}
                        <label>"Created from (your time zone)" <input type="date" name="from" value=value("from")/></label>
                        <label>"Created to (your time zone)" <input type="date" name="to" value=value("to")/></label>
                        <button type="submit">"Filter"</button>
                        <a href="/mandates?view=all">"Clear"</a>
                    </form>
                    </FilterBox>
                }
            }}
            <Suspense fallback=|| view! { <p>"Loading mandates…"</p> }>
                {move || Suspend::new(async move { shown(list.await.map(|rows| view! { <MandateTable rows/> })) })}
            </Suspense>
            <section class="card">
                <h2>"Refresh a customer's mandates from Juspay"</h2>
                <ActionForm action=refresh>
                    <label for="refresh-customer">"Customer id"</label>
                    <input id="refresh-customer" name="customer_id" required/>
                    <button type="submit">"Refresh"</button>
                </ActionForm>
                <Outcome value=Signal::derive(move || refresh.value().get())/>
            </section>
        </Shell>
    }
}

#[component]
fn MandateTable(rows: Vec<MandateSummary>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <section class="card empty">
                <p>"No mandates match. Mandates appear as customers register them (MANDATE_* webhooks) or when you refresh a customer."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Mandate"</th>
                    <th scope="col">"Customer"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Maximum"</th>
                    <th scope="col">"Frequency"</th>
                    <th scope="col">"Rule"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|m| {
                        let href = format!("/mandates/{}", encode(&m.mandate_id));
                        view! {
                            <tr>
                                <td><When at=m.created/></td>
                                <td><ShortId value=m.mandate_id href/></td>
                                <td>{m.customer}</td>
                                <td>{m.status.to_string()}</td>
                                <td class="num">{m.max_amount}</td>
                                <td>{m.frequency}</td>
                                <td>{m.amount_rule}</td>
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
pub fn MandatePage() -> impl IntoView {
    let params = use_params_map();
    let mandate_id = move || params.read().get("mandate_id").unwrap_or_default();
    let revoke = ServerAction::<RevokeMandate>::new();
    let pause = ServerAction::<PauseMandate>::new();
    let resume = ServerAction::<ResumeMandate>::new();
    let check = ServerAction::<CheckMandate>::new();
    let notify = ServerAction::<NotifyMandate>::new();
    let execute = ServerAction::<ExecuteMandate>::new();
    let detail = Resource::new(
        move || {
            (
                mandate_id(),
                [
                    revoke.version().get(),
                    pause.version().get(),
                    resume.version().get(),
                    check.version().get(),
                    notify.version().get(),
                    execute.version().get(),
                ],
            )
        },
        |(id, _)| get_mandate(id),
    );
    let actions = Actions {
        revoke,
        pause,
        resume,
        check,
        notify,
        execute,
    };
    view! {
        <Shell title="Mandate">
            <p><a href="/mandates">"← Mandates"</a></p>
            <Outcome value=Signal::derive(move || revoke.value().get())/>
            <Outcome value=Signal::derive(move || pause.value().get())/>
            <Outcome value=Signal::derive(move || resume.value().get())/>
            <Outcome value=Signal::derive(move || check.value().get())/>
            <Outcome value=Signal::derive(move || notify.value().get())/>
            <Outcome value=Signal::derive(move || execute.value().get())/>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move { shown(detail.await.map(|d| view! { <Detail d actions/> })) })}
            </Suspense>
        </Shell>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    revoke: ServerAction<RevokeMandate>,
    pause: ServerAction<PauseMandate>,
    resume: ServerAction<ResumeMandate>,
    check: ServerAction<CheckMandate>,
    notify: ServerAction<NotifyMandate>,
    execute: ServerAction<ExecuteMandate>,
}

#[component]
fn Detail(d: MandateDetail, actions: Actions) -> impl IntoView {
    let id = d.mandate_id.clone();
    let terminal = d.status.is_terminal();
    let (active, paused) = (d.status.is_active(), d.status.is_paused());
    let operator = d.can_operate.then(|| {
        let (id, id2, id3) = (id.clone(), id.clone(), id.clone());
        let debit_key = d.debit_key.clone();
        view! {
            <section class="card">
                <h2>"Operate"</h2>
                <ActionForm action=actions.check>
                    <input type="hidden" name="mandate_id" value=id/>
                    <button type="submit">"Check status with Juspay"</button>
                </ActionForm>
                {active.then(move || view! {
                    <h3>"Send a pre-debit notification"</h3>
                    <ActionForm action=actions.notify>
                        <input type="hidden" name="mandate_id" value=id2/>
                        <label for="notify-amount">"Amount"</label>
                        <input id="notify-amount" name="amount" inputmode="decimal" required/>
                        <label for="notify-date">"Debit date (UTC)"</label>
                        <input id="notify-date" name="date" type="date" required/>
                        <button type="submit">"Notify"</button>
                    </ActionForm>
                    <h3>"Debit the mandate"</h3>
                    <ActionForm action=actions.execute>
                        <input type="hidden" name="mandate_id" value=id3/>
                        <input type="hidden" name="debit_key" value=debit_key/>
                        <label for="execute-amount">"Amount"</label>
                        <input id="execute-amount" name="amount" inputmode="decimal" required/>
                        <label for="execute-notification">"Notification id (optional)"</label>
                        <input id="execute-notification" name="notification_id"/>
                        <button type="submit">"Debit"</button>
                    </ActionForm>
                })}
            </section>
        }
    });
    let admin = (d.can_admin && !terminal).then(|| {
        let (resume_id, pause_id, revoke_id, shown) = (id.clone(), id.clone(), id.clone(), id.clone());
        view! {
            <section class="card danger">
                <h2>"Administer"</h2>
                {paused.then(move || view! {
                    <ActionForm action=actions.resume>
                        <input type="hidden" name="mandate_id" value=resume_id/>
                        <button type="submit">"Resume now"</button>
                    </ActionForm>
                })}
                {active.then(move || view! {
                    <h3>"Pause"</h3>
                    <ActionForm action=actions.pause>
                        <input type="hidden" name="mandate_id" value=pause_id/>
                        <label for="pause-start">"From (UTC)"</label>
                        <input id="pause-start" name="start" type="date" required/>
                        <label for="pause-end">"Until (UTC)"</label>
                        <input id="pause-end" name="end" type="date" required/>
                        <button type="submit">"Pause"</button>
                    </ActionForm>
                })}
                <h3>"Revoke"</h3>
                <p>"Revoking cannot be undone: the customer must register a new mandate."</p>
                <ActionForm action=actions.revoke>
                    <input type="hidden" name="mandate_id" value=revoke_id/>
                    <label for="revoke-confirm">"Type the mandate id " <code>{shown}</code> " to confirm"</label>
                    <input id="revoke-confirm" name="confirm" autocomplete="off" required/>
                    <label for="revoke-reason">"Reason"</label>
                    <input id="revoke-reason" name="reason" required/>
                    <button type="submit">"Revoke mandate"</button>
                </ActionForm>
            </section>
        }
    });
    let step_up = (operator.is_some() || admin.is_some()).then(|| {
        view! { <StepUp what="Debits, pauses and revocations".to_owned()/> }
    });
    let executions = (!d.executions.is_empty()).then(|| {
        view! {
            <section class="card">
                <h2>"Debits"</h2>
                <table class="data">
                    <thead><tr><th scope="col">"Order"</th><th scope="col">"Status"</th><th scope="col">"Amount"</th></tr></thead>
                    <tbody>
                        {d.executions
                            .iter()
                            .cloned()
                            .map(|(order, status, amount)| {
                                let href = format!("/orders/{}", encode(&order));
                                view! { <tr><td><a href=href>{order}</a></td><td>{status}</td><td class="num">{amount}</td></tr> }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </section>
        }
    });
    view! {
        <h1>"Mandate " {d.mandate_id.clone()}</h1>
        <section class="card">
            <p class="status-line"><strong data-testid="status">{d.status.to_string()}</strong></p>
            <dl class="facts">
                {d.facts.iter().cloned().map(|(k, v)| view! { <dt>{k}</dt> <dd>{v}</dd> }).collect_view()}
            </dl>
        </section>
        {step_up}
        {operator}
        {admin}
        {executions}
        <section class="card">
            <h2>"History"</h2>
            <ol class="timeline">
                {d.history
                    .iter()
                    .cloned()
                    .map(|e| view! {
                        <li class=format!("kind-{}", e.kind)>
                            <time>{e.at}</time> " " {e.text}
                            {e.order_id.map(|o| {
                                let href = format!("/orders/{}", encode(&o));
                                view! { " " <a href=href>{o}</a> }
                            })}
                        </li>
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

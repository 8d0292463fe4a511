//! `/payment-links`: operators create a payment link (an order at Juspay whose link the
//! customer opens); everyone sees the newest links with their orders' status now, the link
//! to copy or open, and the way to the order.

use leptos::prelude::*;

use crate::{
    components::{
        ids::ShortId,
        shell::{Outcome, Shell, shown},
        when::When,
    },
    pages::encode,
    serverfns::orders::{CreatePaymentLink, LinkView, list_payment_links},
};

#[component]
pub fn PaymentLinksPage() -> impl IntoView {
    let link = ServerAction::<CreatePaymentLink>::new();
    let links = Resource::new(move || link.version().get(), |_| list_payment_links());
    view! {
        <Shell title="Payment links">
            <h1>"Payment links"</h1>
            <PaymentLinkForm link/>
            <Suspense fallback=|| view! { <p>"Loading payment links…"</p> }>
                {move || Suspend::new(async move {
                    shown(links.await.map(|links| view! { <LinkTable links/> }))
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn LinkTable(links: Vec<LinkView>) -> impl IntoView {
    if links.is_empty() {
        return view! {
            <section class="card empty">
                <p>"No payment links yet. Create one above and send its address to your customer; its order appears here and under Orders."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <h2>"Newest links"</h2>
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Order"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col" class="num">"Amount"</th>
                    <th scope="col">"Customer"</th>
                    <th scope="col">"Link"</th>
                </tr>
            </thead>
            <tbody>
                {links
                    .into_iter()
                    .map(|row| {
                        let href = format!("/orders/{}", encode(&row.order_id));
                        let badge = format!("badge {}", row.group.as_str());
                        let link = row.link.map(|url| view! {
                            <a href=url.clone() target="_blank" rel="noopener noreferrer">"Open"</a>
                            " "
                            <ShortId value=url/>
                        });
                        view! {
                            <tr>
                                <td><When at=row.created/></td>
                                <td><ShortId value=row.order_id href/></td>
                                <td>
                                    <span class=badge>{row.group.label()}</span>
                                    " "
                                    <small>{row.status.to_string()}</small>
                                </td>
                                <td class="num">{row.amount}</td>
                                <td>{row.customer} " " <small class="muted">{row.description}</small></td>
                                <td>{link}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The currencies a payment link offers, rupees first: those Juspay's merchants settle in
/// most. Amounts are typed with the chosen currency's decimals (yen none, dinars three).
const LINK_CURRENCIES: [&str; 12] = [
    "INR", "USD", "EUR", "GBP", "AED", "SGD", "SAR", "QAR", "JPY", "KWD", "BHD", "OMR",
];

/// Operators create a payment link; the answer (with the link to copy) shows below it.
#[component]
fn PaymentLinkForm(link: ServerAction<CreatePaymentLink>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Create a payment link"</h2>
            <ActionForm action=link>
                <label for="pl-amount">"Amount"</label>
                <input id="pl-amount" name="amount" inputmode="decimal" required placeholder="499.00"/>
                <label for="pl-currency">"Currency"</label>
                <select id="pl-currency" name="currency">
                    {LINK_CURRENCIES
                        .iter()
                        .map(|code| view! { <option value=*code>{*code}</option> })
                        .collect_view()}
                </select>
                <label class="check">
                    <input type="checkbox" name="pre_auth" value="yes"/>
                    " Authorise only: capture or void later (within 7 days)"
                </label>
                <label for="pl-email">"Customer email"</label>
                <input id="pl-email" name="customer_email" type="email"/>
                <label for="pl-phone">"Customer phone"</label>
                <input id="pl-phone" name="customer_phone" type="tel"/>
                <label for="pl-description">"Description"</label>
                <input id="pl-description" name="description"/>
                <button type="submit">"Create link"</button>
            </ActionForm>
            <Outcome value=Signal::derive(move || link.value().get())/>
        </section>
    }
}

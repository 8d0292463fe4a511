//! The HTML shell and the route table. Every route renders with `SsrMode::Async` so that a
//! browser without JavaScript receives the complete page, never a loading placeholder.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Redirect, Route, Router, Routes},
};

use crate::pages::{
    account::{LoginCodePage, SessionsPage, TwoFactorPage},
    audit::AuditPageView,
    disputes::{DisputeDetailPage, DisputesPage},
    health::HealthPage,
    login::LoginPage,
    mandates::{MandatePage, MandatesPage},
    not_found::NotFound,
    order::OrderPage,
    orders::OrdersPage,
    outbound::{DeliveryAttemptsPage, OutboundPage},
    payment_links::PaymentLinksPage,
    refunds::RefundsPage,
    search::SearchPage,
    users::UsersPage,
    webhooks::{WebhookDetailPage, WebhooksPage},
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::headers::set_page_policy();
    // The bundle's address names its content, so browsers may keep it (see server::assets).
    #[cfg(feature = "ssr")]
    let root = crate::server::assets::root_in_context();
    #[cfg(not(feature = "ssr"))]
    let root = String::new();
    let stylesheet = format!("{root}/pkg/{}.css", options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="stylesheet" id="leptos" href=stylesheet/>
                <HydrationScripts options root/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: the marker tells people and browser tests that the
    // page is hydrated and interactive.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title text="Merchant dashboard"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=StaticSegment("") view=|| view! { <Redirect path="/orders"/> }/>
                <Route path=StaticSegment("login") view=LoginPage ssr=SsrMode::Async/>
                <Route
                    path=(StaticSegment("login"), StaticSegment("code"))
                    view=LoginCodePage
                    ssr=SsrMode::Async
                />
                <Route
                    path=(StaticSegment("account"), StaticSegment("sessions"))
                    view=SessionsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=(StaticSegment("account"), StaticSegment("two-factor"))
                    view=TwoFactorPage
                    ssr=SsrMode::Async
                />
                <Route path=StaticSegment("orders") view=OrdersPage ssr=SsrMode::Async/>
                <Route
                    path=(StaticSegment("orders"), ParamSegment("order_id"))
                    view=OrderPage
                    ssr=SsrMode::Async
                />
                <Route path=StaticSegment("webhooks") view=WebhooksPage ssr=SsrMode::Async/>
                <Route
                    path=(StaticSegment("webhooks"), ParamSegment("id"))
                    view=WebhookDetailPage
                    ssr=SsrMode::Async
                />
                <Route path=StaticSegment("refunds") view=RefundsPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("disputes") view=DisputesPage ssr=SsrMode::Async/>
                <Route
                    path=(StaticSegment("disputes"), ParamSegment("dispute_id"))
                    view=DisputeDetailPage
                    ssr=SsrMode::Async
                />
                <Route path=StaticSegment("mandates") view=MandatesPage ssr=SsrMode::Async/>
                <Route
                    path=(StaticSegment("mandates"), ParamSegment("mandate_id"))
                    view=MandatePage
                    ssr=SsrMode::Async
                />
                <Route path=StaticSegment("health") view=HealthPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("users") view=UsersPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("outbound") view=OutboundPage ssr=SsrMode::Async/>
                <Route
                    path=(StaticSegment("outbound"), StaticSegment("deliveries"), ParamSegment("id"))
                    view=DeliveryAttemptsPage
                    ssr=SsrMode::Async
                />
                <Route path=StaticSegment("audit") view=AuditPageView ssr=SsrMode::Async/>
                <Route path=StaticSegment("search") view=SearchPage ssr=SsrMode::Async/>
                <Route
                    path=StaticSegment("payment-links")
                    view=PaymentLinksPage
                    ssr=SsrMode::Async
                />
            </Routes>
        </Router>
    }
}

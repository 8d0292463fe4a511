//! The frame of every page: top bar with navigation (Users only for admins), the signed-in
//! user with a sign-out button, the one-time flash message, and an error boundary around
//! the page content.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::shortcuts::Shortcuts;
use crate::{
    error::AppError,
    serverfns::{
        auth::{Logout, SessionView, session_info},
        health::{AcknowledgeAlert, AlertView, BannerView, banner_alerts},
    },
};

const SECTIONS: [(&str, &str); 7] = [
    ("/orders", "Orders"),
    ("/webhooks", "Webhooks"),
    ("/refunds", "Refunds"),
    ("/disputes", "Disputes"),
    ("/mandates", "Mandates"),
    ("/health", "Health"),
    ("/audit", "Audit"),
];

#[component]
pub fn Shell(title: &'static str, children: Children) -> impl IntoView {
    // Every page mounts its own shell, so this runs once per page; a reactive source here
    // would refetch on navigation from the page being left and eat the next page's flash.
    let info = Resource::new(|| (), |()| session_info());
    let banner = Resource::new(|| (), |()| banner_alerts());
    let logout = ServerAction::<Logout>::new();
    view! {
        <Title text=format!("{title} · Merchant dashboard")/>
        <header class="topbar">
            <a class="brand" href="/orders">"Merchant dashboard"</a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let info = info.await.unwrap_or_default();
                    view! { <TopBar info logout/> }
                })}
            </Suspense>
        </header>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let banner = banner.await.unwrap_or_default();
                view! { <AlertBanner banner/> }
            })}
        </Suspense>
        <Shortcuts/>
        <main class="content">
            <ErrorBoundary fallback=|errors| {
                let messages = move || errors.get().into_iter().map(|(_, e)| e.to_string()).collect();
                view! { <ErrorCard messages/> }
            }>{children()}</ErrorBoundary>
        </main>
    }
}

/// A page's loaded content, or the error card in its place when loading failed.
///
/// Pages render their errors through this rather than leaving them to the shell's error
/// boundary: during server rendering the boundary learns of an error through a
/// thread-local hook held across awaits, which can miss an error that surfaces on another
/// worker thread — the page then came out without its error, and without JavaScript
/// nothing repaired it (seen once in CI on the Users page).
pub fn shown<V: IntoView + 'static>(result: Result<V, AppError>) -> AnyView {
    match result {
        Ok(view) => view.into_any(),
        Err(e) => view! { <ErrorCard messages=move || vec![e.to_string()]/> }.into_any(),
    }
}

#[component]
fn ErrorCard(#[prop(into)] messages: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <section class="card error-page" role="alert">
            <h1>"This page could not be shown"</h1>
            <ul>
                {move || {
                    messages.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()
                }}
            </ul>
        </section>
    }
}

#[component]
fn TopBar(info: SessionView, logout: ServerAction<Logout>) -> impl IntoView {
    let flash = info.flash.map(|message| {
        view! { <p class="flash" role="status">{message}</p> }
    });
    let Some(user) = info.user else {
        return view! { <div class="flash-row">{flash}</div> }.into_any();
    };
    let admin = user.is_admin();
    view! {
        <form method="get" action="/search" class="top-search" role="search" aria-label="Everywhere">
            <input
                id="global-search"
                name="q"
                type="search"
                aria-label="Search everything"
                placeholder="Search ids, e-mail, phone, VPA…  ( / )"
                autocomplete="off"
            />
        </form>
        <details class="nav-menu">
        <summary>"Menu"</summary>
        <nav class="sections" aria-label="Sections">
            {SECTIONS
                .iter()
                .map(|(href, label)| view! { <A href=*href>{*label}</A> })
                .collect_view()}
            {admin.then(|| view! {
                <A href="/users">"Users"</A>
                <A href="/outbound">"Outbound"</A>
            })}
        </nav>
        <div class="who">
            <span class="username">{user.username}</span>
            <span class="role">{user.role.as_str()}</span>
            <A href="/account/sessions">"Sessions"</A>
            <A href="/account/two-factor">"Two-factor"</A>
            <ActionForm action=logout>
                <button type="submit" class="link">"Sign out"</button>
            </ActionForm>
        </div>
        </details>
        <div class="flash-row">{flash}</div>
    }
    .into_any()
}

/// Open, unacknowledged alerts above every page, one line each with its Acknowledge button
/// for operators (the alert then leaves the banner; it stays on the health page until it
/// resolves). More than two fold behind a summary line, so the banner never pushes the
/// page down a screen.
#[component]
fn AlertBanner(banner: BannerView) -> impl IntoView {
    let can_acknowledge = banner.can_acknowledge;
    let count = banner.alerts.len();
    (count > 0).then(|| {
        let list = view! {
            <ul>
                {banner
                    .alerts
                    .into_iter()
                    .map(|alert| view! { <BannerAlert alert can_acknowledge/> })
                    .collect_view()}
            </ul>
        };
        let all = view! { <a href="/health#alerts">"All alerts"</a> };
        let body = if count > 2 {
            view! {
                <details>
                    <summary>{format!("{count} open alerts")} " · " {all}</summary>
                    {list}
                </details>
            }
            .into_any()
        } else {
            view! { {list} <p>{all}</p> }.into_any()
        };
        view! {
            <section class="alert-banner" role="alert" aria-label="Open alerts">
                {body}
            </section>
        }
    })
}

#[component]
fn BannerAlert(alert: AlertView, can_acknowledge: bool) -> impl IntoView {
    let acknowledge = ServerAction::<AcknowledgeAlert>::new();
    let done = move || matches!(acknowledge.value().get(), Some(Ok(_)));
    let id = alert.id;
    let full = alert.message.clone();
    view! {
        <li class:hidden=done data-alert=alert.kind.clone()>
            <strong class="message" title=full>{alert.message}</strong>
            <span class="muted since">"since " {alert.opened}</span>
            {can_acknowledge.then(|| view! {
                <ActionForm action=acknowledge attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <button type="submit">"Acknowledge"</button>
                </ActionForm>
            })}
        </li>
    }
}

/// Shows the outcome of the last submission of a form: a success line or the error.
#[component]
pub fn Outcome<T>(value: Signal<Option<Result<T, AppError>>>) -> impl IntoView
where
    T: std::fmt::Display + Clone + Send + Sync + 'static,
{
    move || match value.get() {
        Some(Ok(done)) => view! { <p class="ok" role="status">{done.to_string()}</p> }.into_any(),
        Some(Err(error)) => {
            view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
        }
        None => ().into_any(),
    }
}

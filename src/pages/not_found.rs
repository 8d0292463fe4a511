//! The 404 page; sets the HTTP status when rendered on the server.

use leptos::prelude::*;

use crate::components::shell::Shell;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Shell title="Not found">
            <section class="card">
                <h1>"Page not found"</h1>
                <p>"There is no page at this address. Use the navigation above to find your way."</p>
            </section>
        </Shell>
    }
}

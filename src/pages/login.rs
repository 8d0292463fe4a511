//! Sign-in form. Errors are shown the same way with or without JavaScript: without it, the
//! server function redirects back here with the error encoded in the address.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{components::shell::Shell, serverfns::auth::Login};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || login.value().get().and_then(Result::err);
    view! {
        <Shell title="Sign in">
            <section class="card narrow">
                <h1>"Sign in"</h1>
                <ActionForm action=login>
                    <input type="hidden" name="next" value=next/>
                    <label for="username">"Username"</label>
                    <input id="username" name="username" autocomplete="username" required/>
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                    />
                    <button type="submit">"Sign in"</button>
                </ActionForm>
                {move || error().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            </section>
        </Shell>
    }
}

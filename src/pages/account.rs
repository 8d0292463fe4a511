//! The user's own sign-in security: the second sign-in step (a code from an authenticator
//! app or a recovery code) and enrolling that app. Both work with JavaScript off: the QR
//! code is server-rendered SVG and the secret is also shown as text.

use leptos::prelude::*;

use crate::{
    components::shell::{Shell, shown},
    serverfns::account::{ConfirmTwoFactor, SignInWithCode, TwoFactorView, two_factor_status},
};

/// `/login/code`: the second step of signing in.
#[component]
pub fn LoginCodePage() -> impl IntoView {
    let sign_in = ServerAction::<SignInWithCode>::new();
    let error = move || sign_in.value().get().and_then(Result::err);
    view! {
        <Shell title="Sign in: code">
            <section class="card narrow">
                <h1>"Enter your code"</h1>
                <p>
                    "Open your authenticator app and enter the six-digit code it shows for "
                    "the merchant dashboard, or one of your recovery codes."
                </p>
                <ActionForm action=sign_in>
                    <label for="code">"Code"</label>
                    <input
                        id="code"
                        name="code"
                        autocomplete="one-time-code"
                        inputmode="text"
                        required
                        autofocus
                    />
                    <button type="submit">"Sign in"</button>
                </ActionForm>
                {move || error().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
                <p><a href="/login">"Start again with your password"</a></p>
            </section>
        </Shell>
    }
}

/// `/account/two-factor`: the second factor's state, and enrolment while there is none.
#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let status = Resource::new(move || confirm.version().get(), |_| two_factor_status());
    view! {
        <Shell title="Two-factor sign-in">
            <h1>"Two-factor sign-in"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    shown(status.await.map(|view| view! { <TwoFactor view confirm/> }))
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn TwoFactor(view: TwoFactorView, confirm: ServerAction<ConfirmTwoFactor>) -> impl IntoView {
    // Codes come back in the answer with JavaScript, or through the page after a plain post.
    let fresh = move || match confirm.value().get() {
        Some(Ok(codes)) => codes,
        _ => view.new_recovery_codes.clone(),
    };
    let codes = move || {
        let codes = fresh();
        (!codes.is_empty()).then(|| {
            view! {
                <section class="card" aria-labelledby="recovery-title">
                    <h2 id="recovery-title">"Your recovery codes"</h2>
                    <p>
                        "Each works once in place of a code, if you lose your phone. Keep them "
                        "somewhere safe now: they are not shown again."
                    </p>
                    <ul class="recovery-codes">
                        {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                    </ul>
                </section>
            }
        })
    };
    let body = if view.enrolled {
        view! {
            <section class="card">
                <p class="ok" role="status">
                    "Two-factor sign-in is on for " {view.username.clone()} "."
                </p>
                <p>{format!("Recovery codes left: {}.", view.recovery_codes_left)}</p>
                <p>"An admin can reset it if you lose your authenticator and your recovery codes."</p>
            </section>
        }
        .into_any()
    } else {
        let error = move || {
            confirm
                .value()
                .get()
                .and_then(Result::err)
                .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
        };
        let required = view.required.then(|| {
            view! {
                <p class="notice" role="status">
                    "Your role signs in with a second factor. Set it up to continue."
                </p>
            }
        });
        view! {
            <section class="card narrow">
                {required}
                <h2>"1. Add the dashboard to your authenticator app"</h2>
                <p>"Scan this code with an app such as Google Authenticator, 1Password or Authy."</p>
                <div class="qr" role="img" aria-label="QR code of the secret" inner_html=view.qr_svg.clone()></div>
                <p>"Or type this secret into the app:"</p>
                <p><code id="totp-secret">{view.secret.clone()}</code></p>
                <h2>"2. Confirm with the code it shows"</h2>
                <ActionForm action=confirm>
                    <label for="code">"Six-digit code"</label>
                    <input
                        id="code"
                        name="code"
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        required
                    />
                    <button type="submit">"Turn on"</button>
                </ActionForm>
                {error}
            </section>
        }
        .into_any()
    };
    view! {
        {codes}
        {body}
    }
}

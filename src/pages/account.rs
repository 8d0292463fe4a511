//! The user's own sign-in security: the second sign-in step (a code from an authenticator
//! app or a recovery code), enrolling that app, their signed-in sessions and their
//! password. All work with JavaScript off: the QR code is server-rendered SVG and the secret
//! is also shown as text.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        shell::{Outcome, Shell, shown},
        step_up::StepUp,
        when::When,
    },
    error::AppError,
    serverfns::account::{
        ChangePassword, ConfirmTwoFactor, EndSessions, SessionsView, SetTimeZone, SignInWithCode,
        TwoFactorView, list_sessions, time_zone_names, two_factor_status,
    },
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

/// `/account/sessions` (`?user=ID` for an admin): signed-in sessions, each with an End
/// button, and for one's own account the password change.
#[component]
pub fn SessionsPage() -> impl IntoView {
    let query = use_query_map();
    let user_id = move || query.read().get("user").and_then(|u| u.parse::<i64>().ok());
    let end = ServerAction::<EndSessions>::new();
    let change = ServerAction::<ChangePassword>::new();
    let zone = ServerAction::<SetTimeZone>::new();
    let sessions = Resource::new(
        move || {
            (
                user_id(),
                end.version().get(),
                change.version().get(),
                zone.version().get(),
            )
        },
        |(user_id, ..)| list_sessions(user_id),
    );
    view! {
        <Shell title="Sessions">
            <Suspense fallback=|| view! { <p>"Loading sessions…"</p> }>
                {move || Suspend::new(async move {
                    shown(sessions.await.map(|view| view! { <Sessions view end change zone/> }))
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn Sessions(
    view: SessionsView,
    end: ServerAction<EndSessions>,
    change: ServerAction<ChangePassword>,
    zone: ServerAction<SetTimeZone>,
) -> impl IntoView {
    let own = view.own;
    let zone_form = own.then(|| {
        view! { <TimeZoneForm zone current=view.timezone.clone() default=view.default_timezone.clone()/> }
    });
    // Only another user's sessions name the user; without it the server takes the
    // signed-in user's.
    let other_user = (!own).then(|| view.user_id.to_string());
    let title = if own {
        "Your sessions".to_owned()
    } else {
        format!("Sessions of {}", view.username)
    };
    let rows = view
        .sessions
        .into_iter()
        .map(|s| {
            let field = user_field(other_user.clone());
            let action = if s.current {
                view! { <span class="badge on">"this session"</span> }.into_any()
            } else {
                view! {
                    <ActionForm action=end>
                        {field}
                        <input type="hidden" name="handle" value=s.handle.clone()/>
                        <button type="submit" class="small">"End"</button>
                    </ActionForm>
                }
                .into_any()
            };
            view! {
                <tr>
                    <td><When at=s.created/></td>
                    <td><When at=s.last_seen/></td>
                    <td>{s.address}</td>
                    <td class="browser">{s.browser}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    let end_all_label = if own {
        "End all other sessions"
    } else {
        "End all sessions"
    };
    let field_error = move |field: &'static str| {
        move || {
            change
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field_message(field))
                .map(|m| view! { <span class="field-error">{m}</span> })
        }
    };
    let password = own.then(|| {
        view! {
            <section class="card narrow">
                <h2>"Change your password"</h2>
                <p>"At least 12 characters; several unrelated words work well. Your other sessions end."</p>
                <ActionForm action=change>
                    <label for="current-password">"Current password"</label>
                    <input
                        id="current-password"
                        type="password"
                        name="current_password"
                        autocomplete="current-password"
                        required
                    />
                    {field_error("current_password")}
                    <label for="new-password">"New password"</label>
                    <input
                        id="new-password"
                        type="password"
                        name="new_password"
                        autocomplete="new-password"
                        required
                    />
                    {field_error("new_password")}
                    <button type="submit">"Change password"</button>
                </ActionForm>
                <Outcome value=Signal::derive(move || {
                    change.value().get().filter(|r| !matches!(r, Err(AppError::Invalid { .. })))
                })/>
            </section>
        }
    });
    let step_up =
        (!own).then(|| view! { <StepUp what="Ending another user's sessions".to_owned()/> });
    view! {
        <h1>{title}</h1>
        {step_up}
        <section class="card">
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last seen"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Browser"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <ActionForm action=end>
                {user_field(other_user)}
                <button type="submit">{end_all_label}</button>
            </ActionForm>
            <Outcome value=Signal::derive(move || end.value().get())/>
        </section>
        {password}
        {zone_form}
    }
}

/// The zone the user reads times in: a name typed or picked from the database's list.
#[component]
fn TimeZoneForm(
    zone: ServerAction<SetTimeZone>,
    current: String,
    default: String,
) -> impl IntoView {
    let names = Resource::new(|| (), |()| time_zone_names());
    let error = move || {
        zone.value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_message("timezone"))
            .map(|m| view! { <span class="field-error">{m}</span> })
    };
    view! {
        <section class="card narrow">
            <h2>"Time zone"</h2>
            <p>{format!("Pages show times in this zone; empty follows the default, {default}. Exports and the API stay in UTC.")}</p>
            <ActionForm action=zone>
                <label for="timezone">"Time zone"</label>
                <input id="timezone" name="timezone" list="zone-names" value=current placeholder=default autocomplete="off"/>
                {error}
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let names = names.await.unwrap_or_default();
                        view! {
                            <datalist id="zone-names">
                                {names.into_iter().map(|n| view! { <option value=n/> }).collect_view()}
                            </datalist>
                        }
                    })}
                </Suspense>
                <button type="submit">"Save time zone"</button>
            </ActionForm>
            <Outcome value=Signal::derive(move || {
                zone.value().get().filter(|r| !matches!(r, Err(AppError::Invalid { .. })))
            })/>
        </section>
    }
}

/// The hidden field naming whose sessions a form acts on (absent for one's own).
fn user_field(user_id: Option<String>) -> impl IntoView {
    user_id.map(|id| view! { <input type="hidden" name="user_id" value=id/> })
}

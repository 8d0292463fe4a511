//! "Confirm it's you": the step-up form shown on pages with sensitive actions (large
//! refunds, mandate revoke, pause and debit, user management). A confirmation lasts five
//! minutes; an action refused for want of one says so and points here.

use leptos::prelude::*;

use crate::{components::shell::Outcome, error::AppError, serverfns::account::ConfirmIdentity};

#[component]
pub fn StepUp(
    /// What needs the confirmation, e.g. "Refunds above 10,000.00".
    what: String,
) -> impl IntoView {
    let confirm = ServerAction::<ConfirmIdentity>::new();
    let field_error = move |field: &'static str| {
        move || {
            confirm
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field_message(field))
                .map(|m| view! { <span class="field-error">{m}</span> })
        }
    };
    view! {
        <section class="card step-up" aria-labelledby="step-up-title">
            <h2 id="step-up-title">"Confirm it's you"</h2>
            <p>{what} " need your password again (and your two-factor code, if you use one). "
                "A confirmation lasts five minutes."</p>
            <ActionForm action=confirm>
                <label for="confirm-password">"Your password"</label>
                <input
                    id="confirm-password"
                    type="password"
                    name="confirm_password"
                    autocomplete="current-password"
                    required
                />
                {field_error("confirm_password")}
                <label for="confirm-code">"Two-factor code (if you use one)"</label>
                <input
                    id="confirm-code"
                    name="confirm_code"
                    autocomplete="one-time-code"
                    inputmode="numeric"
                />
                {field_error("confirm_code")}
                <button type="submit">"Confirm"</button>
            </ActionForm>
            // Field errors show beside their field; the rest (success, throttling) here.
            <Outcome value=Signal::derive(move || {
                confirm.value().get().filter(|r| !matches!(r, Err(AppError::Invalid { .. })))
            })/>
        </section>
    }
}

//! User management for admins: add a user, change a role, disable or re-enable. Disabling
//! ends that user's sessions at once.

use dashboard_status::Role;
use leptos::prelude::*;

use crate::{
    components::{
        shell::{Outcome, Shell, shown},
        step_up::StepUp,
        when::When,
    },
    serverfns::{
        UserView,
        users::{CreateUser, ResetSecondFactor, SetUserDisabled, SetUserRole, list_users},
    },
};

/// The roles, least privileged first, as the role menus list them.
const ROLES: [&str; 3] = [
    Role::Viewer.as_str(),
    Role::Operator.as_str(),
    Role::Admin.as_str(),
];

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let reset_factor = ServerAction::<ResetSecondFactor>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                set_role.version().get(),
                set_disabled.version().get(),
                reset_factor.version().get(),
            )
        },
        |_| list_users(),
    );
    // Loaded once, unlike `users`, so that adding a user does not re-render the form.
    let access = Resource::new(|| (), |()| list_users());
    let field_error = move |field: &'static str| {
        move || {
            create
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field_message(field))
                .map(|m| view! { <span class="field-error">{m}</span> })
        }
    };
    view! {
        <Shell title="Users">
            <h1>"Users"</h1>
            <StepUp what="Changes to users".to_owned()/>
            <Suspense fallback=|| view! { <p>"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    shown(users.await.map(|list| view! { <UserTable list set_role set_disabled reset_factor/> }))
                })}
            </Suspense>
            <Outcome value=Signal::derive(move || set_role.value().get())/>
            <Outcome value=Signal::derive(move || set_disabled.value().get())/>
            <Outcome value=Signal::derive(move || reset_factor.value().get())/>
            // Only those allowed to list users get the form; anyone else sees the refusal alone.
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    access.await.is_ok().then(|| view! {
                        <section class="card">
                            <h2>"Add a user"</h2>
                            <ActionForm action=create>
                                <label for="new-username">"Username"</label>
                                <input id="new-username" name="username" autocomplete="off" required/>
                                {field_error("username")}
                                <label for="new-password">"Password (at least 12 characters)"</label>
                                <input
                                    id="new-password"
                                    type="password"
                                    name="password"
                                    autocomplete="new-password"
                                    required
                                />
                                {field_error("password")}
                                <label for="new-role">"Role"</label>
                                <select id="new-role" name="role">
                                    {ROLES.map(|r| view! { <option value=r>{r}</option> }).collect_view()}
                                </select>
                                <button type="submit">"Add user"</button>
                            </ActionForm>
                            <Outcome value=Signal::derive(move || create.value().get())/>
                        </section>
                    })
                })}
            </Suspense>
        </Shell>
    }
}

#[component]
fn UserTable(
    list: Vec<UserView>,
    set_role: ServerAction<SetUserRole>,
    set_disabled: ServerAction<SetUserDisabled>,
    reset_factor: ServerAction<ResetSecondFactor>,
) -> impl IntoView {
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Username"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Two-factor"</th>
                    <th scope="col">"Sessions"</th>
                    <th scope="col">"Created"</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|user| {
                        let current = user.role.as_str();
                        let id = user.id.to_string();
                        let id_again = id.clone();
                        let id_for_reset = id.clone();
                        let two_factor = user.two_factor;
                        let role_label = format!("Role of {}", user.username);
                        view! {
                            <tr>
                                <td>{user.username.clone()}</td>
                                <td>
                                    <ActionForm action=set_role>
                                        <input type="hidden" name="user_id" value=id/>
                                        <select name="role" aria-label=role_label>
                                            {ROLES
                                                .map(|r| {
                                                    view! {
                                                        <option value=r selected=current == r>{r}</option>
                                                    }
                                                })
                                                .collect_view()}
                                        </select>
                                        <button type="submit" class="small">"Change role"</button>
                                    </ActionForm>
                                </td>
                                <td>
                                    <ActionForm action=set_disabled>
                                        <input type="hidden" name="user_id" value=id_again/>
                                        <input
                                            type="hidden"
                                            name="disabled"
                                            value=(!user.disabled).to_string()
                                        />
                                        <span class=if user.disabled { "badge off" } else { "badge on" }>
                                            {if user.disabled { "disabled" } else { "active" }}
                                        </span>
                                        <button type="submit" class="small">
                                            {if user.disabled { "Enable" } else { "Disable" }}
                                        </button>
                                    </ActionForm>
                                </td>
                                <td>
                                    <ActionForm action=reset_factor>
                                        <input type="hidden" name="user_id" value=id_for_reset/>
                                        <span class=if two_factor { "badge on" } else { "badge off" }>
                                            {if two_factor { "on" } else { "off" }}
                                        </span>
                                        {two_factor.then(|| view! {
                                            <button type="submit" class="small">"Reset"</button>
                                        })}
                                    </ActionForm>
                                </td>
                                <td>
                                    <a href=format!("/account/sessions?user={}", user.id)>"Sessions"</a>
                                </td>
                                <td><When at=user.created/></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

//! Sign-in, sign-out and "who am I" for the shell.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::UserView;
use crate::error::AppError;

/// What the shell needs on every page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub user: Option<UserView>,
    /// A one-time message left by the previous request (taken when read).
    pub flash: Option<String>,
}

#[server(prefix = "/api", endpoint = "session_info")]
pub async fn session_info() -> Result<SessionView, AppError> {
    let ctx = crate::server::context::RequestCtx::current()?;
    Ok(SessionView {
        user: ctx.user.clone().map(|u| UserView::of(u, &ctx.times())),
        flash: ctx.take_flash().await,
    })
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use dashboard_core::staff::auth::SessionClaims;
    use secrecy::SecretString;

    let ctx = crate::server::context::RequestCtx::current()?;
    if username.trim().is_empty() {
        return Err(ctx.fail(AppError::invalid("username", "Enter your username.")));
    }
    if password.is_empty() {
        return Err(ctx.fail(AppError::invalid("password", "Enter your password.")));
    }
    let outcome = ctx
        .state
        .auth
        .login(&username, SecretString::from(password), &ctx.client_ip)
        .await;
    let user = match outcome {
        Ok(user) => user,
        Err(e) => {
            tracing::info!(username = %username.trim(), error = %dashboard_core::report::Chain(&e), "login refused");
            return Err(ctx.auth_refused(e, AppError::InvalidCredentials));
        }
    };
    let next = safe_next(next.as_deref());
    if user.two_factor {
        super::account::hold_for_second_factor(&ctx, &user, next).await?;
        leptos_axum::redirect(super::account::CODE_PATH);
        return Ok(());
    }
    ctx.start_session(&SessionClaims::issue(&user)).await?;
    ctx.record(ctx.audit_as(&user.username, "login", "session", ""))
        .await?;
    // Someone who must have a second factor sets it up before anything else.
    if ctx.state.config.auth.require_mfa.requires(user.role) {
        leptos_axum::redirect(super::account::ENROLMENT_PATH);
    } else {
        leptos_axum::redirect(&next);
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let ctx = crate::server::context::RequestCtx::current()?;
    if let Some(user) = &ctx.user {
        ctx.record(ctx.audit_as(&user.username, "logout", "session", ""))
            .await?;
    }
    ctx.end_session().await?;
    ctx.set_flash("You have signed out.").await;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Where to go after sign-in: a path on this site, never another one. Browsers strip tabs
/// and newlines from a URL and read `\\` as `/`, so `/<TAB>/evil.example` would become
/// `//evil.example`, another host: a target with any control character, whitespace or
/// backslash is refused outright, as is one whose path holds `//` anywhere.
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/orders";
    let Some(target) = next else {
        return HOME.to_owned();
    };
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let acceptable = target.starts_with('/')
        && !target
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && !path.contains("//")
        && path != "/login"
        && !path.starts_with("/login/");
    if acceptable {
        target.to_owned()
    } else {
        HOME.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_accepts_local_paths_and_refuses_other_sites() {
        assert_eq!(safe_next(Some("/users?x=1")), "/users?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/orders");
        assert_eq!(safe_next(Some("/\\evil.example")), "/orders");
        assert_eq!(safe_next(Some("https://evil.example")), "/orders");
        assert_eq!(safe_next(Some("/login")), "/orders");
        assert_eq!(safe_next(Some("/login?next=/users")), "/orders");
        assert_eq!(safe_next(None), "/orders");
    }

    #[test]
    fn next_refuses_what_a_browser_would_clean_up_into_another_host() {
        for target in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "/\u{0}/evil.example",
            "/orders/\\evil",
            "/..//evil.example",
            "/orders//x",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(target)), "/orders", "{target:?}");
        }
        assert_eq!(safe_next(Some("/orders?q=a//b")), "/orders?q=a//b");
        assert_eq!(safe_next(Some("/orders/o-1#refund")), "/orders/o-1#refund");
    }
}

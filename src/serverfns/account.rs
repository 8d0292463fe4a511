//! The signed-in user's own account: the second sign-in step and enrolling a second
//! factor (TOTP with recovery codes).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Where a user who must have a second factor is sent until they have one.
pub const ENROLMENT_PATH: &str = "/account/two-factor";
/// The second sign-in step.
pub const CODE_PATH: &str = "/login/code";

/// The enrolment page's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorView {
    pub username: String,
    pub enrolled: bool,
    /// The user's role requires a second factor (`auth.require_mfa`).
    pub required: bool,
    /// While enrolling: the secret to type into an app, and its QR code as SVG.
    pub secret: Option<String>,
    pub qr_svg: Option<String>,
    pub recovery_codes_left: i64,
    /// Recovery codes issued by the enrolment that just finished, shown this once.
    pub new_recovery_codes: Vec<String>,
}

#[cfg(feature = "ssr")]
mod keys {
    /// A sign-in that passed the password step and waits for the second factor.
    pub const PENDING_SIGN_IN: &str = "pending_sign_in";
    /// Recovery codes to show once after a plain-form enrolment.
    pub const NEW_RECOVERY_CODES: &str = "new_recovery_codes";
    /// How long the second step may follow the password.
    pub const PENDING_FOR_MS: i64 = 5 * 60_000;
}

/// A sign-in waiting for its second factor, kept in the (still anonymous) session.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub claims: dashboard_core::staff::auth::SessionClaims,
    pub next: String,
}

/// Holds a sign-in whose password was right until its second factor is given.
#[cfg(feature = "ssr")]
pub async fn hold_for_second_factor(
    ctx: &crate::server::context::RequestCtx,
    user: &dashboard_core::staff::users::User,
    next: String,
) -> Result<(), AppError> {
    let pending = PendingSignIn {
        claims: dashboard_core::staff::auth::SessionClaims::issue(user),
        next,
    };
    ctx.session
        .insert(keys::PENDING_SIGN_IN, pending)
        .await
        .map_err(|e| ctx.internal(&e))
}

/// The second sign-in step: a code from the authenticator app, or a recovery code.
#[server(prefix = "/api", endpoint = "sign_in_with_code")]
pub async fn sign_in_with_code(code: String) -> Result<(), AppError> {
    use dashboard_core::clock::now_millis;

    let ctx = crate::server::context::RequestCtx::current()?;
    let pending: Option<PendingSignIn> = ctx
        .session
        .get(keys::PENDING_SIGN_IN)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let expired = AppError::invalid(
        "code",
        "Sign in with your password again: that took too long.",
    );
    let Some(pending) = pending.filter(|p| now_millis() - p.claims.login_at < keys::PENDING_FOR_MS)
    else {
        return Err(ctx.fail(expired));
    };
    let user = match ctx.state.store.find_user(pending.claims.user_id).await {
        Ok(Some(user))
            if pending
                .claims
                .still_valid_for(&user, now_millis(), i64::MAX) =>
        {
            user
        }
        Ok(_) => return Err(ctx.fail(expired)),
        Err(e) => return Err(ctx.internal(&e)),
    };
    let used = match ctx.state.auth.verify_second_factor(&user, &code).await {
        Ok(used) => used,
        Err(e) => {
            tracing::info!(username = %user.username, error = %dashboard_core::report::Chain(&e), "second factor refused");
            let wrong = AppError::invalid(
                "code",
                "That code is not valid. Enter the current code from your app, or an unused recovery code.",
            );
            return Err(ctx.auth_refused(e, wrong));
        }
    };
    let _ = ctx.session.remove_value(keys::PENDING_SIGN_IN).await;
    ctx.start_session(&dashboard_core::staff::auth::SessionClaims::issue(&user))
        .await?;
    ctx.record(ctx.audit_as(
        &user.username,
        "login",
        "session",
        &format!("second factor: {}", used.as_str()),
    ))
    .await?;
    leptos_axum::redirect(&pending.next);
    Ok(())
}

/// The signed-in user's second factor; while they have none, a secret is offered (kept
/// across reloads until confirmed) with its QR code.
#[server(prefix = "/api", endpoint = "two_factor_status")]
pub async fn two_factor_status() -> Result<TwoFactorView, AppError> {
    use dashboard_core::staff::second_factor;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    let user = ctx.require(Role::Viewer)?.clone();
    let store = &ctx.state.store;
    let state = store
        .totp_state(user.id)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let new_recovery_codes: Vec<String> = match ctx
        .session
        .get::<Vec<String>>(keys::NEW_RECOVERY_CODES)
        .await
    {
        Ok(Some(codes)) => {
            let _ = ctx.session.remove_value(keys::NEW_RECOVERY_CODES).await;
            codes
        }
        _ => Vec::new(),
    };
    let mut view = TwoFactorView {
        username: user.username.clone(),
        enrolled: state.secret.is_some(),
        required: ctx.state.config.auth.require_mfa.requires(user.role),
        new_recovery_codes,
        ..TwoFactorView::default()
    };
    if view.enrolled {
        view.recovery_codes_left = store
            .recovery_codes_left(user.id)
            .await
            .map_err(|e| ctx.internal(&e))?;
        return Ok(view);
    }
    let secret = match state.pending {
        Some(secret) => secret,
        None => {
            let secret = second_factor::generate_secret();
            store
                .offer_totp_secret(user.id, &secret)
                .await
                .map_err(|e| ctx.internal(&e))?;
            secret
        }
    };
    view.qr_svg = second_factor::provisioning_url(&secret, &user.username)
        .and_then(|url| second_factor::qr_svg(&url));
    view.secret = Some(secret);
    Ok(view)
}

/// Confirms enrolment with a first code; returns the ten recovery codes, shown once.
#[server(prefix = "/api", endpoint = "confirm_two_factor")]
pub async fn confirm_two_factor(code: String) -> Result<Vec<String>, AppError> {
    use dashboard_core::StoreError;
    use dashboard_core::clock::now_millis;
    use dashboard_core::staff::second_factor;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    let user = ctx.require(Role::Viewer)?.clone();
    let state = ctx
        .state
        .store
        .totp_state(user.id)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let Some(secret) = state.pending.filter(|_| state.secret.is_none()) else {
        return Err(ctx.fail(AppError::invalid(
            "code",
            "There is no enrolment to confirm; reload the page.",
        )));
    };
    let now_secs = u64::try_from(now_millis() / 1000).unwrap_or_default();
    let Some(step) = second_factor::matching_step(&secret, &code, now_secs) else {
        return Err(ctx.fail(AppError::invalid(
            "code",
            "That code does not match. Enter the six digits your app shows now.",
        )));
    };
    let codes = second_factor::generate_recovery_codes();
    let digests: Vec<String> = codes
        .iter()
        .map(|c| second_factor::hash_recovery_code(c))
        .collect();
    let audit = ctx.audit("user.mfa_enable", &user.username, "")?;
    match ctx
        .state
        .store
        .enable_totp(
            user.id,
            &secret,
            i64::try_from(step).unwrap_or(i64::MAX),
            &digests,
            &audit,
        )
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound(_)) => {
            return Err(ctx.fail(AppError::invalid(
                "code",
                "Enrolment was restarted elsewhere; reload the page.",
            )));
        }
        Err(e) => return Err(ctx.internal(&e)),
    }
    if ctx.from_plain_form
        && let Err(e) = ctx.session.insert(keys::NEW_RECOVERY_CODES, &codes).await
    {
        return Err(ctx.internal(&e));
    }
    ctx.flash_for_forms("Two-factor sign-in is on.").await;
    Ok(codes)
}

/// Confirms the signed-in user's identity (password, and second-factor code when they use
/// one) for sensitive actions during the next five minutes.
#[server(prefix = "/api", endpoint = "confirm_identity")]
pub async fn confirm_identity(
    confirm_password: String,
    confirm_code: Option<String>,
) -> Result<String, AppError> {
    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.confirm_identity(
        &confirm_password,
        confirm_code.as_deref().unwrap_or_default(),
    )
    .await?;
    let message = "Confirmed: sensitive actions are allowed for five minutes.".to_owned();
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// One signed-in session, as its user (or an admin) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub handle: String,
    pub created: super::Moment,
    pub last_seen: super::Moment,
    pub address: String,
    pub browser: String,
    /// The session this page is seen in.
    pub current: bool,
}

/// A user's signed-in sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsView {
    pub user_id: i64,
    pub username: String,
    /// The sessions are the viewer's own.
    pub own: bool,
    pub sessions: Vec<SessionView>,
    /// The zone the viewer reads times in, as they chose it (empty: the default).
    pub timezone: String,
    /// The configured default zone.
    pub default_timezone: String,
}

/// Every zone the time-zone picker offers (the built-in database's names).
#[server(prefix = "/api", endpoint = "time_zone_names")]
pub async fn time_zone_names() -> Result<Vec<String>, AppError> {
    use dashboard_status::Role;
    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Viewer)?;
    Ok(dashboard_core::clock::zone_names())
}

/// Sets the zone the signed-in user reads times in (empty: back to the default), audited.
#[server(prefix = "/api", endpoint = "set_time_zone")]
pub async fn set_time_zone(timezone: String) -> Result<String, AppError> {
    use dashboard_core::clock::Zone;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?.clone();
    let chosen = match timezone.trim() {
        "" => None,
        name => Some(
            Zone::named(name)
                .map_err(|e| ctx.fail(AppError::invalid("timezone", e.to_string())))?,
        ),
    };
    let name = chosen.as_ref().map(|zone| zone.name().to_owned());
    let audit = ctx.audit(
        "account.timezone",
        &me.username,
        name.as_deref().unwrap_or("default"),
    )?;
    ctx.state
        .store
        .set_user_timezone(me.id, name.as_deref(), &audit)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let message = match name {
        Some(name) => format!("Times are now shown in {name}."),
        None => format!(
            "Times are now shown in the default zone, {}.",
            ctx.state.config.ui.default_timezone
        ),
    };
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Whose sessions `user_id` names: the signed-in user's own when absent or theirs, anyone's
/// for an admin.
#[cfg(feature = "ssr")]
async fn sessions_owner(
    ctx: &crate::server::context::RequestCtx,
    user_id: Option<i64>,
) -> Result<(dashboard_core::staff::users::User, bool), AppError> {
    use dashboard_status::Role;
    let me = ctx.require(Role::Viewer)?.clone();
    match user_id.filter(|id| *id != me.id) {
        None => Ok((me, true)),
        Some(id) => {
            ctx.require(Role::Admin)?;
            match ctx.state.store.find_user(id).await {
                Ok(Some(user)) => Ok((user, false)),
                Ok(None) => Err(ctx.fail(AppError::NotFound)),
                Err(e) => Err(ctx.internal(&e)),
            }
        }
    }
}

/// The signed-in sessions of the user (or, for an admin, of `user_id`).
#[server(prefix = "/api", endpoint = "list_sessions")]
pub async fn list_sessions(user_id: Option<i64>) -> Result<SessionsView, AppError> {
    let ctx = crate::server::context::RequestCtx::current()?;
    let (user, own) = sessions_owner(&ctx, user_id).await?;
    let current = ctx.claims().await.map(|c| c.handle).unwrap_or_default();
    let sessions = ctx
        .state
        .store
        .list_sessions(user.id)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let times = ctx.times();
    Ok(SessionsView {
        user_id: user.id,
        timezone: user.timezone.clone().unwrap_or_default(),
        default_timezone: ctx.state.config.ui.default_timezone.clone(),
        username: user.username,
        own,
        sessions: sessions
            .into_iter()
            .map(|s| SessionView {
                current: own && s.handle == current,
                handle: s.handle,
                created: times.moment(s.created_at),
                last_seen: times.moment(s.last_seen_at),
                address: s.client_ip,
                browser: s.user_agent,
            })
            .collect(),
    })
}

/// Ends one session (`handle`) or every other one of the user (or, for an admin, of
/// `user_id`: then all of them, after step-up), audited.
#[server(prefix = "/api", endpoint = "end_sessions")]
pub async fn end_sessions(
    user_id: Option<i64>,
    handle: Option<String>,
) -> Result<String, AppError> {
    let ctx = crate::server::context::RequestCtx::current()?;
    let (user, own) = sessions_owner(&ctx, user_id).await?;
    if !own {
        ctx.require_step_up().await?;
    }
    let current = ctx.claims().await.map(|c| c.handle).unwrap_or_default();
    let handle = handle.filter(|h| !h.is_empty());
    let (action, handles) = match &handle {
        Some(h) => ("session.end", Some(std::slice::from_ref(h))),
        None => ("session.end_all", None),
    };
    let audit = ctx.audit(action, &user.username, "")?;
    let keep = own.then_some(current.as_str());
    let ended = ctx
        .state
        .store
        .end_sessions(user.id, handles, keep, &audit)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let message = match (ended, own) {
        (0, _) => "That session had already ended.".to_owned(),
        (1, _) => "One session ended.".to_owned(),
        (n, true) => format!("{n} other sessions ended."),
        (n, false) => format!("{n} sessions of {} ended.", user.username),
    };
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Changes the signed-in user's password: the current one is required, the new one must
/// meet the policy and not be easy to guess; every other session ends. Audited.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<String, AppError> {
    use dashboard_core::staff::auth::{Password, hash_password};
    use dashboard_status::Role;
    use secrecy::SecretString;

    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Viewer)?.clone();
    let invalid = |field: &str, message: String| ctx.fail(AppError::invalid(field, message));
    let new = Password::parse(SecretString::from(new_password))
        .map_err(|e| invalid("new_password", format!("The new password {e}.")))?;
    new.refuse_guessable(&me.username)
        .map_err(|e| invalid("new_password", format!("The new password {e}.")))?;
    let wrong = AppError::invalid("current_password", "That is not your current password.");
    let secret = SecretString::from(current_password);
    match ctx
        .state
        .auth
        .login(&me.username, secret, &ctx.client_ip)
        .await
    {
        Ok(user) if user.id == me.id => {}
        Ok(_) => return Err(ctx.fail(wrong)),
        Err(e) => return Err(ctx.auth_refused(e, wrong)),
    }
    let hash = hash_password(&new).await.map_err(|e| ctx.internal(&e))?;
    let current = ctx.claims().await.map(|c| c.handle).unwrap_or_default();
    let audit = ctx.audit("user.password_change", &me.username, "")?;
    ctx.state
        .store
        .change_own_password(me.id, &hash, &current, &audit)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let message = "Password changed; your other sessions have ended.".to_owned();
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

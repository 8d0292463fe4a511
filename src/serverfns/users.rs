//! User management, for admins only.

use leptos::prelude::*;

use super::UserView;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    use dashboard_status::Role;
    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let users = ctx
        .state
        .store
        .list_users()
        .await
        .map_err(|e| ctx.internal(&e))?;
    let times = ctx.times();
    Ok(users.into_iter().map(|u| UserView::of(u, &times)).collect())
}

#[server(prefix = "/api", endpoint = "create_user")]
pub async fn create_user(
    username: String,
    password: String,
    role: String,
) -> Result<String, AppError> {
    use dashboard_core::StoreError;
    use dashboard_core::staff::auth::{Password, Username, hash_password};
    use dashboard_status::Role;
    use secrecy::SecretString;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let name = Username::parse(&username)
        .map_err(|e| ctx.fail(AppError::invalid("username", format!("Username {e}."))))?;
    let password = Password::parse(SecretString::from(password))
        .map_err(|e| ctx.fail(AppError::invalid("password", format!("Password {e}."))))?;
    let role = parse_role(&ctx, &role)?;
    ctx.require_step_up().await?;
    let hash = hash_password(&password)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let audit = ctx.audit(
        "user.create",
        name.as_str(),
        &format!("role={}", role.as_str()),
    )?;
    match ctx
        .state
        .store
        .insert_user(name.as_str(), &hash, role, &audit)
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(ctx.fail(AppError::invalid("username", "That username is taken.")));
        }
        Err(e) => return Err(ctx.internal(&e)),
    }
    let message = format!("User {} created as {}.", name.as_str(), role.as_str());
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

#[server(prefix = "/api", endpoint = "set_user_role")]
pub async fn set_user_role(user_id: i64, role: String) -> Result<String, AppError> {
    use dashboard_status::Role;
    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Admin)?.clone();
    let role = parse_role(&ctx, &role)?;
    if me.id == user_id && role != Role::Admin {
        return Err(ctx.fail(AppError::invalid(
            "role",
            "You cannot remove your own admin role; ask another admin.",
        )));
    }
    let target = target_name(&ctx, user_id).await?;
    ctx.require_step_up().await?;
    let audit = ctx.audit("user.role", &target, &format!("role={}", role.as_str()))?;
    ctx.state
        .store
        .set_user_role(user_id, role, &audit)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let message = format!("{target} is now {}.", role.as_str());
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

#[server(prefix = "/api", endpoint = "set_user_disabled")]
pub async fn set_user_disabled(user_id: i64, disabled: bool) -> Result<String, AppError> {
    use dashboard_status::Role;
    let ctx = crate::server::context::RequestCtx::current()?;
    let me = ctx.require(Role::Admin)?.clone();
    if me.id == user_id && disabled {
        return Err(ctx.fail(AppError::invalid(
            "disabled",
            "You cannot disable your own account.",
        )));
    }
    let target = target_name(&ctx, user_id).await?;
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    ctx.require_step_up().await?;
    let audit = ctx.audit(action, &target, "")?;
    ctx.state
        .store
        .set_user_disabled(user_id, disabled, &audit)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let message = if disabled {
        format!("{target} is disabled and signed out everywhere.")
    } else {
        format!("{target} is enabled again.")
    };
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Removes a user's second factor (they enrol again at their next sign-in) and ends their
/// sessions; for a user who lost their authenticator and recovery codes.
#[server(prefix = "/api", endpoint = "reset_second_factor")]
pub async fn reset_second_factor(user_id: i64) -> Result<String, AppError> {
    use dashboard_status::Role;
    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let target = target_name(&ctx, user_id).await?;
    ctx.require_step_up().await?;
    let audit = ctx.audit("user.mfa_reset", &target, "")?;
    ctx.state
        .store
        .reset_second_factor(user_id, &audit)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let message = format!("{target}'s second factor is removed and their sessions ended.");
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

#[cfg(feature = "ssr")]
fn parse_role(
    ctx: &crate::server::context::RequestCtx,
    role: &str,
) -> Result<dashboard_status::Role, AppError> {
    dashboard_status::Role::parse(role).ok_or_else(|| {
        ctx.fail(AppError::invalid(
            "role",
            "Choose viewer, operator or admin.",
        ))
    })
}

#[cfg(feature = "ssr")]
async fn target_name(
    ctx: &crate::server::context::RequestCtx,
    user_id: i64,
) -> Result<String, AppError> {
    match ctx.state.store.find_user(user_id).await {
        Ok(Some(user)) => Ok(user.username),
        Ok(None) => Err(ctx.fail(AppError::NotFound)),
        Err(e) => Err(ctx.internal(&e)),
    }
}

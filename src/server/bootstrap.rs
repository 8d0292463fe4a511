//! First-run set-up: make sure an enabled admin account exists so a fresh install can be
//! signed into. The password comes from `admin.password` or is generated and handed back
//! to the caller to show once; it is never logged.

use dashboard_core::{
    Store,
    config::AdminConfig,
    staff::{
        audit::AuditEntry,
        auth::{Password, hash_password},
    },
};

use dashboard_status::Role;

use secrecy::SecretString;

use super::StartError;

/// Creates the configured admin when no enabled admin exists; returns the username and a
/// generated password when one was made up.
pub async fn ensure_admin(
    store: &Store,
    admin: &AdminConfig,
) -> Result<Option<(String, SecretString)>, StartError> {
    if store.has_active_admin().await? {
        return Ok(None);
    }
    let (password, generated) = match &admin.password {
        Some(given) => (
            Password::parse(given.clone()).map_err(|e| StartError::Admin(e.to_string()))?,
            false,
        ),
        None => (Password::generate(), true),
    };
    let hash = hash_password(&password)
        .await
        .map_err(|e| StartError::Admin(e.to_string()))?;
    let audit = AuditEntry {
        actor: "system".to_owned(),
        action: "user.bootstrap_admin".to_owned(),
        target: admin.username.clone(),
        detail: String::new(),
        client_ip: String::new(),
        trace_id: String::new(),
    };
    match store.find_user_credentials(&admin.username).await? {
        // The account exists but is no longer an enabled admin: restore it with a new password.
        Some((user, _)) => {
            store.set_user_role(user.id, Role::Admin, &audit).await?;
            store.set_user_disabled(user.id, false, &audit).await?;
            store.set_user_password(user.id, &hash, &audit).await?;
        }
        None => {
            store
                .insert_user(&admin.username, &hash, Role::Admin, &audit)
                .await?;
        }
    }
    tracing::info!(username = %admin.username, "admin account created");
    Ok(generated.then(|| (admin.username.clone(), password.secret().clone())))
}

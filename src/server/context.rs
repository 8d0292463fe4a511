//! What a server function knows about its request: app state, session, signed-in user,
//! client address and trace id. Errors made here set the HTTP status of the response (the
//! server function's, or the page's when rendered on the server) and internal causes are
//! logged, never sent.

use axum::http::{Method, header::ACCEPT, request::Parts};
use dashboard_core::{
    report::Chain,
    staff::{audit::AuditEntry, auth::SessionClaims, session_register::StaffSession, users::User},
};
use dashboard_status::Role;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use super::{
    middleware::{CurrentUser, RequestMeta},
    state::AppState,
};
use crate::error::AppError;

/// Session keys.
pub const CLAIMS_KEY: &str = "claims";
pub const FLASH_KEY: &str = "flash";
/// When the user last confirmed their identity for a sensitive action (epoch ms).
pub const STEP_UP_KEY: &str = "step_up_at";
/// How long a sign-in or a confirmation covers sensitive actions.
pub const STEP_UP_MS: i64 = 5 * 60_000;

pub struct RequestCtx {
    pub state: AppState,
    pub session: Session,
    pub user: Option<User>,
    pub trace_id: String,
    pub client_ip: String,
    /// The browser's `User-Agent`, for the register of sessions.
    pub user_agent: String,
    /// True when a plain HTML form (no JavaScript) posted the request: the server function
    /// machinery answers it with a redirect back, whose status must not be overridden.
    pub from_plain_form: bool,
}

impl RequestCtx {
    /// The context of the current request; only callable inside a server function or a
    /// server-side render.
    pub fn current() -> Result<Self, AppError> {
        let internal = || AppError::Internal {
            trace_id: String::new(),
        };
        let state = use_context::<AppState>().ok_or_else(internal)?;
        let parts = use_context::<Parts>().ok_or_else(internal)?;
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(internal)?;
        let meta = parts
            .extensions
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_default();
        let user = parts.extensions.get::<CurrentUser>().map(|u| u.0.clone());
        let from_plain_form = parts.method == Method::POST
            && parts
                .headers
                .get(ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"));
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(Self {
            state,
            session,
            user,
            trace_id: meta.trace_id,
            client_ip: meta.client_ip,
            user_agent,
            from_plain_form,
        })
    }

    /// How this request's reader sees times: their chosen zone, or the configured default.
    pub fn times(&self) -> crate::serverfns::Times {
        let chosen = self.user.as_ref().and_then(|u| u.timezone.as_deref());
        crate::serverfns::Times::new(self.state.config.ui.zone_for(chosen))
    }

    /// Sets the response status for `err` and returns it.
    pub fn fail(&self, err: AppError) -> AppError {
        if self.from_plain_form {
            return err;
        }
        if let Some(options) = use_context::<ResponseOptions>()
            && let Ok(status) = axum::http::StatusCode::from_u16(err.status())
        {
            options.set_status(status);
            if let Some(seconds) = err.retry_after_secs() {
                options.insert_header(axum::http::header::RETRY_AFTER, seconds.into());
            }
        }
        err
    }

    /// Logs an internal failure with its cause chain and returns a safe error carrying
    /// only the trace id.
    pub fn internal(&self, cause: &(dyn std::error::Error + 'static)) -> AppError {
        if dashboard_core::StoreError::caused_unstorable_text(cause) {
            tracing::warn!(error = %Chain(cause), "input the database cannot store");
            return self.fail(AppError::invalid(
                "form",
                "The text contains a character that cannot be stored (such as NUL).",
            ));
        }
        tracing::error!(error = %Chain(cause), "request failed");
        self.fail(AppError::Internal {
            trace_id: self.trace_id.clone(),
        })
    }

    /// Reads the amount of `currency` typed into `field`; an amount that cannot be read in
    /// it (too many decimals), or is not more than zero, is a field error saying how to
    /// write one.
    pub fn amount(&self, field: &'static str, text: &str, currency: &str) -> Result<i64, AppError> {
        dashboard_core::money::AmountInput::parse_positive(text, currency)
            .map(dashboard_core::money::AmountInput::minor)
            .map_err(|e| self.fail(AppError::invalid(field, e.message())))
    }

    /// The currency of a stored order, which the amounts typed for it are read in.
    pub async fn order_currency(&self, order_id: &str) -> Result<String, AppError> {
        match self.state.store.find_order(order_id).await {
            Ok(Some(order)) => Ok(order.currency),
            Ok(None) => Err(self.fail(AppError::NotFound)),
            Err(e) => Err(self.internal(&e)),
        }
    }

    /// The currency of a stored mandate (Juspay's default when it names none).
    pub async fn mandate_currency(&self, mandate_id: &str) -> Result<String, AppError> {
        match self.state.store.find_mandate(mandate_id).await {
            Ok(Some(mandate)) => Ok(mandate
                .currency
                .unwrap_or_else(|| juspay::DEFAULT_CURRENCY.to_owned())),
            Ok(None) => Err(self.fail(AppError::NotFound)),
            Err(e) => Err(self.internal(&e)),
        }
    }

    /// Maps a failed action to what the browser may see: field errors as such, Juspay's
    /// refusals in our words (the full error is logged here), storage failures as internal.
    pub fn action_failed(&self, err: dashboard_core::orders::actions::ActionError) -> AppError {
        use dashboard_core::orders::actions::ActionError;
        err.log("staff");
        match &err {
            ActionError::Invalid { field, message } => {
                self.fail(AppError::invalid(field, message.clone()))
            }
            ActionError::NotFound => self.fail(AppError::NotFound),
            ActionError::Store(e) if e.is_unstorable_text() => self.fail(AppError::invalid(
                "form",
                "The text contains a character that cannot be stored (such as NUL).",
            )),
            ActionError::Store(_) => self.fail(AppError::Internal {
                trace_id: self.trace_id.clone(),
            }),
            ActionError::NotConfigured | ActionError::Juspay(_) => self.fail(AppError::Upstream {
                message: err.public_message(),
            }),
        }
    }

    /// The signed-in user if their role is at least `min`.
    pub fn require(&self, min: Role) -> Result<&User, AppError> {
        match &self.user {
            None => Err(self.fail(AppError::Unauthenticated)),
            Some(user) if user.role < min => {
                tracing::warn!(user = %user.username, required = min.as_str(), "forbidden");
                Err(self.fail(AppError::Forbidden))
            }
            Some(user) => Ok(user),
        }
    }

    /// An audit entry for an action of the signed-in user.
    pub fn audit(&self, action: &str, target: &str, detail: &str) -> Result<AuditEntry, AppError> {
        let actor = self
            .user
            .as_ref()
            .map(|u| u.username.clone())
            .ok_or_else(|| self.fail(AppError::Unauthenticated))?;
        Ok(self.audit_as(&actor, action, target, detail))
    }

    pub fn audit_as(&self, actor: &str, action: &str, target: &str, detail: &str) -> AuditEntry {
        AuditEntry {
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: detail.to_owned(),
            client_ip: self.client_ip.clone(),
            trace_id: self.trace_id.clone(),
        }
    }

    pub async fn record(&self, entry: AuditEntry) -> Result<(), AppError> {
        self.state
            .store
            .record_audit(&entry)
            .await
            .map_err(|e| self.internal(&e))
    }

    /// Step-up re-authentication (OWASP ASVS 7.5): a sensitive action passes only when the
    /// user confirmed their identity (password, and second factor when they have one) in
    /// the last five minutes, otherwise it is refused with [`AppError::StepUpRequired`].
    /// Signing in does not count: the action asks for the password again.
    pub async fn require_step_up(&self) -> Result<(), AppError> {
        use dashboard_core::clock::now_millis;
        let confirmed: Option<i64> = self.session.get(STEP_UP_KEY).await.ok().flatten();
        match confirmed {
            Some(at) if now_millis() - at < STEP_UP_MS => Ok(()),
            _ => Err(self.fail(AppError::StepUpRequired)),
        }
    }

    /// Checks the signed-in user's `password` (with sign-in's throttling) and `code` (when
    /// they have a second factor), then remembers the confirmation for sensitive actions
    /// for five minutes. Audited.
    pub async fn confirm_identity(&self, password: &str, code: &str) -> Result<(), AppError> {
        use dashboard_core::clock::now_millis;
        use secrecy::SecretString;

        let user = self
            .user
            .clone()
            .ok_or_else(|| self.fail(AppError::Unauthenticated))?;
        if password.is_empty() {
            return Err(self.fail(AppError::invalid(
                "confirm_password",
                "Enter your password.",
            )));
        }
        let wrong_password = AppError::invalid("confirm_password", "That password is not right.");
        let secret = SecretString::from(password.to_owned());
        match self
            .state
            .auth
            .login(&user.username, secret, &self.client_ip)
            .await
        {
            Ok(same) if same.id == user.id => {}
            Ok(_) => return Err(self.fail(wrong_password)),
            Err(e) => return Err(self.auth_refused(e, wrong_password)),
        }
        if user.two_factor
            && let Err(e) = self.state.auth.verify_second_factor(&user, code).await
        {
            let wrong_code = AppError::invalid(
                "confirm_code",
                "Enter the current code from your authenticator app.",
            );
            return Err(self.auth_refused(e, wrong_code));
        }
        self.session
            .insert(STEP_UP_KEY, now_millis())
            .await
            .map_err(|e| self.internal(&e))?;
        self.record(self.audit_as(&user.username, "session.step_up", "session", ""))
            .await
    }

    /// Maps a refused sign-in, second factor or confirmation to what the browser may see:
    /// `wrong` for a wrong password or code, the wait when throttled or busy, and an
    /// internal error (logged) for anything else.
    pub fn auth_refused(
        &self,
        err: dashboard_core::staff::auth::AuthError,
        wrong: AppError,
    ) -> AppError {
        use dashboard_core::staff::auth::AuthError;
        match err {
            AuthError::InvalidCredentials | AuthError::InvalidCode => self.fail(wrong),
            AuthError::Throttled { retry_after_secs } => {
                self.fail(AppError::Throttled { retry_after_secs })
            }
            AuthError::Busy { retry_after_secs } => self.fail(AppError::Busy { retry_after_secs }),
            other => self.internal(&other),
        }
    }

    /// Starts a signed-in session under a fresh id (no session fixation) and registers it
    /// (address and browser) so that its user can see and end it.
    pub async fn start_session(&self, claims: &SessionClaims) -> Result<(), AppError> {
        let now = dashboard_core::clock::now_millis();
        self.state
            .store
            .register_session(&StaffSession {
                handle: claims.handle.clone(),
                user_id: claims.user_id,
                created_at: now,
                last_seen_at: now,
                client_ip: self.client_ip.clone(),
                user_agent: self.user_agent.clone(),
            })
            .await
            .map_err(|e| self.internal(&e))?;
        self.session
            .cycle_id()
            .await
            .map_err(|e| self.internal(&e))?;
        self.session
            .insert(CLAIMS_KEY, claims)
            .await
            .map_err(|e| self.internal(&e))
    }

    /// The claims of the signed-in session, if any.
    pub async fn claims(&self) -> Option<SessionClaims> {
        self.session.get(CLAIMS_KEY).await.ok().flatten()
    }

    /// Ends the session: its registration and stored record are deleted, the cookie cleared.
    pub async fn end_session(&self) -> Result<(), AppError> {
        if let Some(claims) = self.claims().await {
            self.state
                .store
                .forget_session(&claims.handle)
                .await
                .map_err(|e| self.internal(&e))?;
        }
        self.session.flush().await.map_err(|e| self.internal(&e))
    }

    pub async fn set_flash(&self, message: &str) {
        if let Err(e) = self.session.insert(FLASH_KEY, message).await {
            tracing::warn!(error = %Chain(&e), "could not store flash message");
        }
    }

    /// Leaves a flash message only for plain-form requests: with JavaScript the page shows
    /// the result inline, and a flash would repeat it on the next page.
    pub async fn flash_for_forms(&self, message: &str) {
        if self.from_plain_form {
            self.set_flash(message).await;
        }
    }

    /// Reads and clears the flash message. Removing marks the session modified even when the
    /// key is absent, and a modified session is written back (an fsync'd write per page view),
    /// so it is removed only when there is one.
    pub async fn take_flash(&self) -> Option<String> {
        let flash = self.session.get::<String>(FLASH_KEY).await.ok().flatten()?;
        if let Err(e) = self.session.remove_value(FLASH_KEY).await {
            tracing::warn!(error = %Chain(&e), "could not clear the flash message");
        }
        Some(flash)
    }
}

//! The Outbound page's server functions, for admins only: the endpoints that receive our
//! events and the delivery log; adding an endpoint (its secret shown once), rotating its
//! secret, enabling or disabling it, sending a test event and sending a delivery again.
//! Adding and rotating need the identity confirmed again: both hand out a secret.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// An endpoint as the page shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub enabled: bool,
    /// Deliveries per second at most, when limited.
    pub rate_limit: Option<i64>,
    /// Why it is disabled, or since when it fails.
    pub note: Option<String>,
    pub rotating_until: Option<String>,
}

/// One row of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    pub endpoint_id: i64,
    pub msg_id: String,
    pub event_type: String,
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub last: String,
    pub next_attempt: Option<String>,
    pub created: String,
}

/// A merchant API token as the page lists it (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub scopes: String,
    pub prefix: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
}

/// The page: endpoints, the event types one may subscribe to, the latest deliveries and
/// the merchant API's tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundView {
    pub endpoints: Vec<EndpointView>,
    pub event_types: Vec<String>,
    pub deliveries: Vec<DeliveryView>,
    pub tokens: Vec<TokenView>,
}

/// The delivery log's filters as they travel in the page address (`type` there).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryQuery {
    pub endpoint: Option<String>,
    pub state: Option<String>,
    pub event_type: Option<String>,
    /// UTC days, `2026-11-23`.
    pub from: Option<String>,
    pub to: Option<String>,
}

#[server(prefix = "/api", endpoint = "outbound_page")]
pub async fn outbound_page(
    endpoint: Option<String>,
    state: Option<String>,
    event_type: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<OutboundView, AppError> {
    use crate::server::queries::{day_end, day_start};
    use dashboard_core::outbound::{events::EVENT_TYPES, store::DeliveryFilter};
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let times = ctx.times();
    let store = &ctx.state.store;
    let endpoints = store.list_endpoints().await.map_err(|e| ctx.internal(&e))?;
    let text = crate::server::queries::filter_text;
    let invalid =
        |e: crate::server::queries::FieldError| ctx.fail(AppError::invalid(e.field, e.message));
    let endpoint_id = match text(&endpoint) {
        None => None,
        Some(t) => Some(t.parse::<i64>().map_err(|_| {
            ctx.fail(AppError::invalid(
                "endpoint",
                "Choose one of the listed endpoints.",
            ))
        })?),
    };
    let filter = DeliveryFilter {
        endpoint_id,
        state: text(&state),
        event_type: text(&event_type),
        from: day_start(times.zone(), "from", &from).map_err(invalid)?,
        until: day_end(times.zone(), "to", &to).map_err(invalid)?,
    };
    let deliveries = store
        .list_deliveries(&filter, 100)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let tokens = store.list_tokens().await.map_err(|e| ctx.internal(&e))?;
    Ok(OutboundView {
        tokens: tokens
            .into_iter()
            .map(|t| TokenView {
                id: t.id,
                name: t.name,
                scopes: t.scopes,
                prefix: t.prefix,
                created: format!("{} by {}", times.text(t.created_at), t.created_by),
                last_used: t.last_used_at.map(|at| times.text(at)),
                revoked: t.revoked_at.map(|at| times.text(at)),
            })
            .collect(),
        endpoints: endpoints
            .into_iter()
            .map(|e| EndpointView {
                id: e.id,
                note: e.disabled_reason.clone().or_else(|| {
                    e.failing_since
                        .map(|at| format!("failing since {}", times.text(at)))
                }),
                rotating_until: e
                    .previous_secret_until
                    .filter(|until| *until > dashboard_core::clock::now_millis())
                    .map(|at| times.text(at)),
                rate_limit: e.rate_limit,
                url: e.url,
                description: e.description,
                event_types: e.event_types,
                enabled: e.enabled,
            })
            .collect(),
        event_types: EVENT_TYPES.iter().map(|t| (*t).to_owned()).collect(),
        deliveries: deliveries
            .into_iter()
            .map(|d| DeliveryView {
                id: d.id,
                endpoint_id: d.endpoint_id,
                last: match (d.last_status, &d.last_error) {
                    (Some(status), _) => format!("HTTP {status}"),
                    (None, Some(error)) => error.clone(),
                    (None, None) => "not sent yet".to_owned(),
                },
                next_attempt: (d.state == "pending")
                    .then_some(d.next_attempt_at)
                    .flatten()
                    .map(|at| times.text(at)),
                created: times.text(d.created_at),
                msg_id: d.msg_id,
                event_type: d.event_type,
                subject: d.subject,
                state: d.state,
                attempts: d.attempts,
            })
            .collect(),
    })
}

/// Adds an endpoint. The answer carries its signing secret, the only time it is shown.
#[server(prefix = "/api", endpoint = "create_endpoint")]
pub async fn create_endpoint(
    url: String,
    description: Option<String>,
    event_types: Option<String>,
    rate_limit: Option<String>,
) -> Result<String, AppError> {
    use dashboard_core::outbound::endpoints::NewEndpoint;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let types: Vec<String> = event_types
        .unwrap_or_default()
        .split([',', ' '])
        .filter(|t| !t.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let rate_limit = match crate::server::queries::filter_text(&rate_limit) {
        None => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            ctx.fail(AppError::invalid(
                "rate_limit",
                "Use a whole number of events per second, or leave it empty.",
            ))
        })?),
    };
    ctx.require_step_up().await?;
    let audit = ctx.audit(
        "outbound.endpoint.create",
        "",
        &format!("url={}", url.trim()),
    )?;
    let (id, secret) = ctx
        .state
        .store
        .create_endpoint(
            &NewEndpoint {
                url,
                description: description.unwrap_or_default(),
                event_types: types,
                rate_limit,
            },
            &audit,
        )
        .await
        .map_err(|e| endpoint_failed(&ctx, e))?;
    let message = format!(
        "Endpoint {id} added. Its signing secret, shown only now: {secret} — give it to the \
         receiver, which verifies each event with it."
    );
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Gives an endpoint a new secret; the old one keeps signing during the overlap.
#[server(prefix = "/api", endpoint = "rotate_endpoint_secret")]
pub async fn rotate_endpoint_secret(id: i64) -> Result<String, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    ctx.require_step_up().await?;
    let audit = ctx.audit("outbound.endpoint.rotate", &format!("endpoint:{id}"), "")?;
    let hours = ctx.state.config.outbound.secret_overlap_hours;
    let secret = ctx
        .state
        .store
        .rotate_endpoint_secret(id, hours * 3_600_000, &audit)
        .await
        .map_err(|e| endpoint_failed(&ctx, e))?;
    let message = format!(
        "New signing secret for endpoint {id}, shown only now: {secret}. Events are signed with \
         the old one too for {hours} hours, so the receiver can switch without losing any."
    );
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

#[server(prefix = "/api", endpoint = "set_endpoint_enabled")]
pub async fn set_endpoint_enabled(id: i64, enabled: bool) -> Result<String, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let action = if enabled {
        "outbound.endpoint.enable"
    } else {
        "outbound.endpoint.disable"
    };
    let audit = ctx.audit(action, &format!("endpoint:{id}"), "")?;
    ctx.state
        .store
        .set_endpoint_enabled(id, enabled, &audit)
        .await
        .map_err(|e| endpoint_failed(&ctx, e))?;
    let message = format!(
        "Endpoint {id} {}.",
        if enabled { "enabled" } else { "disabled" }
    );
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

#[server(prefix = "/api", endpoint = "send_test_event")]
pub async fn send_test_event(id: i64) -> Result<String, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let audit = ctx.audit("outbound.endpoint.test", &format!("endpoint:{id}"), "")?;
    ctx.state
        .store
        .send_test_event(id, &audit)
        .await
        .map_err(|e| endpoint_failed(&ctx, e))?;
    let message = format!("A test event is on its way to endpoint {id}; see it in the log below.");
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Sends a delivered or failed event again, with the same `webhook-id`.
#[server(prefix = "/api", endpoint = "replay_delivery")]
pub async fn replay_delivery(id: i64) -> Result<String, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let audit = ctx.audit("outbound.delivery.replay", &format!("delivery:{id}"), "")?;
    ctx.state
        .store
        .replay_delivery(id, &audit)
        .await
        .map_err(|e| endpoint_failed(&ctx, e))?;
    let message = format!("Delivery {id} will be sent again.");
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// Makes a merchant API token; the answer carries it, the only time it is shown.
#[server(prefix = "/api", endpoint = "create_api_token")]
pub async fn create_api_token(name: String, scopes: String) -> Result<String, AppError> {
    use dashboard_core::outbound::tokens::Scope;
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(ctx.fail(AppError::invalid(
            "name",
            "Name the system that will use it (up to 80 characters).",
        )));
    }
    let scopes: Option<Vec<Scope>> = scopes.split(',').map(Scope::parse).collect();
    let Some(scopes) = scopes.filter(|s| !s.is_empty()) else {
        return Err(ctx.fail(AppError::invalid("scopes", "Choose what the token may do.")));
    };
    ctx.require_step_up().await?;
    let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let audit = ctx.audit(
        "merchant_api.token.create",
        "",
        &format!("name={name} scopes={}", names.join(",")),
    )?;
    let (id, token) = ctx
        .state
        .store
        .create_token(&name, &scopes, &audit)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let message = format!(
        "Token {id} for {name}, shown only now: {token} — send it as `Authorization: Bearer …`."
    );
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

#[server(prefix = "/api", endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<String, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let audit = ctx.audit("merchant_api.token.revoke", &format!("token:{id}"), "")?;
    let revoked = ctx
        .state
        .store
        .revoke_token(id, &audit)
        .await
        .map_err(|e| ctx.internal(&e))?;
    if !revoked {
        return Err(ctx.fail(AppError::NotFound));
    }
    let message = format!("Token {id} revoked: it no longer works.");
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

/// One attempt of a delivery, for its detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub at: String,
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub response: Option<String>,
    pub error: Option<String>,
}

/// The attempts of one delivery, oldest first.
#[server(prefix = "/api", endpoint = "delivery_attempts")]
pub async fn delivery_attempts(id: i64) -> Result<Vec<AttemptView>, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let attempts = ctx
        .state
        .store
        .list_attempts(id)
        .await
        .map_err(|e| ctx.internal(&e))?;
    let times = ctx.times();
    Ok(attempts
        .into_iter()
        .map(|a| AttemptView {
            at: times.text(a.at),
            status: a.status,
            latency_ms: a.latency_ms,
            response: a.response,
            error: a.error,
        })
        .collect())
}

/// Sends again every failed event of an endpoint written since a day. Without `confirm`
/// it only says how many that would be, so the admin sees the count before sending.
#[server(prefix = "/api", endpoint = "replay_failed")]
pub async fn replay_failed(
    endpoint_id: i64,
    since: String,
    confirm: Option<String>,
) -> Result<String, AppError> {
    use dashboard_status::Role;

    let ctx = crate::server::context::RequestCtx::current()?;
    ctx.require(Role::Admin)?;
    let Some((since_ms, _)) = ctx.times().zone().day_bounds(&since) else {
        return Err(ctx.fail(AppError::invalid("since", "Use a date like 2026-11-23.")));
    };
    let store = &ctx.state.store;
    if confirm.as_deref().is_none_or(|c| c.trim().is_empty()) {
        let count = store
            .count_failed_since(endpoint_id, since_ms)
            .await
            .map_err(|e| ctx.internal(&e))?;
        return Err(ctx.fail(AppError::invalid(
            "confirm",
            format!(
                "{count} failed events of endpoint {endpoint_id} since {} would be sent again; \
                 tick the box and press the button again to send them.",
                since.trim()
            ),
        )));
    }
    let audit = ctx.audit(
        "outbound.delivery.replay_failed",
        &format!("endpoint:{endpoint_id}"),
        &format!("since={}", since.trim()),
    )?;
    let count = store
        .replay_failed_since(endpoint_id, since_ms, &audit)
        .await
        .map_err(|e| endpoint_failed(&ctx, e))?;
    let message = format!("{count} failed events of endpoint {endpoint_id} will be sent again.");
    ctx.flash_for_forms(&message).await;
    Ok(message)
}

#[cfg(feature = "ssr")]
fn endpoint_failed(
    ctx: &crate::server::context::RequestCtx,
    error: dashboard_core::outbound::endpoints::EndpointError,
) -> AppError {
    use dashboard_core::outbound::endpoints::EndpointError;
    match error {
        EndpointError::Invalid { field, message } => ctx.fail(AppError::invalid(field, message)),
        EndpointError::NotFound => ctx.fail(AppError::NotFound),
        EndpointError::Store(e) => ctx.internal(&e),
    }
}

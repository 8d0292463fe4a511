//! HTTP middleware: the server-time header, request metadata (trace id, client address),
//! the CSRF origin guard and session authentication with the sign-in redirect for pages.

use std::{
    net::{IpAddr, SocketAddr},
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use dashboard_core::{
    clock::now_millis,
    report::Chain,
    staff::{auth::SessionClaims, users::User},
};
use tower_sessions::Session;

use super::{context::CLAIMS_KEY, state::AppState};

/// Header carrying the trace id: minted for every request and echoed in the answer.
pub const REQUEST_ID: &str = "x-request-id";

/// Where a request id the client sent is kept, apart from our trace id.
pub const CLIENT_REQUEST_ID: &str = "x-client-request-id";

/// Trace id, client address and the client's own request id (if any) of a request.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub trace_id: String,
    pub client_ip: String,
    pub client_request_id: String,
}

/// The signed-in user, when the session is valid.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// Tells the client how long the app took to prepare the answer, as `Server-Timing:
/// app;dur=<ms>`: from the request reaching the app to the answer being ready. Pages render
/// whole before answering, so for them that is the page's whole server time; for a streamed
/// answer (the CSV exports) it is the time to the first byte. Browsers show it in their
/// developer tools, and `loadgen` reports it apart from the round trip, which also holds
/// the client's own waiting.
pub async fn time_response(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&describe_server_time(started.elapsed())) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}

/// The `Server-Timing` value for `elapsed`, in milliseconds to the microsecond.
fn describe_server_time(elapsed: Duration) -> String {
    format!("app;dur={:.3}", elapsed.as_secs_f64() * 1000.0)
}

/// Puts the request's [`RequestMeta`] in its extensions. The trace id is always ours (set
/// by the layer before this one), never a value the client chose, because it is written
/// into audit rows; what the client sent as `x-request-id` is kept apart as its own
/// request id, on the log span.
pub async fn attach_request_meta(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let trace_id = header_text(req.headers(), REQUEST_ID);
    let client_request_id = header_text(req.headers(), CLIENT_REQUEST_ID);
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let server = &state.config.server;
    let forwarded_hops = server.trust_forwarded_for.then_some(server.trusted_proxies);
    let client_ip = client_ip(req.headers(), peer, forwarded_hops);
    req.extensions_mut().insert(RequestMeta {
        trace_id,
        client_ip,
        client_request_id,
    });
    next.run(req).await
}

fn header_text(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The client's address. Behind `hops` trusted proxies (when forwarded addresses are
/// trusted) it is the entry `hops` places from the right of `X-Forwarded-For`: each proxy
/// appends the address it was reached from, so the entries further left are whatever the
/// client wrote itself. A list shorter than that, or an entry that is not an address,
/// falls back to the peer.
fn client_ip(headers: &HeaderMap, peer: Option<IpAddr>, hops: Option<usize>) -> String {
    let forwarded = hops.filter(|h| *h > 0).and_then(|hops| {
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let entry = entries.len().checked_sub(hops).map(|i| entries[i])?;
        entry.parse::<IpAddr>().ok()
    });
    forwarded
        .or(peer)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// The value for [`CLIENT_REQUEST_ID`]: the client's `x-request-id` when it is at most 128
/// visible ASCII characters, else empty. Always set (never left as the client sent it), so
/// that the trace id the next layer mints is the only one that is ours.
pub fn client_request_id_of<B>(req: &http::Request<B>) -> Option<HeaderValue> {
    let kept = req
        .headers()
        .get(REQUEST_ID)
        .filter(|v| v.len() <= 128 && v.as_bytes().iter().all(u8::is_ascii_graphic))
        .cloned();
    Some(kept.unwrap_or_else(|| HeaderValue::from_static("")))
}

/// Refuses a request whose path or query holds an encoded NUL, which no page, filter or
/// id can contain and PostgreSQL text cannot store: a clear 400 before any query runs
/// (a CSV export would otherwise fail after its answer had begun).
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let uri = req.uri();
    if uri.path().contains("%00") || uri.query().is_some_and(|q| q.contains("%00")) {
        return (
            StatusCode::BAD_REQUEST,
            "The address contains a NUL character, which nothing here can hold.",
        )
            .into_response();
    }
    next.run(req).await
}

/// The answer when a handler panicked: a plain 500 (its trace id is added on the way out),
/// never the panic's text, which is logged in the request's span instead.
pub fn answer_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Quote the x-request-id of this answer to support.",
    )
        .into_response()
}

/// Paths that take POSTs from elsewhere, authenticated by other means: webhooks (Basic
/// credentials), the merchant's app (a Bearer token) and the customer's return from
/// Juspay's page (a signature).
fn exempt_from_origin_check(path: &str) -> bool {
    path.starts_with("/webhooks/")
        || path.starts_with("/callbacks/")
        || path.starts_with("/merchant-api/")
        || path == "/payments/return"
        || path == "/payments/jpsl-return"
}

/// True when the request provably comes from a page of ours: `Sec-Fetch-Site` says
/// same-origin, or `Origin` names the host the request was sent to. A request with neither
/// header is refused too: every browser we support sends at least one on a POST.
pub fn is_same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    origin_host == Some(host)
}

/// Refuses state-changing requests from other sites with 403.
pub async fn guard_origin(req: Request, next: Next) -> Response {
    let safe_method = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe_method || exempt_from_origin_check(req.uri().path()) || is_same_origin(req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), "cross-site request refused");
    (
        StatusCode::FORBIDDEN,
        "Cross-site request refused: this form must be sent from the dashboard itself.",
    )
        .into_response()
}

/// Paths anyone may fetch without signing in.
fn is_public(path: &str) -> bool {
    path == "/login"
        || path == "/login/code"
        || path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
        || path == "/favicon.ico"
        || path.starts_with("/pkg/")
        || path.starts_with("/assets/")
        || path.starts_with("/api/")
        || exempt_from_origin_check(path)
}

/// Resolves the session to a user (ending sessions that are no longer valid) and sends
/// signed-out visitors of a page to the sign-in form, remembering where they were going.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some((user, claims)) = session_user(&state, &session).await {
        let client_ip = req
            .extensions()
            .get::<RequestMeta>()
            .map(|m| m.client_ip.clone())
            .unwrap_or_default();
        extend_idle_expiry(&state, &session, &claims.handle, &client_ip).await;
        let must_enrol = state.config.auth.require_mfa.requires(user.role) && !user.two_factor;
        if must_enrol && !allowed_while_enrolling(req.uri().path()) {
            return refuse_until_enrolled(req.method());
        }
        req.extensions_mut().insert(CurrentUser(user));
    } else if req.method() == Method::GET && !is_public(req.uri().path()) {
        let target = req
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        let location = format!("/login?next={}", urlencode(&target));
        return Redirect::to(&location).into_response();
    }
    next.run(req).await
}

/// `GET /search?q=…` with exactly one hit answers with a redirect to that hit's page, so
/// pasting an id into the top bar opens it at once, with or without JavaScript; any other
/// search (or a failure to search, which the page then reports) renders the results page.
pub async fn open_single_hit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET
        || req.uri().path() != "/search"
        || req.extensions().get::<CurrentUser>().is_none()
    {
        return next.run(req).await;
    }
    #[derive(serde::Deserialize)]
    struct Search {
        #[serde(default)]
        q: String,
    }
    let term = axum::extract::Query::<Search>::try_from_uri(req.uri())
        .map(|query| query.0.q)
        .unwrap_or_default();
    match state.store.search_everything(&term, 2).await {
        Ok(hits) if hits.len() == 1 => {
            Redirect::to(&crate::serverfns::search::page_of(&hits[0])).into_response()
        }
        _ => next.run(req).await,
    }
}

/// `GET /orders` (or another list page with saved views) whose address has no query at all
/// opens the user's default view: a redirect to the page with its filters. Any query (the
/// Clear link's `?view=all`) shows the page as its address says.
pub async fn open_default_view(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let page = req.uri().path().trim_start_matches('/');
    let Some(user) = req.extensions().get::<CurrentUser>() else {
        return next.run(req).await;
    };
    if req.method() != Method::GET
        || req.uri().query().is_some()
        || !crate::serverfns::views::PAGES.contains(&page)
    {
        return next.run(req).await;
    }
    match state.store.default_view_query(user.0.id, page).await {
        Ok(Some(query)) if !query.is_empty() && crate::serverfns::views::is_query_text(&query) => {
            Redirect::to(&format!("/{page}?{query}")).into_response()
        }
        _ => next.run(req).await,
    }
}

/// What a user who must set up a second factor may reach before they have: the enrolment
/// page and its server functions, the shell's own, sign-out, and public files.
fn allowed_while_enrolling(path: &str) -> bool {
    use crate::serverfns::account::ENROLMENT_PATH;
    path == ENROLMENT_PATH
        || matches!(
            path,
            "/api/two_factor_status"
                | "/api/confirm_two_factor"
                | "/api/session_info"
                | "/api/logout"
        )
        || (!path.starts_with("/api/") && is_public(path))
}

/// Sends pages to the enrolment page and refuses everything else until it is done.
fn refuse_until_enrolled(method: &Method) -> Response {
    use crate::serverfns::account::ENROLMENT_PATH;
    if method == Method::GET {
        return Redirect::to(ENROLMENT_PATH).into_response();
    }
    (
        StatusCode::FORBIDDEN,
        "Set up two-factor sign-in first, at /account/two-factor.",
    )
        .into_response()
}

/// Slides the idle timeout forward, at most once a minute, and notes in the register of
/// sessions when and from where the session was last used. Sessions are saved only when
/// modified (not on every request): a save from a request that was in flight during sign-out
/// would otherwise write the ended session back, and its cookie with it.
async fn extend_idle_expiry(state: &AppState, session: &Session, handle: &str, client_ip: &str) {
    let idle =
        tower_sessions::cookie::time::Duration::minutes(state.config.server.session_idle_minutes);
    let extended_ago = idle - session.expiry_age();
    if extended_ago > tower_sessions::cookie::time::Duration::MINUTE {
        session.set_expiry(Some(tower_sessions::Expiry::OnInactivity(idle)));
        if let Err(e) = state
            .store
            .touch_session(handle, now_millis(), client_ip)
            .await
        {
            tracing::warn!(error = %Chain(&e), "could not note the session's use");
        }
    }
}

/// The signed-in user and the session's claims, while the session is registered and valid.
async fn session_user(state: &AppState, session: &Session) -> Option<(User, SessionClaims)> {
    let claims: SessionClaims = session.get(CLAIMS_KEY).await.ok().flatten()?;
    let absolute_ms = state.config.server.session_absolute_hours * 3_600_000;
    match state
        .store
        .find_session_user(claims.user_id, &claims.handle)
        .await
    {
        Ok(Some(user)) if claims.still_valid_for(&user, now_millis(), absolute_ms) => {
            Some((user, claims))
        }
        Ok(_) => {
            // Ended, disabled, reset, removed or past the absolute lifetime: end it for good.
            if let Err(e) = session.flush().await {
                tracing::warn!(error = %Chain(&e), "could not end an invalid session");
            }
            None
        }
        Err(e) => {
            tracing::error!(error = %Chain(&e), "could not load the session's user");
            None
        }
    }
}

fn urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether the request carries `Authorization: Bearer <token>`, compared in constant time
/// (the merchant app's token, the metrics scraper's token).
pub fn bearer_matches(headers: &axum::http::HeaderMap, token: &secrecy::SecretString) -> bool {
    use secrecy::ExposeSecret;
    use subtle::ConstantTimeEq;
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    bool::from(presented.as_bytes().ct_eq(token.expose_secret().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_time_is_given_in_milliseconds_to_the_microsecond() {
        assert_eq!(
            describe_server_time(Duration::from_micros(12_345)),
            "app;dur=12.345"
        );
        assert_eq!(describe_server_time(Duration::ZERO), "app;dur=0.000");
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_is_recognised_from_fetch_metadata_or_origin() {
        assert!(is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
        assert!(is_same_origin(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!is_same_origin(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!is_same_origin(&headers(&[("host", "127.0.0.1:3000")])));
        assert!(!is_same_origin(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
    }

    #[test]
    fn the_client_address_is_counted_from_the_right_of_forwarded_for_and_only_when_trusted() {
        let peer = Some(IpAddr::from([10, 0, 0, 2]));
        // The client wrote 6.6.6.6 itself; our one proxy appended 203.0.113.9.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9")]);
        assert_eq!(client_ip(&h, peer, Some(1)), "203.0.113.9");
        assert_eq!(client_ip(&h, peer, Some(2)), "6.6.6.6");
        assert_eq!(
            client_ip(&h, peer, Some(3)),
            "10.0.0.2",
            "fewer entries than proxies"
        );
        assert_eq!(client_ip(&h, peer, None), "10.0.0.2", "not trusted");
        let junk = headers(&[("x-forwarded-for", "not-an-address")]);
        assert_eq!(client_ip(&junk, peer, Some(1)), "10.0.0.2");
        assert_eq!(client_ip(&HeaderMap::new(), None, Some(1)), "unknown");
    }

    #[test]
    fn a_client_request_id_is_kept_only_when_short_and_visible() {
        let kept = |id: Option<&str>| {
            let mut req = http::Request::new(());
            if let Some(id) = id {
                req.headers_mut()
                    .insert(REQUEST_ID, HeaderValue::from_str(id).unwrap());
            }
            client_request_id_of(&req).unwrap()
        };
        assert_eq!(kept(Some("proxy-1")), "proxy-1");
        assert_eq!(kept(Some("has space")), "");
        assert_eq!(kept(Some(&"x".repeat(129))), "");
        assert_eq!(kept(None), "");
    }

    #[test]
    fn sign_in_targets_are_percent_encoded() {
        assert_eq!(urlencode("/users?a=1&b=2"), "/users%3Fa%3D1%26b%3D2");
    }
}

//! Security headers (OWASP ASVS V3.4): a Content-Security-Policy on every answer, nonced for
//! pages, and the framing, sniffing, referrer, caching and transport headers beside it.
//!
//! Invariant: a page's only inline script is Leptos' hydration script, which carries the
//! per-response nonce that Leptos mints for the page; every other answer gets a policy that
//! allows nothing, so an answer served as HTML by mistake cannot run anything either.

use axum::Router;
use dashboard_core::config::ServerConfig;
use http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of everything that is not a page (server functions, exports, files,
/// webhooks' answers): nothing may load, run or frame it.
pub const LOCKED_DOWN_POLICY: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A page's policy: its own scripts, styles and WebAssembly, and the one inline script
/// that carries `nonce`. `'wasm-unsafe-eval'` lets the page compile its WebAssembly and
/// allows no JavaScript `eval`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page's policy with the nonce of this render; called from the shell while the
/// page renders on the server, before its first byte leaves.
pub fn set_page_policy() {
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce.to_string())) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// `Cache-Control: no-store` for every answer of `router`'s routes so far: pages, server
/// functions and exports carry customer data that must not stay in a shared or browser
/// cache. Call it before the file fallback is added, so the bundle stays cacheable.
pub fn forbid_storing<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
}

/// The headers every answer carries, files included: a locked-down policy unless the page
/// set its own, no framing, no type sniffing, no referrer to other sites, and HSTS when
/// the site is served over https.
pub fn add_security_headers<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    server: &ServerConfig,
) -> Router<S> {
    let router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(LOCKED_DOWN_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            http::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ));
    if !server.secure_cookies() {
        return router;
    }
    let hsts = format!("max-age={}", server.hsts_max_age_seconds);
    match HeaderValue::from_str(&hsts) {
        Ok(value) => router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            value,
        )),
        Err(_) => router,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pages_policy_allows_only_its_own_nonce_inline_and_no_framing() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(LOCKED_DOWN_POLICY.starts_with("default-src 'none'"));
    }
}

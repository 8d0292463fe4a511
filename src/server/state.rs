//! Shared application state, cloned into every request, middleware and server function: one
//! `Arc`, so a clone is one atomic increment rather than one per service.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::{ops::Deref, sync::Arc};

use axum::extract::FromRef;
use dashboard_core::{
    Store,
    config::Config,
    staff::auth::Authenticator,
    webhooks::{ingest::Ingestor, processing::Processor},
};
use leptos::config::LeptosOptions;

#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What the application serves with, built once at start-up.
pub struct Services {
    pub store: Store,
    pub auth: Authenticator,
    pub ingestor: Arc<Ingestor>,
    pub jpsl: Arc<dashboard_core::webhooks::jpsl::JpslIngestor>,
    /// The budget of stored refusals per client address, shared by both delivery doors.
    pub rejections: Arc<dashboard_core::webhooks::rejections::RejectionLimiter>,
    pub processor: Processor,
    /// Calls to Juspay; `None` until `juspay.api_key` and `juspay.merchant_id` are set.
    pub juspay: Option<Arc<juspay::JuspayClient>>,
    pub actions: dashboard_core::orders::actions::Actions,
    /// Signs SDK payloads (§11); `None` until the key id and key file are configured.
    pub sdk_signer: Option<Arc<juspay::SdkSigner>>,
    pub config: Arc<Config>,
    /// The order filters' menus, read at most once a minute.
    pub order_facets: dashboard_core::orders::list::FacetCache,
    /// Where pages load the browser bundle from: `/assets/<digest of its files>`.
    pub asset_root: String,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

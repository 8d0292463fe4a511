//! Shared application state, cheap to clone into every request and server function.

use std::sync::Arc;

use axum::extract::FromRef;
use dashboard_core::{
    Store, auth::Authenticator, config::Config, ingest::Ingestor, processing::Processor,
};
use leptos::config::LeptosOptions;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub auth: Authenticator,
    pub ingestor: Arc<Ingestor>,
    pub jpsl: Arc<dashboard_core::jpsl::JpslIngestor>,
    pub processor: Processor,
    /// Calls to Juspay; `None` until `juspay.api_key` and `juspay.merchant_id` are set.
    pub juspay: Option<Arc<juspay::JuspayClient>>,
    pub actions: dashboard_core::actions::Actions,
    /// Signs SDK payloads (§11); `None` until the key id and key file are configured.
    pub sdk_signer: Option<Arc<juspay::SdkSigner>>,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

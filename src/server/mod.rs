//! The server side of the app (feature `ssr`): start-up, routing, middleware, background
//! maintenance and the command line. Start-up order: config → database → migrations →
//! session table → admin account → listen; shutdown drains requests on SIGTERM/Ctrl-C.

pub mod assets;
pub mod backup;
pub mod bootstrap;
pub mod cli;
pub mod context;
pub mod csv;
pub mod disputes;
pub mod export;
pub mod headers;
pub mod merchant_api;
pub mod merchant_reads;
pub mod metrics;
pub mod middleware;
pub mod ops;
pub mod payment_return;
pub mod queries;
pub mod state;
pub mod telemetry;
pub mod webhooks;

use std::{
    future::Future,
    net::SocketAddr,
    sync::{Arc, LazyLock},
};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    handler::Handler,
    middleware::from_fn,
    middleware::from_fn_with_state,
    routing::{get, post},
};
use dashboard_core::{
    Store, StoreError,
    clock::now_millis,
    config::Config,
    health::alerts::AlertEvaluator,
    orders::{actions::Actions, reconcile::Reconciler},
    report::Chain,
    staff::{auth::Authenticator, sessions::DbSessionStore},
    store::Backend,
    webhooks::{ingest::Ingestor, processing::Processor, rejections::RejectionLimiter},
};
use http::HeaderName;
use leptos::{config::LeptosOptions, prelude::*};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use secrecy::SecretString;
use tokio::{net::TcpListener, sync::watch};
use tower::ServiceBuilder;
use tower_http::{
    CompressionLevel, catch_panic::CatchPanicLayer, compression::CompressionLayer,
    request_id::PropagateRequestIdLayer, set_header::SetRequestHeaderLayer, trace::TraceLayer,
};
use tower_sessions::{
    Expiry, SessionManagerLayer,
    cookie::{SameSite, time::Duration},
};

use crate::app::{App, shell};
use state::{AppState, Services};

/// Name the build gives the JS/WASM bundle (`output-name` in Cargo.toml).
pub const OUTPUT_NAME: &str = "merchant_dashboard";

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] dashboard_core::config::ConfigError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("could not create the admin account: {0}")]
    Admin(String),
    #[error("could not listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("juspay settings: {0}")]
    Juspay(juspay::JuspayError),
    #[error(transparent)]
    Lock(#[from] backup::BackupError),
}

/// A server that is listening, with the admin password generated at start-up (if any).
pub struct Prepared {
    pub state: AppState,
    pub sessions: DbSessionStore,
    pub listener: TcpListener,
    pub generated_admin: Option<(String, SecretString)>,
    /// Held while serving, so that `restore` refuses to replace the SQLite file in use.
    pub serving_lock: Option<std::fs::File>,
}

/// Connects, migrates, ensures an admin exists and binds the listener.
pub async fn prepare(config: Config) -> Result<Prepared, StartError> {
    let store = Store::connect_limited(
        &config.database.url,
        config.database.max_connections,
        config.database.sqlite_max_pages,
    )
    .await?;
    // Counters recorded from here on reach `/metrics`.
    metrics::process_recorder();
    // After connecting, which creates the database's folder where the lock file goes.
    let serving_lock = backup::hold_serving_lock(&config)?;
    store.migrate().await?;
    let sessions = DbSessionStore::open(&store).await?;
    let generated_admin = bootstrap::ensure_admin(&store, &config.admin).await?;
    if config.webhook.password.is_none() {
        tracing::warn!("webhook.password is not set: Juspay webhooks are answered 503 until it is");
    }
    let listener = TcpListener::bind(config.server.addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.server.addr,
            source,
        })?;
    let asset_root = assets::asset_root(&config.server.site_root);
    let leptos_options = LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(config.server.site_root.clone())
        .site_addr(config.server.addr)
        .build();
    let juspay = match config.juspay.client_config() {
        Some(client_config) => Some(Arc::new(
            juspay::JuspayClient::new(&client_config).map_err(StartError::Juspay)?,
        )),
        None => {
            tracing::warn!("juspay.api_key or juspay.merchant_id is not set: no calls to Juspay");
            None
        }
    };
    let sdk_signer = load_sdk_signer(&config.merchant_api)?;
    let processor = Processor::new(store.clone(), config.processor.clone())
        .with_first_check(config.reconciler.first_check_seconds * 1000);
    let rejections = Arc::new(RejectionLimiter::new(
        config.webhook.rejected_kept_per_address_per_minute,
    ));
    let state = AppState::new(Services {
        auth: Authenticator::new(store.clone(), config.login.clone()),
        ingestor: Arc::new(
            Ingestor::new(store.clone(), &config.webhook)
                .with_waker(processor.waker())
                .with_rejection_limiter(rejections.clone()),
        ),
        jpsl: Arc::new(
            dashboard_core::webhooks::jpsl::JpslIngestor::new(
                store.clone(),
                config.jpsl.clone(),
                config.webhook.max_rejected_kept,
                rejections.clone(),
            )
            .with_waker(processor.waker()),
        ),
        rejections,
        processor,
        actions: Actions::new(
            store.clone(),
            juspay.clone(),
            config.reconciler.first_check_seconds * 1000,
        ),
        juspay,
        sdk_signer,
        store,
        config: Arc::new(config),
        order_facets: dashboard_core::orders::list::FacetCache::new(
            std::time::Duration::from_secs(60),
        ),
        asset_root,
        leptos_options,
    });
    Ok(Prepared {
        state,
        sessions,
        listener,
        generated_admin,
        serving_lock,
    })
}

/// The SDK signer from `merchant_api.sdk_key_id` and `sdk_private_key_file`, when both are set.
fn load_sdk_signer(
    config: &dashboard_core::config::MerchantApiConfig,
) -> Result<Option<Arc<juspay::SdkSigner>>, StartError> {
    let (Some(key_id), Some(path)) = (&config.sdk_key_id, &config.sdk_private_key_file) else {
        return Ok(None);
    };
    let pem = std::fs::read_to_string(path).map_err(|e| {
        StartError::Juspay(juspay::JuspayError::Config(format!(
            "merchant_api.sdk_private_key_file {path:?} cannot be read: {e}"
        )))
    })?;
    let signer = juspay::SdkSigner::from_pem(&SecretString::from(pem), key_id.clone())
        .map_err(StartError::Juspay)?;
    Ok(Some(Arc::new(signer)))
}

/// The page routes, listed once per process. Listing renders the whole app with resource
/// loading suppressed, and Leptos keeps that suppression in one process-wide flag: a page
/// rendered on another thread meanwhile would wait forever on its resources. Building a
/// second router (tests start many apps in one process) must therefore not list again.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// The whole HTTP application.
pub fn router(state: AppState, sessions: DbSessionStore) -> Router {
    let route_list = ROUTES.clone();
    // Over https the `__Host-` prefix makes the browser refuse the cookie unless it is
    // Secure, host-only and for the whole site (OWASP ASVS V3).
    let secure = state.config.server.secure_cookies();
    let cookie_name = if secure {
        "__Host-dashboard_session"
    } else {
        "dashboard_session"
    };
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(cookie_name)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(Duration::minutes(
            state.config.server.session_idle_minutes,
        )));
    let request_id = HeaderName::from_static(middleware::REQUEST_ID);
    let accept_traceparent = state.config.telemetry.accept_traceparent;
    let trace = TraceLayer::new_for_http().make_span_with(move |req: &http::Request<_>| {
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let trace_id = header(middleware::REQUEST_ID);
        let client_request_id = header(middleware::CLIENT_REQUEST_ID);
        let span = tracing::info_span!(
            "request",
            method = %req.method(),
            path = %req.uri().path(),
            trace_id,
            client_request_id
        );
        telemetry::join_request_trace(&span, req, accept_traceparent);
        span
    });

    let routes = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/orders/export.csv", get(export::export_orders))
        .route("/refunds/export.csv", get(export::export_refunds))
        .route("/audit/export.csv", get(export::export_audit))
        .route("/disputes/export.csv", get(export::export_disputes))
        .route(
            "/disputes/{dispute_id}/responses",
            post(disputes::record_response).layer(DefaultBodyLimit::max(disputes::body_limit(
                state.config.disputes.evidence_max_bytes,
            ))),
        )
        .route(
            "/disputes/{dispute_id}/evidence/{file_id}",
            get(disputes::download_evidence),
        )
        .route(
            "/callbacks/jpsl",
            post(webhooks::receive_jpsl)
                .layer(DefaultBodyLimit::max(state.config.webhook.max_body_bytes)),
        )
        .route("/merchant-api/session", post(merchant_api::create_session))
        .route(
            "/merchant-api/orders/{order_id}",
            get(merchant_reads::get_order),
        )
        .route("/merchant-api/events", get(merchant_reads::list_events))
        .route(
            "/merchant-api/signed-payloads",
            post(merchant_api::signed_payloads),
        )
        .route(
            "/payments/return",
            get(payment_return::return_get).post(payment_return::return_post),
        )
        .route(
            "/payments/jpsl-return",
            get(payment_return::jpsl_return_get).post(payment_return::jpsl_return_post),
        )
        .route(
            "/webhooks/juspay",
            post(webhooks::receive_juspay)
                .layer(DefaultBodyLimit::max(state.config.webhook.max_body_bytes)),
        )
        .leptos_routes_with_context(
            &state,
            route_list,
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        );
    let server_config = &state.config.server;
    let app = headers::forbid_storing(routes)
        .merge(assets::routes(
            &state.config.server.site_root,
            &state.asset_root,
        ))
        // Files (the browser bundle: its WebAssembly alone is megabytes) and the not-found
        // page are sent compressed to browsers that accept it. Quality 4: brotli's default
        // (11) suits compressing once ahead of time and is far too slow per request. The
        // routes' pages stay uncompressed: they are small, and compressing what reflects a
        // visitor's input beside other data is how BREACH reads responses.
        .fallback(
            leptos_axum::file_and_error_handler::<AppState, _>(shell)
                .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4))),
        )
        .layer(
            ServiceBuilder::new()
                .layer(from_fn(middleware::time_response))
                .layer(from_fn(metrics::record_request))
                // The client's own request id is kept apart; the trace id is always minted.
                .layer(SetRequestHeaderLayer::overriding(
                    HeaderName::from_static(middleware::CLIENT_REQUEST_ID),
                    middleware::client_request_id_of::<axum::body::Body>,
                ))
                .layer(SetRequestHeaderLayer::overriding(
                    request_id.clone(),
                    telemetry::trace_id_maker::<axum::body::Body>(accept_traceparent),
                ))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(request_id))
                // Inside the trace id's propagation, so even a panic's 500 names its trace.
                .layer(CatchPanicLayer::custom(middleware::answer_panic))
                .layer(from_fn(middleware::refuse_nul))
                .layer(from_fn_with_state(
                    state.clone(),
                    middleware::attach_request_meta,
                ))
                .layer(from_fn(middleware::guard_origin))
                .layer(session_layer)
                .layer(from_fn_with_state(state.clone(), middleware::authenticate))
                .layer(from_fn_with_state(
                    state.clone(),
                    middleware::open_single_hit,
                ))
                .layer(from_fn_with_state(
                    state.clone(),
                    middleware::open_default_view,
                )),
        );
    headers::add_security_headers(app, server_config).with_state(state)
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    prepared: Prepared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let Prepared {
        state,
        sessions,
        listener,
        serving_lock: _serving_lock,
        ..
    } = prepared;
    let (stop_tx, stop_rx) = watch::channel(false);
    let maintenance = tokio::spawn(run_maintenance(
        state.store.clone(),
        sessions.clone(),
        state.config.login.window_minutes,
        state.config.server.session_idle_minutes,
        stop_rx.clone(),
    ));
    let checkpointing = (state.store.backend() == Backend::Sqlite)
        .then(|| tokio::spawn(run_checkpoints(state.store.clone(), stop_rx.clone())));
    let processing = state
        .config
        .processor
        .enabled
        .then(|| tokio::spawn(state.processor.clone().run_workers(stop_rx.clone())));
    let reconciling = match (&state.juspay, state.config.reconciler.enabled) {
        (Some(client), true) => Some(tokio::spawn(
            Reconciler::new(
                state.store.clone(),
                client.clone(),
                state.config.reconciler.clone(),
            )
            .run(stop_rx.clone()),
        )),
        _ => None,
    };
    let delivering = state.config.outbound.enabled.then(|| {
        tokio::spawn(
            dashboard_core::outbound::delivery::Deliverer::new(
                state.store.clone(),
                state.config.outbound.clone(),
            )
            .run(stop_rx.clone()),
        )
    });
    let alerting = state.config.alerts.enabled.then(|| {
        tokio::spawn(
            AlertEvaluator::new(
                state.store.clone(),
                state.config.alerts.clone(),
                state.config.reconciler.stale_after_hours * 3_600_000,
            )
            .run(stop_rx.clone()),
        )
    });
    let retaining = tokio::spawn(dashboard_core::webhooks::retention::run(
        state.store.clone(),
        state.config.retention.clone(),
        stop_rx.clone(),
    ));
    let store = state.store.clone();
    let app = router(state, sessions);
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(StartError::Serve);
    let _ = stop_tx.send(true);
    let _ = maintenance.await;
    let _ = retaining.await;
    for task in [checkpointing, processing, reconciling, delivering, alerting]
        .into_iter()
        .flatten()
    {
        let _ = task.await;
    }
    store.close().await;
    result
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Deletes expired sessions, their registrations and old sign-in counters every few minutes.
async fn run_maintenance(
    store: Store,
    sessions: DbSessionStore,
    window_minutes: i64,
    idle_minutes: i64,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = sessions.delete_expired().await {
            tracing::warn!(error = %Chain(&e), "could not delete expired sessions");
        }
        let horizon = now_millis() - window_minutes * 60_000;
        if let Err(e) = store.prune_login_attempts(horizon).await {
            tracing::warn!(error = %Chain(&e), "could not prune sign-in counters");
        }
        // A registered session unseen for longer than the idle timeout (its last use is noted
        // at most a minute late) has expired.
        let unseen_since = now_millis() - (idle_minutes + 2) * 60_000;
        if let Err(e) = store.prune_sessions(unseen_since).await {
            tracing::warn!(error = %Chain(&e), "could not prune the register of sessions");
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(300)) => {},
        }
    }
}

/// Checkpoints SQLite's write-ahead log five times a second, so no acknowledgement waits
/// for a long one.
async fn run_checkpoints(store: Store, mut stop: watch::Receiver<bool>) {
    let mut failing = false;
    loop {
        match store.checkpoint().await {
            // Logged when it starts failing, not five times a second.
            Err(e) if !failing => {
                tracing::warn!(error = %Chain(&e), "could not checkpoint the database log");
                failing = true;
            }
            Err(_) => {}
            Ok(_) => failing = false,
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(std::time::Duration::from_millis(200)) => {},
        }
    }
}

/// Logs to stderr with the configured filter (`RUST_LOG` wins when set), as text or as
/// JSON lines that carry every span they happened in (the request's has the trace id and
/// the client's request id); and makes spans OpenTelemetry spans (at info and above,
/// whatever the log filter), exported when `telemetry.otlp_endpoint` is set. Returns the
/// tracer provider, to flush at exit.
pub fn init_tracing(config: &Config) -> opentelemetry_sdk::trace::SdkTracerProvider {
    use dashboard_core::config::LogFormat;
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::{
        EnvFilter, Layer as _, filter::LevelFilter, layer::SubscriberExt as _,
        util::SubscriberInitExt as _,
    };
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.log.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (text, json) = match config.log.format {
        LogFormat::Text => (
            Some(tracing_subscriber::fmt::layer().with_writer(std::io::stderr)),
            None,
        ),
        LogFormat::Json => (
            None,
            Some(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(false)
                    .with_span_list(true)
                    .with_writer(std::io::stderr),
            ),
        ),
    };
    let provider = telemetry::tracer_provider(&config.telemetry);
    let spans = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("merchant-dashboard"))
        .with_filter(LevelFilter::INFO);
    let _ = tracing_subscriber::registry()
        .with(text.with_filter(filter.clone()))
        .with(json.with_filter(filter))
        .with(spans)
        .try_init();
    provider
}

/// Prepares and serves until a shutdown signal, showing a generated admin password once.
#[allow(clippy::print_stdout)] // The one-time password is for the operator's terminal only.
pub async fn run(config: Config) -> Result<(), StartError> {
    use secrecy::ExposeSecret;

    let prepared = prepare(config).await?;
    let addr = prepared.listener.local_addr().map_err(StartError::Serve)?;
    if let Some((username, password)) = &prepared.generated_admin {
        println!(
            "Admin account created. Sign in as `{username}` with password `{}` (shown once; change it under Users).",
            password.expose_secret()
        );
    }
    println!("Merchant dashboard listening on http://{addr}");
    serve(prepared, shutdown_signal()).await
}

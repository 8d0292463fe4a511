//! Shared runtime state, the router and the fault-injection middleware. Invariant: std
//! mutexes guard plain data and are never held across an `.await`; background work
//! (settlements, webhook retries) stops when shutdown is signalled.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::watch;

use crate::clock;
use crate::config::SimConfig;
use crate::error::ApiError;
use crate::faults::{EndpointFaultKind, Faults};
use crate::state::Store;
use crate::webhooks::{self, Event, WebhookAttempt};
use crate::{control, customers, mandates, orders, payment_page, payments, refunds};

/// State shared by handlers, background tasks and the [`crate::SimHandle`].
pub struct Shared {
    /// Configuration given at start.
    pub config: SimConfig,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Client used for webhooks.
    pub http: reqwest::Client,
    /// JPSL callback settings (from `config.jpsl`).
    pub jpsl: crate::jpsl::JpslConfig,
    /// Set once the demo traffic generator runs.
    pub traffic_started: AtomicBool,
    /// True while the demo traffic generator's task runs (it ends at shutdown).
    pub traffic_running: AtomicBool,
    /// Webhook deliveries scheduled or under way (retries included), not yet finished.
    pub deliveries_in_flight: AtomicUsize,
    /// The merchant-side receiver of the dashboard's outbound events (`/__sim/receiver`).
    pub receiver: crate::receiver::Receiver,
    primary: Mutex<Store>,
    others: BTreeMap<String, Mutex<Store>>,
    faults: Mutex<Faults>,
    attempts: Mutex<Vec<WebhookAttempt>>,
    calls: Mutex<Vec<ApiCall>>,
    /// Default webhook URL; starts as `config.webhook_url`, changeable while running.
    webhook_url: Mutex<Option<String>>,
    held: Mutex<Option<(Event, String)>>,
    shutdown: watch::Receiver<bool>,
    started: Instant,
}

impl Shared {
    /// Builds the shared state; `shutdown` flips to `true` when the simulator stops.
    pub fn new(
        config: SimConfig,
        base_url: String,
        http: reqwest::Client,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        // Each merchant gets its own store and id sequence; nothing is shared between them.
        let primary = Store::new(&config.merchant_id, &base_url, config.seed);
        let others = config
            .extra_merchants
            .iter()
            .zip((1_u64..).map(|i| config.seed.wrapping_add(i)))
            .filter(|(account, _)| account.merchant_id != config.merchant_id)
            .map(|(account, seed)| {
                let store = Store::new(&account.merchant_id, &base_url, seed);
                (account.merchant_id.clone(), Mutex::new(store))
            })
            .collect();
        let faults = Faults::new(config.seed);
        let webhook_url = config.webhook_url.clone();
        let jpsl = config.jpsl.clone();
        let receiver = crate::receiver::Receiver::new(config.receiver_secret.as_deref());
        Self {
            jpsl,
            config,
            base_url,
            http,
            traffic_started: AtomicBool::new(false),
            traffic_running: AtomicBool::new(false),
            deliveries_in_flight: AtomicUsize::new(0),
            receiver,
            primary: Mutex::new(primary),
            others,
            faults: Mutex::new(faults),
            attempts: Mutex::new(Vec::new()),
            calls: Mutex::new(Vec::new()),
            webhook_url: Mutex::new(webhook_url),
            held: Mutex::new(None),
            shutdown,
            started: Instant::now(),
        }
    }

    /// Locks the primary merchant's store.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.primary.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks a merchant's store; unknown merchants are refused like a bad key. A
    /// poisoned lock still holds consistent data (every mutation is a plain field
    /// write), so it is recovered rather than propagated.
    pub fn store_of(&self, merchant_id: &str) -> Result<MutexGuard<'_, Store>, ApiError> {
        if merchant_id == self.config.merchant_id {
            return Ok(self.store());
        }
        self.others
            .get(merchant_id)
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner))
            .ok_or_else(ApiError::access_denied)
    }

    /// Locks the fault table.
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the webhook attempt log.
    pub fn attempts(&self) -> Vec<WebhookAttempt> {
        self.attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Where webhooks go when an order names no URL of its own.
    pub fn webhook_url(&self) -> Option<String> {
        self.webhook_url
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set_webhook_url(&self, url: Option<String>) {
        *self
            .webhook_url
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = url;
    }

    /// A copy of the API call log.
    pub fn calls(&self) -> Vec<ApiCall> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Milliseconds since the simulator started.
    pub fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Appends to the webhook attempt log.
    pub fn record_attempt(
        &self,
        event: &Event,
        url: &str,
        attempt: u32,
        status: Option<u16>,
        error: Option<&str>,
    ) {
        let record = WebhookAttempt {
            event_id: event.id.clone(),
            event_name: event.event_name.clone(),
            attempt,
            url: url.to_owned(),
            at: clock::now_iso(),
            elapsed_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            status,
            error: error.map(str::to_owned),
            acknowledged: status == Some(200),
        };
        self.attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }

    /// Parks an event for the reorder fault.
    pub fn hold_event(&self, event: Event, url: String) {
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) = Some((event, url));
    }

    /// Takes the parked event, if any.
    pub fn take_held_event(&self) -> Option<(Event, String)> {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Scales a simulated delay by the configured time scale.
    pub fn scaled(&self, delay: Duration) -> Duration {
        clock::scale(delay, self.config.time_scale)
    }

    /// Sleeps a simulated (scaled) delay; `false` if shutdown came first.
    pub async fn sleep_scaled(&self, delay: Duration) -> bool {
        self.sleep_real(self.scaled(delay)).await
    }

    /// Sleeps a real delay; `false` if shutdown came first.
    pub async fn sleep_real(&self, delay: Duration) -> bool {
        let mut shutdown = self.shutdown.clone();
        if *shutdown.borrow() {
            return false;
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => true,
            _ = shutdown.changed() => false,
        }
    }

    /// Runs `job` on a merchant's store after a simulated delay and dispatches the
    /// events it returns.
    pub fn schedule<F>(self: &Arc<Self>, merchant_id: &str, delay: Duration, job: F)
    where
        F: FnOnce(&mut Store) -> Vec<Event> + Send + 'static,
    {
        self.schedule_real(merchant_id, self.scaled(delay), job);
    }

    /// Like [`Self::schedule`] with a real (unscaled) delay.
    pub fn schedule_real<F>(self: &Arc<Self>, merchant_id: &str, delay: Duration, job: F)
    where
        F: FnOnce(&mut Store) -> Vec<Event> + Send + 'static,
    {
        let shared = Arc::clone(self);
        let merchant_id = merchant_id.to_owned();
        tokio::spawn(async move {
            if !shared.sleep_real(delay).await {
                return;
            }
            let events = match shared.store_of(&merchant_id) {
                Ok(mut store) => job(&mut store),
                Err(_) => Vec::new(),
            };
            webhooks::dispatch(&shared, events);
        });
    }
}

/// The full router: Juspay API, hosted page and `/__sim` control API.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/orders", post(orders::create))
        .route(
            "/orders/{order_id}",
            get(orders::status).post(orders::update),
        )
        .route("/orders/{order_id}/refunds", post(refunds::create))
        .route("/refunds", post(refunds::create_for_txn))
        .route("/order/create", post(orders::create))
        .route("/order/status", get(orders::legacy_status))
        .route("/order/refund", post(refunds::create_legacy))
        .route("/session", post(orders::session))
        .route("/txns", post(payments::create_txn))
        .route("/v2/txns/{txn_uuid}/capture", post(payments::capture))
        .route("/v2/txns/{txn_uuid}/void", post(payments::void))
        .route("/customers", post(customers::create))
        .route(
            "/customers/{id}",
            get(customers::get).post(customers::update),
        )
        .route("/customers/{id}/mandates", get(mandates::list_for_customer))
        .route("/mandates/{mandate_id}", post(mandates::command))
        .route("/notifications/{id}", get(mandates::notification_status))
        .route(
            "/pay/{merchant_id}/{order_id}",
            get(payment_page::show).post(payment_page::submit),
        )
        .merge(control::routes())
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            inject_endpoint_faults,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            record_api_call,
        ))
        .with_state(shared)
}

/// One Juspay API call as the simulator served it, start and end included, so tests can
/// tell whether two calls for the same resource overlapped.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ApiCall {
    pub method: String,
    pub path: String,
    /// Milliseconds since the simulator started.
    pub started_ms: u64,
    pub finished_ms: u64,
    pub status: u16,
}

/// Records every Juspay API call (not the control API or the hosted page), faults included.
async fn record_api_call(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/__sim") || path.starts_with("/pay/") {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let started_ms = shared.elapsed_ms();
    let response = next.run(request).await;
    let call = ApiCall {
        method,
        path,
        started_ms,
        finished_ms: shared.elapsed_ms(),
        status: response.status().as_u16(),
    };
    let mut calls = shared.calls.lock().unwrap_or_else(PoisonError::into_inner);
    // Bounded, so a long demo run does not grow without limit: the oldest half goes.
    if calls.len() >= MAX_CALLS_KEPT {
        calls.drain(..MAX_CALLS_KEPT / 2);
    }
    calls.push(call);
    drop(calls);
    response
}

/// API calls kept in the log.
const MAX_CALLS_KEPT: usize = 20_000;

/// Applies endpoint faults to Juspay API routes; the hosted page and control API are
/// exempt so a test can always steer the simulator.
async fn inject_endpoint_faults(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/__sim") || path.starts_with("/pay/") {
        return next.run(request).await;
    }
    let fault = shared
        .faults()
        .take_endpoint(request.method().as_str(), &path);
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    tracing::info!(%path, ?fault, "injecting endpoint fault");
    match fault {
        EndpointFaultKind::ServerError { status } => fault_response(status),
        EndpointFaultKind::RateLimited { retry_after_secs } => {
            let mut response = fault_response(429);
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }
        EndpointFaultKind::Timeout { millis } => {
            shared.sleep_real(Duration::from_millis(millis)).await;
            fault_response(504)
        }
        EndpointFaultKind::Slow { millis } => {
            shared.sleep_real(Duration::from_millis(millis)).await;
            next.run(request).await
        }
        EndpointFaultKind::AcceptThenFail { status, millis } => {
            let accepted = next.run(request).await;
            tracing::info!(status = %accepted.status(), "processed, answering with a fault instead");
            shared.sleep_real(Duration::from_millis(millis)).await;
            fault_response(status)
        }
    }
}

fn fault_response(status: u16) -> Response {
    let http = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    ApiError::envelope(
        http,
        "error",
        "internal_error",
        "Simulated failure.",
        "INTERNAL_SERVER_ERROR",
    )
    .into_response()
}

//! A stateful local Juspay Express Checkout simulator: Juspay's wire format for orders,
//! sessions, refunds, chargebacks, mandates and customers, webhooks with the documented
//! retry schedule, a hosted test payment page with signed redirects, and fault injection.
//!
//! Invariant: the simulator binds 127.0.0.1 only and never talks to anything but the
//! configured (loopback) webhook receivers.
//!
//! Library use: [`Simulator::start`] with a [`SimConfig`] (port `0` for tests) returns a
//! [`RunningSimulator`] (address, [`SimHandle`], graceful shutdown).
//!
//! Control API (no API key; never subject to endpoint faults):
//!
//! | Route | Body | Effect |
//! |---|---|---|
//! | `POST /__sim/orders/{id}/pay[?merchant_id=]` | [`PaymentRequest`] | pay without HTML; returns [`PaymentResult`] with the signed `redirect_url` |
//! | `GET /__sim/orders/{id}[?merchant_id=]` | — | the order object |
//! | `GET /__sim/orders[?merchant_id=]` | — | every order, compact ([`control::OrderSummary`]: id, status, amount, refunds) |
//! | `POST /__sim/orders/{id}/chargebacks[?merchant_id=]` | [`ChargebackRequest`] | raise a chargeback or move one to a new status, sending `CHARGEBACK_<status>` ([`chargebacks`]); returns the chargeback |
//! | `POST /__sim/faults/endpoint` | [`EndpointFault`] | 5xx, 429, timeout, slow, accept-then-fail on matching calls |
//! | `POST /__sim/faults/webhook` | [`WebhookFault`] | drop, duplicate, reorder, delay, wrong credentials |
//! | `POST /__sim/faults/upi-pending` | `{"millis": n \| null}` | UPI payments stay PENDING_VBV, then flip |
//! | `POST /__sim/faults/refund-outcomes` | `{"outcomes": ["FAILURE", …]}` | outcomes of the next refunds |
//! | `DELETE /__sim/faults` | — | clear every fault |
//! | `GET /__sim/webhooks/attempts` | — | every [`WebhookAttempt`] |
//! | `POST /__sim/traffic/start` | — | start demo traffic |
//! | `POST /__sim/jpsl/callbacks` | [`jpsl::JpslCallback`] | send one signed JPSL advice |
//! | `POST /__sim/receiver` | an outbound event | receive a Standard Webhooks delivery from the dashboard ([`receiver`]) |
//! | `POST /__sim/receiver/fail` | `{"count": n, "status": s}` | answer the next `n` deliveries with `s` |
//! | `GET /__sim/receiver` | — | every [`ReceivedEvent`], oldest first |
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

pub mod amount;
pub mod auth;
pub mod body;
pub mod chargebacks;
pub mod clock;
pub mod config;
pub mod control;
pub mod customers;
pub mod error;
pub mod faults;
pub mod jpsl;
pub mod mandates;
pub mod orders;
pub mod payment_page;
pub mod payments;
pub mod receiver;
pub mod refunds;
pub mod server;
pub mod signature;
pub mod state;
pub mod traffic;
pub mod webhooks;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use chargebacks::ChargebackRequest;
pub use config::{MerchantAccount, SimConfig};
pub use error::ApiError;
pub use faults::{EndpointFault, EndpointFaultKind, WebhookFault, WebhookFaultKind};
pub use payments::{FailureReason, Outcome, PaymentRequest, PaymentResult};
pub use receiver::ReceivedEvent;
pub use state::{Chargeback, ChargebackStatus, PaymentMethod, Refund, RefundStatus};
pub use webhooks::WebhookAttempt;

use server::Shared;

/// Why the simulator could not start, stop, or apply a handle command.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listener could not be bound.
    #[error("could not bind 127.0.0.1:{port}: {source}")]
    Bind {
        /// Requested port.
        port: u16,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The webhook HTTP client could not be built.
    #[error("could not build the webhook client: {0}")]
    Client(#[from] reqwest::Error),
    /// The server failed while running.
    #[error("server error: {0}")]
    Serve(#[from] std::io::Error),
    /// The server task panicked or was cancelled.
    #[error("server task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    /// A handle command was refused the way the API would refuse it.
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// Entry point.
pub struct Simulator;

impl Simulator {
    /// Binds 127.0.0.1 on the configured port and serves until shut down.
    pub async fn start(config: SimConfig) -> Result<RunningSimulator, SimError> {
        let port = config.port;
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|source| SimError::Bind { port, source })?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let demo = config.demo_traffic;
        let shared = Arc::new(Shared::new(config, base_url, http, shutdown_rx.clone()));
        let app = server::router(Arc::clone(&shared));
        let mut stop = shutdown_rx;
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    // Either a `true` or a dropped sender means stop.
                    let _ = stop.wait_for(|stopped| *stopped).await;
                })
                .await
        });
        let handle = SimHandle { shared };
        if demo {
            handle.start_demo_traffic();
        }
        tracing::info!(%addr, "juspay simulator listening");
        Ok(RunningSimulator {
            addr,
            handle,
            shutdown_tx,
            server,
        })
    }
}

/// A running simulator; drop it or call [`RunningSimulator::shutdown`] to stop.
pub struct RunningSimulator {
    addr: SocketAddr,
    handle: SimHandle,
    shutdown_tx: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
}

impl RunningSimulator {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A cloneable handle for state and faults.
    pub fn handle(&self) -> SimHandle {
        self.handle.clone()
    }

    /// Stops accepting requests, lets in-flight ones finish and stops background work
    /// (settlements, webhook retries).
    pub async fn shutdown(self) -> Result<(), SimError> {
        self.shutdown_tx.send_replace(true);
        self.server.await??;
        Ok(())
    }
}

/// Programmatic control of a running simulator: the same powers as `/__sim`.
#[derive(Clone)]
pub struct SimHandle {
    shared: Arc<Shared>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The primary merchant's §4.3 order object as `GET /orders/{id}` would return it.
    pub fn order(&self, order_id: &str) -> Option<Value> {
        self.order_of(&self.shared.config.merchant_id, order_id)
    }

    /// Another merchant's order object.
    pub fn order_of(&self, merchant_id: &str, order_id: &str) -> Option<Value> {
        let store = self.shared.store_of(merchant_id).ok()?;
        store.order(order_id).map(|o| orders::render(&store, o))
    }

    /// The refunds of one of the primary merchant's orders as stored, oldest first: amounts
    /// in minor units of the order's currency and the amount text each request carried
    /// (`requested_amount`). Empty for an unknown order.
    pub fn refunds(&self, order_id: &str) -> Vec<Refund> {
        self.refunds_of(&self.shared.config.merchant_id, order_id)
    }

    /// Another merchant's stored refunds of an order.
    pub fn refunds_of(&self, merchant_id: &str, order_id: &str) -> Vec<Refund> {
        self.shared
            .store_of(merchant_id)
            .ok()
            .and_then(|store| store.order(order_id).map(|o| o.refunds.clone()))
            .unwrap_or_default()
    }

    /// The chargebacks of one of the primary merchant's orders as stored, oldest first
    /// (amounts in minor units of the order's currency). Empty for an unknown order.
    pub fn chargebacks(&self, order_id: &str) -> Vec<Chargeback> {
        self.shared
            .store()
            .order(order_id)
            .map(|o| o.chargebacks.clone())
            .unwrap_or_default()
    }

    /// Raises a chargeback on one of the primary merchant's orders (`chargeback_id`
    /// `None`, for the paid amount) or moves an existing one to `status`, and sends the
    /// `CHARGEBACK_<status>` webhook; returns the chargeback object. An empty `reason`
    /// keeps a moved chargeback's reason (a new one gets a default).
    pub fn raise_chargeback(
        &self,
        order_id: &str,
        status: ChargebackStatus,
        reason: &str,
        chargeback_id: Option<&str>,
    ) -> Result<Value, SimError> {
        let request = ChargebackRequest {
            status: Some(status.as_str().to_owned()),
            reason: Some(reason.to_owned()),
            amount: None,
            chargeback_id: chargeback_id.map(str::to_owned),
        };
        self.raise_chargeback_as(&self.shared.config.merchant_id, order_id, &request)
    }

    /// The mandate reaches its end date (`MANDATE_EXPIRED`).
    pub fn expire_mandate(&self, mandate_id: &str) -> Result<Value, SimError> {
        Ok(mandates::expire(
            &self.shared,
            &self.shared.config.merchant_id,
            mandate_id,
        )?)
    }

    /// A failed order's payment succeeds late and Juspay refunds it on its own
    /// (`AUTO_REFUND_INITIATED`, then `AUTO_REFUND_SUCCEEDED`).
    pub fn auto_refund(&self, order_id: &str) -> Result<Value, SimError> {
        Ok(refunds::auto_refund(
            &self.shared,
            &self.shared.config.merchant_id,
            order_id,
        )?)
    }

    /// Any merchant's chargeback, with every field of the control route's body.
    pub fn raise_chargeback_as(
        &self,
        merchant_id: &str,
        order_id: &str,
        request: &ChargebackRequest,
    ) -> Result<Value, SimError> {
        Ok(chargebacks::raise(
            &self.shared,
            merchant_id,
            order_id,
            request,
        )?)
    }

    /// Number of orders held for the primary merchant.
    pub fn order_count(&self) -> usize {
        self.shared.store().orders.len()
    }

    /// Changes the default webhook URL (a test app's port is known only after it starts).
    pub fn set_webhook_url(&self, url: Option<String>) {
        self.shared.set_webhook_url(url);
    }

    /// Sends one signed JPSL callback; returns the HTTP statuses the receiver answered.
    pub async fn send_jpsl(&self, callback: &jpsl::JpslCallback) -> Result<Vec<u16>, String> {
        jpsl::send(&self.shared, callback).await
    }

    /// Every Juspay API call served so far, in the order they finished.
    pub fn api_calls(&self) -> Vec<server::ApiCall> {
        self.shared.calls()
    }

    /// Every webhook attempt so far, oldest first.
    pub fn webhook_attempts(&self) -> Vec<WebhookAttempt> {
        self.shared.attempts()
    }

    /// Webhook deliveries scheduled or under way, retries included. Zero means every event
    /// sent so far has been acknowledged or given up: nothing more will arrive unless a new
    /// event is made (a held, reordered event waits for the next one and is not counted).
    pub fn webhooks_in_flight(&self) -> usize {
        self.shared
            .deliveries_in_flight
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Every outbound event delivered to `/__sim/receiver` (the last
    /// [`receiver::MAX_KEPT`]), oldest first.
    pub fn received_events(&self) -> Vec<ReceivedEvent> {
        self.shared.receiver.received()
    }

    /// Answers the next `count` deliveries to `/__sim/receiver` with `status` (200–599),
    /// replacing any budget left; `count` 0 clears it.
    pub fn fail_receiver(&self, count: u32, status: u16) -> Result<(), SimError> {
        Ok(self.shared.receiver.fail_next(count, status)?)
    }

    /// Whether the demo traffic generator is running; it stops at shutdown.
    pub fn demo_traffic_running(&self) -> bool {
        self.shared
            .traffic_running
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Pays an order with the chosen outcome, as the hosted page would.
    pub fn pay(&self, order_id: &str, request: &PaymentRequest) -> Result<PaymentResult, SimError> {
        self.pay_as(&self.shared.config.merchant_id, order_id, request)
    }

    /// Pays another merchant's order.
    pub fn pay_as(
        &self,
        merchant_id: &str,
        order_id: &str,
        request: &PaymentRequest,
    ) -> Result<PaymentResult, SimError> {
        Ok(payments::pay(&self.shared, merchant_id, order_id, request)?)
    }

    /// Adds an endpoint fault.
    pub fn add_endpoint_fault(&self, fault: EndpointFault) {
        self.shared.faults().add_endpoint(fault);
    }

    /// Adds a webhook fault.
    pub fn add_webhook_fault(&self, fault: WebhookFault) {
        self.shared.faults().add_webhook(fault);
    }

    /// Keeps UPI payments PENDING_VBV for `hold` before they flip; `None` turns it off.
    pub fn set_upi_pending(&self, hold: Option<Duration>) {
        self.shared.faults().upi_pending = hold;
    }

    /// Queues the outcome of the next refund (SUCCESS when the queue is empty).
    pub fn queue_refund_outcome(&self, outcome: RefundStatus) {
        self.shared.faults().refund_outcomes.push_back(outcome);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// Starts the demo traffic generator; `false` if already running.
    pub fn start_demo_traffic(&self) -> bool {
        traffic::start(&self.shared)
    }
}

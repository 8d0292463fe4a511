//! Shared test helpers: starting the simulator, authenticated clients and a webhook
//! receiver that checks Basic auth and answers from a script.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use juspay_sim::{RunningSimulator, SimConfig, Simulator};
use serde_json::Value;

pub const MERCHANT: &str = "acme";
pub const KEY: &str = "key_test_123";
pub const WEBHOOK_USER: &str = "hook_user";
pub const WEBHOOK_PASSWORD: &str = "hook_pass";
pub const RESPONSE_KEY: &str = "resp_key_abc";

pub fn config(webhook_url: Option<String>) -> SimConfig {
    SimConfig {
        port: 0,
        merchant_id: MERCHANT.to_owned(),
        api_key: KEY.to_owned(),
        extra_merchants: Vec::new(),
        webhook_url,
        webhook_version: None,
        webhook_username: WEBHOOK_USER.to_owned(),
        webhook_password: WEBHOOK_PASSWORD.to_owned(),
        response_key: RESPONSE_KEY.to_owned(),
        double_encode_signature: false,
        time_scale: 0.001,
        seed: 42,
        demo_traffic: false,
        jpsl: Default::default(),
        receiver_secret: None,
    }
}

pub async fn start(webhook_url: Option<String>) -> RunningSimulator {
    Simulator::start(config(webhook_url)).await.unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `Basic base64(key:)` — the canonical form (§2.1).
pub fn auth_with_colon() -> String {
    format!("Basic {}", STANDARD.encode(format!("{KEY}:")))
}

/// `Basic base64(key)` — what the Node SDK sends (§2.1).
pub fn auth_without_colon() -> String {
    format!("Basic {}", STANDARD.encode(KEY))
}

pub fn post(sim: &RunningSimulator, path: &str) -> reqwest::RequestBuilder {
    client()
        .post(format!("{}{path}", sim.base_url()))
        .header("authorization", auth_with_colon())
        .header("x-merchantid", MERCHANT)
}

pub fn get(sim: &RunningSimulator, path: &str) -> reqwest::RequestBuilder {
    client()
        .get(format!("{}{path}", sim.base_url()))
        .header("authorization", auth_with_colon())
        .header("x-merchantid", MERCHANT)
}

/// Creates an order with a form body and returns the full order object.
pub async fn create_order(sim: &RunningSimulator, order_id: &str, amount: &str) -> Value {
    create_order_form(sim, order_id, amount, None).await
}

/// Creates an order in `currency` (amount in its major units) and returns the order object.
pub async fn create_order_in(
    sim: &RunningSimulator,
    order_id: &str,
    amount: &str,
    currency: &str,
) -> Value {
    create_order_form(sim, order_id, amount, Some(currency)).await
}

async fn create_order_form(
    sim: &RunningSimulator,
    order_id: &str,
    amount: &str,
    currency: Option<&str>,
) -> Value {
    let mut form = vec![
        ("order_id", order_id),
        ("amount", amount),
        ("customer_id", "cust-1"),
        ("return_url", "https://shop.example/return"),
    ];
    if let Some(currency) = currency {
        form.push(("currency", currency));
    }
    let response = post(sim, "/orders")
        .header("version", "2023-06-30")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Pays an order through the control API.
pub async fn pay(sim: &RunningSimulator, order_id: &str, body: Value) -> Value {
    let response = client()
        .post(format!("{}/__sim/orders/{order_id}/pay", sim.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    response.json().await.unwrap()
}

pub async fn order_status(sim: &RunningSimulator, order_id: &str) -> Value {
    get(sim, &format!("/orders/{order_id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Polls `check` until it holds or ten seconds pass; true when it held.
pub use dashboard_testkit::holds_soon as eventually;

/// One webhook as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub auth_ok: bool,
    pub body: Value,
}

#[derive(Default)]
struct ReceiverState {
    script: Mutex<VecDeque<u16>>,
    received: Mutex<Vec<Received>>,
}

/// A webhook receiver on 127.0.0.1:0: answers 401 to bad credentials, otherwise the
/// next scripted status (200 once the script is empty).
pub struct Receiver {
    pub addr: SocketAddr,
    state: Arc<ReceiverState>,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> Self {
        let state = Arc::new(ReceiverState {
            script: Mutex::new(script.iter().copied().collect()),
            received: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .route("/hook", routing::post(receive))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Names of received events with valid credentials, in arrival order.
    pub fn event_names(&self) -> Vec<String> {
        self.received()
            .iter()
            .filter(|r| r.auth_ok)
            .map(|r| r.body["event_name"].as_str().unwrap().to_owned())
            .collect()
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> StatusCode {
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{WEBHOOK_USER}:{WEBHOOK_PASSWORD}"))
    );
    let auth_ok =
        headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str());
    state
        .received
        .lock()
        .unwrap()
        .push(Received { auth_ok, body });
    if !auth_ok {
        return StatusCode::UNAUTHORIZED;
    }
    let next = state.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(next).unwrap()
}

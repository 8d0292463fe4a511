//! End-to-end checks of every endpoint against a loopback capture server: the request
//! line, headers and body encoding the client sends (§2), and how answers and error
//! statuses (§3) are mapped.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use juspay::{
    Amount, CaptureRequest, CreateCustomerRequest, CreateOrderRequest, CreateOrderResponse,
    JuspayClient, JuspayConfig, JuspayError, Mandate, MandateCommand, MandateExecutionRequest,
    MandateOption, MandateRegistration, MandateStatus, NotificationStatus, OrderStatus,
    OrderStatusOptions, RecurringCancellation, RefundRequest, RefundStatus, SessionRequest,
    UpdateOrderRequest,
};
use secrecy::SecretString;
use serde_json::{Value, json};

const API_KEY: &str = "test_api_key_8c1f";
const MERCHANT: &str = "acme_merchant";

#[derive(Debug, Clone)]
struct Captured {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: String,
}

impl Captured {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn form(&self) -> HashMap<String, String> {
        form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

struct Canned {
    status: u16,
    body: String,
    headers: Vec<(&'static str, &'static str)>,
    delay: Duration,
}

impl Canned {
    fn ok(body: Value) -> Self {
        Self::status(200, &body.to_string())
    }

    fn status(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.to_owned(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }
}

type Shared = (Arc<Mutex<Vec<Captured>>>, Arc<Canned>);

struct CaptureServer {
    url: String,
    captured: Arc<Mutex<Vec<Captured>>>,
}

impl CaptureServer {
    async fn start(canned: Canned) -> Self {
        let captured = Arc::new(Mutex::new(Vec::new()));
        let state: Shared = (captured.clone(), Arc::new(canned));
        let app = Router::new().fallback(answer).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url: format!("http://{address}"),
            captured,
        }
    }

    fn requests(&self) -> Vec<Captured> {
        self.captured.lock().unwrap().clone()
    }

    fn only_request(&self) -> Captured {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request");
        requests[0].clone()
    }

    fn client(&self) -> JuspayClient {
        self.client_with_timeout(Duration::from_secs(5))
    }

    fn client_with_timeout(&self, timeout: Duration) -> JuspayClient {
        let config = JuspayConfig::new(&self.url, SecretString::from(API_KEY), MERCHANT)
            .with_version("2023-06-30")
            .with_timeout(timeout);
        JuspayClient::new(&config).unwrap()
    }
}

async fn answer(
    State((captured, canned)): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let record = Captured {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    captured.lock().unwrap().push(record);
    if !canned.delay.is_zero() {
        tokio::time::sleep(canned.delay).await;
    }
    let status = StatusCode::from_u16(canned.status).unwrap();
    let mut response = (status, canned.body.clone()).into_response();
    for (name, value) in &canned.headers {
        response.headers_mut().insert(*name, value.parse().unwrap());
    }
    response
}

fn expected_authorization() -> String {
    format!("Basic {}", STANDARD.encode(format!("{API_KEY}:")))
}

fn order_body(status: &str, status_id: &str) -> Value {
    json!({"id":"ordeh_3dae","order_id":"ord_1","merchant_id":MERCHANT,"status":status,
        "status_id":status_id,"amount":"100.5","currency":"INR","refunded":false,
        "customer_id":null,"unexpected_field":{"nested":[1,2,3]}})
}

#[tokio::test]
async fn create_order_posts_a_form_with_auth_merchant_routing_and_version_headers() {
    let server = CaptureServer::start(Canned::ok(json!({"status":"CREATED","status_id":1,
        "id":"ordeh_5266","order_id":"ord_1","payment_links":{"web":"https://x/r/1m8rmM"}})))
    .await;
    let mut request = CreateOrderRequest::new("ord_1", Amount::from_minor(10050, "INR"));
    request.customer_id = Some("cst_42".to_owned());
    request.get_client_auth_token = true;
    request.webhook_url = Some("https://merchant.example/hooks/juspay".to_owned());
    let mut mandate = MandateRegistration::new(MandateOption::Required);
    mandate.max_amount = Some(Amount::from_minor(100_000, "INR"));
    request.mandate = Some(mandate);

    let created = server.client().create_order(&request).await.unwrap();

    assert!(matches!(created, CreateOrderResponse::Short(_)));
    assert_eq!(created.id(), Some("ordeh_5266"));
    let sent = server.only_request();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/orders")
    );
    assert_eq!(
        sent.header("authorization"),
        Some(expected_authorization().as_str())
    );
    assert_eq!(sent.header("x-merchantid"), Some(MERCHANT));
    assert_eq!(sent.header("x-routing-id"), Some("cst_42"));
    assert_eq!(sent.header("version"), Some("2023-06-30"));
    assert_eq!(
        sent.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = sent.form();
    assert_eq!(form["order_id"], "ord_1");
    assert_eq!(form["amount"], "100.50");
    assert_eq!(form["customer_id"], "cst_42");
    assert_eq!(form["options.get_client_auth_token"], "true");
    assert_eq!(
        form["metadata.webhook_url"],
        "https://merchant.example/hooks/juspay"
    );
    assert_eq!(form["options.create_mandate"], "REQUIRED");
    assert_eq!(form["mandate.max_amount"], "1000.00");
    assert!(!sent.body.contains(API_KEY));
}

#[tokio::test]
async fn create_order_accepts_the_full_order_shape() {
    let server = CaptureServer::start(Canned::ok(order_body("NEW", "10"))).await;
    let request = CreateOrderRequest::new("ord_1", Amount::from_minor(10050, "INR"));
    let created = server.client().create_order(&request).await.unwrap();
    assert_eq!(created.status(), Some(OrderStatus::New));
    assert_eq!(
        created.order().and_then(|o| o.amount),
        Some(Amount::from_minor(10050, "INR"))
    );
    assert_eq!(server.only_request().header("x-routing-id"), None);
}

#[tokio::test]
async fn create_session_posts_json_with_literal_dotted_keys() {
    let server = CaptureServer::start(Canned::ok(json!({"status":"NEW","id":"ordeh_a4ed",
        "order_id":"ord_2","sdk_payload":{"requestId":"r1","payload":{"clientAuthToken":"tkn_1","amount":"10.0"}}})))
    .await;
    let mut request = SessionRequest::new("ord_2", Amount::from_minor(1000, "INR"), "acme_client");
    request.customer_id = Some("cst_7".to_owned());
    let mut mandate = MandateRegistration::new(MandateOption::Optional);
    mandate.frequency = Some("MONTHLY".to_owned());
    request.mandate = Some(mandate);

    let session = server.client().create_session(&request).await.unwrap();

    let payload = session.sdk_payload.and_then(|s| s.payload).unwrap();
    assert_eq!(payload.client_auth_token.as_deref(), Some("tkn_1"));
    assert_eq!(payload.amount, Some(Amount::from_minor(1000, "INR")));
    let sent = server.only_request();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/session")
    );
    assert!(
        sent.header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    assert_eq!(sent.header("x-routing-id"), Some("cst_7"));
    let body = sent.json();
    assert_eq!(body["amount"], "10.00");
    assert_eq!(body["payment_page_client_id"], "acme_client");
    assert_eq!(body["action"], "paymentPage");
    assert_eq!(body["options.create_mandate"], "OPTIONAL");
    assert_eq!(body["mandate.frequency"], "MONTHLY");
}

#[tokio::test]
async fn order_status_percent_encodes_the_id_and_can_ask_for_the_gateway_response() {
    let server = CaptureServer::start(Canned::ok(order_body("CHARGED", "21"))).await;
    let options = OrderStatusOptions {
        full_gateway_response: true,
        routing_id: Some("cst_9".to_owned()),
    };
    let order = server
        .client()
        .get_order("ord/1 #x", &options)
        .await
        .unwrap();

    assert_eq!(order.resolved_status(), Some(OrderStatus::Charged));
    assert_eq!(order.status_id, Some(21));
    let sent = server.only_request();
    assert_eq!(sent.method, "GET");
    assert_eq!(sent.path, "/orders/ord%2F1%20%23x");
    assert_eq!(
        sent.query.as_deref(),
        Some("options.add_full_gateway_response=true")
    );
    assert_eq!(sent.header("x-routing-id"), Some("cst_9"));
    assert!(sent.body.is_empty());
}

#[tokio::test]
async fn update_order_posts_the_new_amount_to_the_order_path() {
    let server = CaptureServer::start(Canned::ok(order_body("NEW", "10"))).await;
    let request = UpdateOrderRequest {
        amount: Some(Amount::from_minor(9999, "INR")),
        ..UpdateOrderRequest::default()
    };
    server
        .client()
        .update_order("ord_1", &request)
        .await
        .unwrap();
    let sent = server.only_request();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/orders/ord_1")
    );
    assert_eq!(sent.form()["amount"], "99.99");
}

#[tokio::test]
async fn refund_order_sends_the_idempotency_key_and_reads_the_refund_list() {
    let mut body = order_body("CHARGED", "21");
    body["refunds"] =
        json!([{"unique_request_id":"rf_1","status":"PENDING","amount":"25.00","id":null}]);
    let server = CaptureServer::start(Canned::ok(body)).await;
    let request = RefundRequest::new("rf_1", Some(Amount::from_minor(2500, "INR")));

    let order = server
        .client()
        .refund_order("ord_1", &request)
        .await
        .unwrap();

    assert_eq!(order.refunds[0].status, Some(RefundStatus::Pending));
    assert_eq!(
        order.refunds[0].amount,
        Some(Amount::from_minor(2500, "INR"))
    );
    let sent = server.only_request();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/orders/ord_1/refunds")
    );
    let form = sent.form();
    assert_eq!(form["unique_request_id"], "rf_1");
    assert_eq!(form["amount"], "25.00");
}

#[tokio::test]
async fn customers_are_created_by_form_and_fetched_by_id() {
    let server = CaptureServer::start(Canned::ok(json!({"id":"cst_1","object":"customer",
        "object_reference_id":"user-0001","mobile_number":9988776655_i64,"first_name":null})))
    .await;
    let client = server.client();
    let request = CreateCustomerRequest {
        object_reference_id: "user-0001".to_owned(),
        mobile_number: "9988776655".to_owned(),
        email_address: Some("a@b.example".to_owned()),
        ..CreateCustomerRequest::default()
    };
    let created = client.create_customer(&request).await.unwrap();
    let fetched = client.get_customer("cst_1", true).await.unwrap();

    assert_eq!(created.mobile_number.as_deref(), Some("9988776655"));
    assert_eq!(fetched.id.as_deref(), Some("cst_1"));
    let requests = server.requests();
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", "/customers")
    );
    assert_eq!(requests[0].form()["email_address"], "a@b.example");
    assert_eq!(requests[0].header("x-routing-id"), Some("user-0001"));
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str()),
        ("GET", "/customers/cst_1")
    );
    assert_eq!(
        requests[1].query.as_deref(),
        Some("options.get_client_auth_token=true")
    );
    assert_eq!(requests[1].header("x-routing-id"), Some("cst_1"));
}

#[tokio::test]
async fn a_customers_mandates_are_listed() {
    let server = CaptureServer::start(Canned::ok(json!({"total":"2","count":2,"offset":0,
        "list":[{"mandate_id":"m1","mandate_status":"ACTIVE"},{"mandate_id":"m2","mandate_status":"PAUSED"}]})))
    .await;
    let list = server
        .client()
        .list_customer_mandates("cst_1")
        .await
        .unwrap();
    assert_eq!(list.total, Some(2));
    let statuses: Vec<_> = list
        .list
        .iter()
        .map(|m| m.resolved_status().cloned())
        .collect();
    assert_eq!(
        statuses,
        [Some(MandateStatus::Active), Some(MandateStatus::Paused)]
    );
    let sent = server.only_request();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("GET", "/customers/cst_1/mandates")
    );
}

#[tokio::test]
async fn mandate_commands_post_the_command_and_its_parameters() {
    let server = CaptureServer::start(Canned::ok(
        json!({"mandate_status":"REVOKED","mandate_id":"m 1"}),
    ))
    .await;
    let client = server.client();
    let revoked = client.revoke_mandate("m 1", Some("cst_1")).await.unwrap();
    client
        .pause_mandate("m 1", 1_700_000_000, 1_700_600_000, None)
        .await
        .unwrap();
    client
        .resume_mandate("m 1", 1_700_700_000, None)
        .await
        .unwrap();
    client.check_mandate_status("m 1", None).await.unwrap();
    client
        .cancel_recurring_transaction("m 1", "exec_9", None)
        .await
        .unwrap();

    assert_eq!(revoked.resolved_status(), Some(&MandateStatus::Revoked));
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.method == "POST" && r.path == "/mandates/m%201")
    );
    assert_eq!(requests[0].header("x-routing-id"), Some("cst_1"));
    let forms: Vec<_> = requests.iter().map(Captured::form).collect();
    let commands: Vec<&str> = forms.iter().map(|f| f["command"].as_str()).collect();
    assert_eq!(
        commands,
        [
            "revoke",
            "pause",
            "resume",
            "check_status",
            "cancel_recurring_transaction"
        ]
    );
    assert_eq!(forms[1]["pause_start_date"], "1700000000");
    assert_eq!(forms[1]["pause_end_date"], "1700600000");
    assert_eq!(forms[2]["resume_date"], "1700700000");
    assert_eq!(forms[4]["order_id"], "exec_9");
}

#[tokio::test]
async fn a_pre_debit_notification_is_sent_and_its_status_fetched() {
    let server = CaptureServer::start(Canned::ok(
        json!({"id":"nt_1","object_reference_id":"pdn001",
        "status":"PENDING","source_info":{"amount":"499.00","txn_date":"1700090000"},
        "date_created":"1700000000","notification_type":"SMS"}),
    ))
    .await;
    let client = server.client();
    let notification = client
        .notify_pre_debit(
            "m1",
            "pdn001",
            Amount::from_minor(49_900, "INR"),
            1_700_090_000,
            None,
        )
        .await
        .unwrap();
    let fetched = client.get_notification("pdn001", None).await.unwrap();

    assert_eq!(notification.status, Some(NotificationStatus::Pending));
    assert_eq!(fetched.object_reference_id.as_deref(), Some("pdn001"));
    let requests = server.requests();
    let form = requests[0].form();
    assert_eq!(form["command"], "pre_debit_notify");
    assert_eq!(form["object_reference_id"], "pdn001");
    let info: Value = serde_json::from_str(&form["source_info"]).unwrap();
    assert_eq!(info["amount"], "499.00");
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str()),
        ("GET", "/notifications/pdn001")
    );
}

#[tokio::test]
async fn a_cancelled_recurring_transaction_is_read() {
    let server = CaptureServer::start(Canned::ok(json!({"order_id":"exec_9","txn_uuid":"eulx",
        "txn_status":"JUSPAY_DECLINED","response_message":"Transaction successfully terminated at Juspay end."})))
    .await;
    let cancelled: RecurringCancellation = server
        .client()
        .send_mandate_command(
            "m1",
            &MandateCommand::CancelRecurringTransaction {
                order_id: "exec_9".to_owned(),
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(cancelled.txn_status, Some(OrderStatus::JuspayDeclined));
    let mandate: Result<Mandate, _> = server
        .client()
        .send_mandate_command("m1", &MandateCommand::Revoke, None)
        .await;
    assert!(mandate.is_ok());
}

#[tokio::test]
async fn mandate_execution_posts_order_prefixed_fields_to_txns() {
    let server = CaptureServer::start(Canned::ok(
        json!({"order_id":"exec_1","txn_id":"acme-exec_1-1",
        "txn_uuid":"eulmN9X8","status":"PENDING_VBV"}),
    ))
    .await;
    let request =
        MandateExecutionRequest::new("exec_1", Amount::from_minor(49_900, "INR"), "cst_1", "m1");
    let txn = server.client().execute_mandate(&request).await.unwrap();

    assert_eq!(txn.status, Some(OrderStatus::PendingVbv));
    let sent = server.only_request();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/txns")
    );
    assert_eq!(sent.header("x-routing-id"), Some("cst_1"));
    let form = sent.form();
    assert_eq!(form["order.order_id"], "exec_1");
    assert_eq!(form["order.amount"], "499.00");
    assert_eq!(form["order.customer_id"], "cst_1");
    assert_eq!(form["mandate_id"], "m1");
    assert_eq!(form["merchant_id"], MERCHANT);
    assert_eq!(form["format"], "json");
}

#[tokio::test]
async fn pre_auth_capture_and_void_post_json_to_the_v2_txn_paths() {
    let server = CaptureServer::start(Canned::ok(order_body("CHARGED", "21"))).await;
    let client = server.client();
    let capture = CaptureRequest {
        amount: Some(Amount::from_minor(5000, "INR")),
        idempotence_key: Some("cap_1".to_owned()),
    };
    client
        .capture_txn("eulwh5Qb", &capture, None)
        .await
        .unwrap();
    client.void_txn("eulwh5Qb", None).await.unwrap();

    let requests = server.requests();
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", "/v2/txns/eulwh5Qb/capture")
    );
    assert_eq!(
        requests[0].json(),
        json!({"amount":"50.00","idempotence_key":"cap_1"})
    );
    assert_eq!(requests[1].path, "/v2/txns/eulwh5Qb/void");
    assert!(
        requests[1]
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
}

async fn error_for(canned: Canned) -> JuspayError {
    let server = CaptureServer::start(canned).await;
    let error = server
        .client_with_timeout(Duration::from_millis(300))
        .get_order("ord_1", &OrderStatusOptions::default())
        .await
        .unwrap_err();
    assert!(!error.to_string().contains(API_KEY), "{error}");
    assert!(!format!("{error:?}").contains(API_KEY));
    error
}

#[tokio::test]
async fn a_401_is_unauthorized_and_not_retryable() {
    let error = error_for(Canned::status(
        401,
        r#"{"status":"error","error_code":"access_denied"}"#,
    ))
    .await;
    assert!(
        matches!(&error, JuspayError::Unauthorized(body) if body.error_code.as_deref() == Some("access_denied"))
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_404_is_not_found() {
    let error = error_for(Canned::status(
        404,
        r#"{"status":"NOT_FOUND","error_message":"No payment found"}"#,
    ))
    .await;
    assert!(matches!(error, JuspayError::NotFound(_)));
    assert_eq!(error.http_status(), Some(404));
}

#[tokio::test]
async fn a_400_carries_the_juspay_error_envelope() {
    let error = error_for(Canned::status(400, r#"{"status":"ERROR","error_code":"invalid.order.not_successful","error_message":"Cannot process unsuccessful order."}"#)).await;
    let body = error.api_error().unwrap();
    assert_eq!(
        body.error_code.as_deref(),
        Some("invalid.order.not_successful")
    );
    assert_eq!(
        body.error_message.as_deref(),
        Some("Cannot process unsuccessful order.")
    );
    assert!(matches!(error, JuspayError::Rejected { status: 400, .. }));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_429_reports_retry_after_and_is_retryable() {
    let mut canned = Canned::status(
        429,
        r#"{"status":"error","error_code":"too_many_requests"}"#,
    );
    canned.headers.push(("retry-after", "3"));
    let error = error_for(canned).await;
    assert!(
        matches!(error, JuspayError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3))
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_500_is_a_retryable_server_error_with_a_truncated_body() {
    let error = error_for(Canned::status(500, &"<html>oops</html>".repeat(200))).await;
    assert!(matches!(error, JuspayError::Server { status: 500, .. }));
    assert!(error.is_retryable());
    assert!(error.to_string().len() < 1_000);
}

#[tokio::test]
async fn a_success_with_a_non_json_body_is_a_decode_error() {
    let error = error_for(Canned::status(200, "<html>gateway page</html>")).await;
    assert!(
        matches!(&error, JuspayError::Decode { status: 200, body, .. } if body.contains("gateway page"))
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retryable() {
    let mut canned = Canned::ok(order_body("NEW", "10"));
    canned.delay = Duration::from_secs(3);
    let error = error_for(canned).await;
    assert!(matches!(error, JuspayError::Timeout), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn an_unreachable_host_is_a_retryable_transport_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let config = JuspayConfig::new(
        format!("http://{address}"),
        SecretString::from(API_KEY),
        MERCHANT,
    );
    let error = JuspayClient::new(&config)
        .unwrap()
        .get_order("ord_1", &OrderStatusOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, JuspayError::Transport(_)), "{error:?}");
    assert!(error.is_retryable());
    assert!(!error.to_string().contains(API_KEY));
}

//! Contract tests: the real `juspay` client against the real simulator, one fresh
//! simulator per test on 127.0.0.1:0. Every call goes through `juspay::JuspayClient`;
//! the `SimHandle` is only used to pay an order or inject a fault.

use std::time::Duration;

use juspay::{
    Amount, AmountRule, CaptureRequest, CreateCustomerRequest, CreateOrderRequest, JuspayClient,
    JuspayConfig, JuspayError, MandateExecutionRequest, MandateOption, MandateRegistration,
    MandateStatus, NotificationStatus, Order, OrderStatus, OrderStatusOptions, RefundRequest,
    SessionRequest, UpdateOrderRequest,
};
use juspay_sim::{
    EndpointFault, EndpointFaultKind, FailureReason, PaymentMethod, PaymentRequest,
    RunningSimulator, SimConfig, Simulator,
};
use secrecy::SecretString;

const MERCHANT: &str = "contract_merchant";
const KEY: &str = "contract_key_123";
const RESPONSE_KEY: &str = "contract_response_key";

fn sim_config() -> SimConfig {
    SimConfig {
        port: 0,
        merchant_id: MERCHANT.to_owned(),
        api_key: KEY.to_owned(),
        response_key: RESPONSE_KEY.to_owned(),
        time_scale: 0.001,
        seed: 11,
        ..SimConfig::default()
    }
}

async fn start_with(config: SimConfig) -> (RunningSimulator, JuspayClient) {
    let sim = Simulator::start(config).await.unwrap();
    let client = client_for(&sim, KEY, Duration::from_secs(10));
    (sim, client)
}

async fn start() -> (RunningSimulator, JuspayClient) {
    start_with(sim_config()).await
}

fn client_for(sim: &RunningSimulator, key: &str, timeout: Duration) -> JuspayClient {
    let config =
        JuspayConfig::new(sim.base_url(), SecretString::from(key), MERCHANT).with_timeout(timeout);
    JuspayClient::new(&config).unwrap()
}

fn rupees(text: &str) -> Amount {
    Amount::parse_major(text).unwrap()
}

async fn create(client: &JuspayClient, order_id: &str, amount: &str) {
    let mut request = CreateOrderRequest::new(order_id, rupees(amount));
    request.customer_id = Some("cust-1".to_owned());
    request.return_url = Some("https://shop.example/return".to_owned());
    client.create_order(&request).await.unwrap();
}

async fn status(client: &JuspayClient, order_id: &str) -> Order {
    client
        .get_order(order_id, &OrderStatusOptions::default())
        .await
        .unwrap()
}

/// Polls the order through the client until `check` holds (5 s at most).
async fn eventually_order(
    client: &JuspayClient,
    order_id: &str,
    check: impl Fn(&Order) -> bool,
) -> Order {
    for _ in 0..250 {
        let order = status(client, order_id).await;
        if check(&order) {
            return order;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("order {order_id} never reached the expected state");
}

fn error_code(error: &JuspayError) -> Option<&str> {
    error.api_error().and_then(|b| b.error_code.as_deref())
}

/// Registers an ACTIVE mandate for `customer` through a mandate order paid by UPI.
async fn register_mandate(
    sim: &RunningSimulator,
    client: &JuspayClient,
    order_id: &str,
    customer: &str,
) -> String {
    let mut registration = MandateRegistration::new(MandateOption::Required);
    registration.max_amount = Some(rupees("500.00"));
    registration.amount_rule = Some(AmountRule::Variable);
    registration.frequency = Some("MONTHLY".to_owned());
    let mut request = CreateOrderRequest::new(order_id, rupees("1.00"));
    request.customer_id = Some(customer.to_owned());
    request.mandate = Some(registration);
    client.create_order(&request).await.unwrap();
    sim.handle()
        .pay(order_id, &PaymentRequest::charged(PaymentMethod::Upi))
        .unwrap();
    let order = status(client, order_id).await;
    let mandate = order.mandate.expect("a mandate block on the order");
    assert_eq!(mandate.resolved_status(), Some(&MandateStatus::Active));
    assert_eq!(mandate.max_amount, Some(Amount::from_minor(50_000, "INR")));
    mandate.mandate_id.expect("a mandate id")
}

#[tokio::test]
async fn a_created_order_is_read_back_as_new_with_its_amount_in_minor_units() {
    let (sim, client) = start().await;
    let mut request = CreateOrderRequest::new("ord-create", rupees("499.00"));
    request.customer_id = Some("cust-1".to_owned());
    request.customer_email = Some("a@example.com".to_owned());
    request.description = Some("Shoes".to_owned());
    let created = client.create_order(&request).await.unwrap();
    assert_eq!(created.order_id(), Some("ord-create"));
    assert!(created.id().is_some_and(|id| !id.is_empty()));
    assert!(matches!(
        created.status(),
        Some(OrderStatus::New | OrderStatus::Created)
    ));
    let web = created
        .payment_links()
        .and_then(|l| l.web.clone())
        .expect("payment_links.web");
    assert!(web.starts_with(&sim.base_url()), "{web}");

    let order = status(&client, "ord-create").await;
    assert_eq!(order.order_id.as_deref(), Some("ord-create"));
    assert_eq!(order.merchant_id.as_deref(), Some(MERCHANT));
    assert_eq!(order.status, Some(OrderStatus::New));
    assert_eq!(order.status_id, Some(10));
    assert_eq!(order.amount, Some(Amount::from_minor(49_900, "INR")));
    assert_eq!(order.currency.as_deref(), Some("INR"));
    assert_eq!(order.customer_id.as_deref(), Some("cust-1"));
    assert_eq!(order.customer_email.as_deref(), Some("a@example.com"));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_session_creates_the_order_and_its_web_link_points_at_the_simulator() {
    let (sim, client) = start().await;
    let mut request = SessionRequest::new("ord-session", rupees("10.50"), "client_app");
    request.customer_id = Some("cust-s".to_owned());
    request.return_url = Some("https://shop.example/return".to_owned());
    let session = client.create_session(&request).await.unwrap();
    assert_eq!(session.order_id.as_deref(), Some("ord-session"));
    assert_eq!(session.status, Some(OrderStatus::New));
    let web = session
        .payment_links
        .as_ref()
        .and_then(|l| l.web.clone())
        .expect("payment_links.web");
    assert!(web.starts_with(&sim.base_url()), "{web}");
    let payload = session
        .sdk_payload
        .and_then(|p| p.payload)
        .expect("sdk_payload.payload");
    assert_eq!(payload.order_id.as_deref(), Some("ord-session"));
    assert_eq!(payload.amount, Some(Amount::from_minor(1_050, "INR")));
    assert_eq!(payload.client_id.as_deref(), Some("client_app"));

    let page = reqwest::get(&web).await.unwrap();
    assert_eq!(page.status(), 200);
    let order = status(&client, "ord-session").await;
    assert_eq!(order.amount, Some(Amount::from_minor(1_050, "INR")));
    assert_eq!(order.customer_id.as_deref(), Some("cust-s"));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn order_status_reports_the_charge_with_txn_details_and_the_full_gateway_response() {
    let (sim, client) = start().await;
    create(&client, "ord-paid", "250.00").await;
    let before = client
        .get_order("ord-paid", &OrderStatusOptions::default())
        .await
        .unwrap();
    assert_eq!(before.resolved_status(), Some(OrderStatus::New));
    assert!(before.txn_detail.is_none() || before.txn_id.is_none());

    let paid = sim
        .handle()
        .pay("ord-paid", &PaymentRequest::charged(PaymentMethod::Card))
        .unwrap();
    let options = OrderStatusOptions {
        full_gateway_response: true,
        routing_id: Some("cust-1".to_owned()),
    };
    let order = client.get_order("ord-paid", &options).await.unwrap();
    assert_eq!(order.status, Some(OrderStatus::Charged));
    assert_eq!(order.status_id, Some(21));
    assert!(order.resolved_status().is_some_and(|s| s.is_success()));
    assert_eq!(order.amount, Some(Amount::from_minor(25_000, "INR")));
    assert_eq!(order.txn_id.as_deref(), Some(paid.txn_id.as_str()));
    assert_eq!(order.txn_uuid.as_deref(), Some(paid.txn_uuid.as_str()));
    assert_eq!(order.payment_method_type.as_deref(), Some("CARD"));
    let txn = order.txn_detail.expect("txn_detail");
    assert_eq!(txn.txn_id.as_deref(), Some(paid.txn_id.as_str()));
    assert_eq!(txn.txn_uuid.as_deref(), Some(paid.txn_uuid.as_str()));
    assert_eq!(txn.status, Some(OrderStatus::Charged));
    assert_eq!(txn.txn_amount, Some(Amount::from_minor(25_000, "INR")));
    let pgr = order
        .payment_gateway_response
        .expect("payment_gateway_response");
    assert!(pgr.gateway_response.is_some(), "{pgr:?}");
    assert!(order.card.is_some());
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_failed_payment_is_reported_with_its_failure_status_and_bank_error() {
    let (sim, client) = start().await;
    create(&client, "ord-fail", "99.00").await;
    sim.handle()
        .pay(
            "ord-fail",
            &PaymentRequest::failed(FailureReason::InsufficientFunds),
        )
        .unwrap();
    let order = status(&client, "ord-fail").await;
    assert_eq!(order.status, Some(OrderStatus::AuthorizationFailed));
    assert_eq!(order.status_id, Some(27));
    assert!(order.resolved_status().is_some_and(|s| s.is_failure()));
    assert_eq!(order.bank_error_code.as_deref(), Some("INSUFFICIENT_FUNDS"));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_order_updated_before_payment_is_charged_at_the_new_amount() {
    let (sim, client) = start().await;
    create(&client, "ord-update", "100.00").await;
    let request = UpdateOrderRequest {
        amount: Some(rupees("120.25")),
        extra: vec![("udf1".to_owned(), "gift".to_owned())],
        routing_id: Some("cust-1".to_owned()),
    };
    let updated = client.update_order("ord-update", &request).await.unwrap();
    assert_eq!(updated.amount, Some(Amount::from_minor(12_025, "INR")));
    assert_eq!(updated.status, Some(OrderStatus::New));
    sim.handle()
        .pay("ord-update", &PaymentRequest::charged(PaymentMethod::Card))
        .unwrap();
    let order = status(&client, "ord-update").await;
    assert_eq!(order.status, Some(OrderStatus::Charged));
    assert_eq!(order.amount, Some(Amount::from_minor(12_025, "INR")));
    let after = client.update_order("ord-update", &request).await;
    assert!(
        after.is_err(),
        "a paid order must not be updated: {after:?}"
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_refund_repeated_with_the_same_unique_request_id_is_not_made_twice() {
    let (sim, client) = start().await;
    create(&client, "ord-refund", "100.00").await;
    sim.handle()
        .pay("ord-refund", &PaymentRequest::charged(PaymentMethod::Card))
        .unwrap();
    let request = RefundRequest::new("rfd-1", Some(rupees("40.00")));
    let first = client.refund_order("ord-refund", &request).await.unwrap();
    assert_eq!(first.refunds.len(), 1);
    assert_eq!(first.refunds[0].unique_request_id.as_deref(), Some("rfd-1"));
    assert_eq!(
        first.refunds[0].amount,
        Some(Amount::from_minor(4_000, "INR"))
    );
    let again = client.refund_order("ord-refund", &request).await.unwrap();
    assert_eq!(again.refunds.len(), 1);
    let settled = eventually_order(&client, "ord-refund", |o| {
        o.refunds
            .first()
            .and_then(|r| r.status.as_ref())
            .is_some_and(|s| s.is_terminal())
    })
    .await;
    assert_eq!(settled.refunds.len(), 1);
    assert!(
        settled.refunds[0]
            .status
            .as_ref()
            .is_some_and(|s| s.is_success())
    );
    assert_eq!(
        settled.amount_refunded,
        Some(Amount::from_minor(4_000, "INR"))
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_refund_with_a_reused_id_and_another_amount_or_over_the_paid_amount_is_refused() {
    let (sim, client) = start().await;
    create(&client, "ord-refund-bad", "100.00").await;
    sim.handle()
        .pay(
            "ord-refund-bad",
            &PaymentRequest::charged(PaymentMethod::Card),
        )
        .unwrap();
    client
        .refund_order(
            "ord-refund-bad",
            &RefundRequest::new("rfd-a", Some(rupees("30.00"))),
        )
        .await
        .unwrap();
    let reused = client
        .refund_order(
            "ord-refund-bad",
            &RefundRequest::new("rfd-a", Some(rupees("31.00"))),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(reused, JuspayError::Rejected { status: 400, .. }),
        "{reused:?}"
    );
    assert_eq!(error_code(&reused), Some("REFUND_DUPLICATE_REQUEST"));
    assert!(!reused.is_retryable());

    let over = client
        .refund_order(
            "ord-refund-bad",
            &RefundRequest::new("rfd-b", Some(rupees("70.01"))),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(over, JuspayError::Rejected { status: 400, .. }),
        "{over:?}"
    );
    assert_eq!(error_code(&over), Some("INVALID_AMOUNT_REFUND"));
    let order = status(&client, "ord-refund-bad").await;
    assert_eq!(order.refunds.len(), 1);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_customer_is_created_and_read_back_by_its_reference_and_juspay_id() {
    let (sim, client) = start().await;
    let request = CreateCustomerRequest {
        object_reference_id: "cust-42".to_owned(),
        mobile_number: "9876543210".to_owned(),
        mobile_country_code: Some("91".to_owned()),
        email_address: Some("c42@example.com".to_owned()),
        first_name: Some("Asha".to_owned()),
        last_name: Some("Rao".to_owned()),
        get_client_auth_token: true,
    };
    let created = client.create_customer(&request).await.unwrap();
    assert_eq!(created.object_reference_id.as_deref(), Some("cust-42"));
    let juspay_id = created.id.clone().expect("a Juspay customer id");
    assert!(
        created
            .juspay
            .as_ref()
            .and_then(|j| j.client_auth_token.as_ref())
            .is_some()
    );
    let by_reference = client.get_customer("cust-42", false).await.unwrap();
    assert_eq!(by_reference.id.as_deref(), Some(juspay_id.as_str()));
    assert_eq!(by_reference.mobile_number.as_deref(), Some("9876543210"));
    assert_eq!(
        by_reference.email_address.as_deref(),
        Some("c42@example.com")
    );
    let by_id = client.get_customer(&juspay_id, false).await.unwrap();
    assert_eq!(by_id.object_reference_id.as_deref(), Some("cust-42"));
    let missing = client.get_customer("nobody", false).await.unwrap_err();
    assert!(matches!(missing, JuspayError::NotFound(_)), "{missing:?}");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_registered_mandate_is_listed_for_its_customer_only() {
    let (sim, client) = start().await;
    let mandate_id = register_mandate(&sim, &client, "ord-mreg", "cust-m").await;
    let list = client.list_customer_mandates("cust-m").await.unwrap();
    assert_eq!(list.total, Some(1));
    assert_eq!(list.list.len(), 1);
    assert_eq!(
        list.list[0].mandate_id.as_deref(),
        Some(mandate_id.as_str())
    );
    assert_eq!(list.list[0].resolved_status(), Some(&MandateStatus::Active));
    let other = client.list_customer_mandates("cust-other").await.unwrap();
    assert_eq!(other.total, Some(0));
    assert!(other.list.is_empty());
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_mandate_pauses_resumes_reports_its_status_and_is_revoked_through_the_client() {
    let (sim, client) = start().await;
    let mandate_id = register_mandate(&sim, &client, "ord-mcmd", "cust-m").await;
    let routing = Some("cust-m");
    let paused = client
        .pause_mandate(&mandate_id, 1_700_000_000, 1_800_000_000, routing)
        .await
        .unwrap();
    assert_eq!(paused.resolved_status(), Some(&MandateStatus::Paused));
    assert_eq!(paused.pause_end_date.as_deref(), Some("1800000000"));
    let paused_again = client
        .pause_mandate(&mandate_id, 1_700_000_000, 1_800_000_000, routing)
        .await
        .unwrap_err();
    assert!(
        matches!(paused_again, JuspayError::Rejected { status: 400, .. }),
        "{paused_again:?}"
    );
    let resumed = client
        .resume_mandate(&mandate_id, 1_750_000_000, routing)
        .await
        .unwrap();
    assert_eq!(resumed.resolved_status(), Some(&MandateStatus::Active));
    let checked = client
        .check_mandate_status(&mandate_id, routing)
        .await
        .unwrap();
    assert_eq!(checked.resolved_status(), Some(&MandateStatus::Active));
    assert_eq!(checked.order_id.as_deref(), Some("ord-mcmd"));
    assert_eq!(checked.mandate_id.as_deref(), Some(mandate_id.as_str()));
    let revoked = client.revoke_mandate(&mandate_id, routing).await.unwrap();
    assert_eq!(revoked.resolved_status(), Some(&MandateStatus::Revoked));
    let after = client
        .check_mandate_status(&mandate_id, routing)
        .await
        .unwrap();
    assert!(after.resolved_status().is_some_and(|s| s.is_terminal()));
    let unknown = client
        .check_mandate_status("no_such_mandate", routing)
        .await
        .unwrap_err();
    assert!(matches!(unknown, JuspayError::NotFound(_)), "{unknown:?}");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_pre_debit_notification_is_created_and_its_status_read_back_until_success() {
    let (sim, client) = start().await;
    let mandate_id = register_mandate(&sim, &client, "ord-mpdn", "cust-m").await;
    let created = client
        .notify_pre_debit(
            &mandate_id,
            "pdn42",
            rupees("100.00"),
            1_800_000_000,
            Some("cust-m"),
        )
        .await
        .unwrap();
    assert_eq!(created.object_reference_id.as_deref(), Some("pdn42"));
    assert!(matches!(
        created.status,
        Some(NotificationStatus::Pending | NotificationStatus::Created)
    ));
    let mut last = None;
    for _ in 0..250 {
        let notification = client
            .get_notification("pdn42", Some("cust-m"))
            .await
            .unwrap();
        if notification
            .status
            .as_ref()
            .is_some_and(NotificationStatus::is_terminal)
        {
            last = Some(notification);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let done = last.expect("the notification settles");
    assert_eq!(done.status, Some(NotificationStatus::Success));
    assert_eq!(
        done.mandate.and_then(|m| m.mandate_id).as_deref(),
        Some(mandate_id.as_str())
    );
    let missing = client.get_notification("nope", None).await.unwrap_err();
    assert!(matches!(missing, JuspayError::NotFound(_)), "{missing:?}");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_mandate_execution_via_txns_charges_a_new_order_and_over_max_is_refused() {
    let (sim, client) = start().await;
    let mandate_id = register_mandate(&sim, &client, "ord-mexec", "cust-m").await;
    let request =
        MandateExecutionRequest::new("exec-1", rupees("120.00"), "cust-m", mandate_id.as_str());
    let txn = client.execute_mandate(&request).await.unwrap();
    assert_eq!(txn.order_id.as_deref(), Some("exec-1"));
    assert_eq!(txn.status, Some(OrderStatus::PendingVbv));
    assert_eq!(
        txn.txn_id.as_deref(),
        Some(format!("{MERCHANT}-exec-1-1").as_str())
    );
    let order = eventually_order(&client, "exec-1", |o| {
        o.status == Some(OrderStatus::Charged)
    })
    .await;
    assert_eq!(order.amount, Some(Amount::from_minor(12_000, "INR")));
    let detail = order.txn_detail.expect("txn_detail");
    assert_eq!(detail.txn_object_type.as_deref(), Some("EMANDATE_PAYMENT"));
    assert_eq!(
        order.mandate.and_then(|m| m.mandate_id).as_deref(),
        Some(mandate_id.as_str())
    );

    let over =
        MandateExecutionRequest::new("exec-2", rupees("500.01"), "cust-m", mandate_id.as_str());
    let refused = client.execute_mandate(&over).await.unwrap_err();
    assert!(
        matches!(refused, JuspayError::Rejected { status: 400, .. }),
        "{refused:?}"
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_pending_mandate_execution_is_cancelled_with_cancel_recurring_transaction() {
    // Real-time clock so the execution is still pending when it is cancelled.
    let (sim, client) = start_with(SimConfig {
        time_scale: 1.0,
        ..sim_config()
    })
    .await;
    let mandate_id = register_mandate(&sim, &client, "ord-mcancel", "cust-m").await;
    let request =
        MandateExecutionRequest::new("exec-cancel", rupees("10.00"), "cust-m", &mandate_id);
    client.execute_mandate(&request).await.unwrap();
    let cancelled = client
        .cancel_recurring_transaction(&mandate_id, "exec-cancel", Some("cust-m"))
        .await
        .unwrap();
    assert_eq!(cancelled.txn_status, Some(OrderStatus::JuspayDeclined));
    let order = status(&client, "exec-cancel").await;
    assert_eq!(order.status, Some(OrderStatus::JuspayDeclined));
    assert_eq!(order.bank_error_code.as_deref(), Some("JP_852"));
    let again = client
        .cancel_recurring_transaction(&mandate_id, "exec-cancel", Some("cust-m"))
        .await
        .unwrap_err();
    assert_eq!(again.http_status(), Some(400), "{again:?}");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_preauthorised_order_is_partially_captured_and_another_is_voided() {
    let (sim, client) = start().await;
    for order_id in ["ord-capture", "ord-void"] {
        let mut request = CreateOrderRequest::new(order_id, rupees("200.00"));
        request.customer_id = Some("cust-1".to_owned());
        request
            .extra
            .push(("metadata.txns.auto_capture".to_owned(), "false".to_owned()));
        client.create_order(&request).await.unwrap();
        sim.handle()
            .pay(order_id, &PaymentRequest::charged(PaymentMethod::Card))
            .unwrap();
        let order = status(&client, order_id).await;
        assert_eq!(order.status, Some(OrderStatus::Authorized));
    }
    let uuid_of = |order: Order| order.txn_uuid.expect("txn_uuid");
    let capture_uuid = uuid_of(status(&client, "ord-capture").await);
    let capture = CaptureRequest {
        amount: Some(rupees("150.00")),
        idempotence_key: Some("cap-1".to_owned()),
    };
    let captured = client
        .capture_txn(&capture_uuid, &capture, Some("cust-1"))
        .await
        .unwrap();
    assert_eq!(captured.order_id.as_deref(), Some("ord-capture"));
    assert_eq!(captured.status, Some(OrderStatus::PartialCharged));
    assert!(
        captured
            .resolved_status()
            .is_some_and(|s| s != OrderStatus::Authorized)
    );

    let void_uuid = uuid_of(status(&client, "ord-void").await);
    let voided = client.void_txn(&void_uuid, Some("cust-1")).await.unwrap();
    assert_eq!(voided.status, Some(OrderStatus::Voided));
    assert_eq!(voided.status_id, Some(31));
    let twice = client.void_txn(&void_uuid, None).await.unwrap_err();
    assert_eq!(twice.http_status(), Some(400), "{twice:?}");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_unknown_order_is_not_found() {
    let (sim, client) = start().await;
    let error = client
        .get_order("no-such-order", &OrderStatusOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, JuspayError::NotFound(_)), "{error:?}");
    assert!(!error.is_retryable());
    assert_eq!(error.http_status(), Some(404));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_wrong_api_key_is_unauthorized_with_access_denied() {
    let (sim, _client) = start().await;
    let wrong = client_for(&sim, "not_the_key", Duration::from_secs(10));
    let error = wrong
        .create_order(&CreateOrderRequest::new("ord-x", rupees("1.00")))
        .await
        .unwrap_err();
    assert!(matches!(error, JuspayError::Unauthorized(_)), "{error:?}");
    assert_eq!(error_code(&error), Some("access_denied"));
    assert!(!error.is_retryable());
    assert_eq!(sim.handle().order_count(), 0);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_injected_429_is_rate_limited_with_retry_after_and_retryable() {
    let (sim, client) = start().await;
    create(&client, "ord-429", "5.00").await;
    sim.handle().add_endpoint_fault(EndpointFault {
        method: Some("GET".to_owned()),
        path: "/orders/*".to_owned(),
        kind: EndpointFaultKind::RateLimited {
            retry_after_secs: 7,
        },
        times: Some(1),
        probability: None,
    });
    let error = client
        .get_order("ord-429", &OrderStatusOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, JuspayError::RateLimited { .. }),
        "{error:?}"
    );
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    assert!(error.is_retryable());
    // The fault was for one call only: the retry succeeds.
    assert_eq!(
        status(&client, "ord-429").await.status,
        Some(OrderStatus::New)
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_injected_5xx_is_a_retryable_server_error_and_nothing_is_created() {
    let (sim, client) = start().await;
    sim.handle().add_endpoint_fault(EndpointFault {
        method: Some("POST".to_owned()),
        path: "/orders".to_owned(),
        kind: EndpointFaultKind::ServerError { status: 503 },
        times: Some(1),
        probability: None,
    });
    let request = CreateOrderRequest::new("ord-503", rupees("5.00"));
    let error = client.create_order(&request).await.unwrap_err();
    assert!(
        matches!(error, JuspayError::Server { status: 503, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(sim.handle().order_count(), 0);
    client.create_order(&request).await.unwrap();
    assert_eq!(sim.handle().order_count(), 1);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_injected_timeout_longer_than_the_client_timeout_is_a_timeout() {
    let (sim, _client) = start().await;
    let impatient = client_for(&sim, KEY, Duration::from_millis(200));
    sim.handle().add_endpoint_fault(EndpointFault {
        method: None,
        path: "/orders/*".to_owned(),
        kind: EndpointFaultKind::Timeout { millis: 3_000 },
        times: Some(1),
        probability: None,
    });
    let error = impatient
        .get_order("ord-slow", &OrderStatusOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, JuspayError::Timeout), "{error:?}");
    assert!(error.is_retryable());
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_clients_verifier_accepts_the_return_url_signature_the_simulator_produces() {
    let key = SecretString::from(RESPONSE_KEY);
    for double_encode in [false, true] {
        let (sim, client) = start_with(SimConfig {
            double_encode_signature: double_encode,
            ..sim_config()
        })
        .await;
        create(&client, "ord-sig", "42.00").await;
        let paid = sim
            .handle()
            .pay("ord-sig", &PaymentRequest::charged(PaymentMethod::Card))
            .unwrap();
        let redirect = paid.redirect_url.expect("a signed redirect");
        assert!(
            redirect.starts_with("https://shop.example/return?"),
            "{redirect}"
        );
        let query = redirect.split_once('?').map(|(_, q)| q).unwrap();
        juspay::verify_return_query(query, &key).unwrap();
        let params: Vec<(String, String)> = reqwest::Url::parse(&redirect)
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert!(params.contains(&("status".to_owned(), "CHARGED".to_owned())));
        juspay::verify_return_params(&params, &key).unwrap();
        let wrong = juspay::verify_return_query(query, &SecretString::from("other_key"));
        assert!(matches!(wrong, Err(JuspayError::SignatureMismatch)));
        let tampered = query.replace("CHARGED", "AUTHORIZED");
        assert!(matches!(
            juspay::verify_return_query(&tampered, &key),
            Err(JuspayError::SignatureMismatch)
        ));
        sim.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn the_hosted_page_redirect_carries_a_signature_the_client_accepts_for_any_order_id() {
    let (sim, client) = start().await;
    let order_id = "ord-7+a(b){c}.d~e";
    let mut request = CreateOrderRequest::new(order_id, rupees("12.34"));
    request.return_url = Some("https://shop.example/return?from=sim&cart=a%2Bb".to_owned());
    let created = client.create_order(&request).await.unwrap();
    let web = created
        .payment_links()
        .and_then(|l| l.web.clone())
        .expect("payment_links.web");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http.get(&web).send().await.unwrap();
    assert_eq!(page.status(), 200, "{web}");
    let submitted = http
        .post(&web)
        .form(&[("choice", "charged"), ("method", "CARD")])
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 303);
    let location = submitted
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_owned();
    let query = location.split_once('?').map(|(_, q)| q).unwrap();
    let key = SecretString::from(RESPONSE_KEY);
    juspay::verify_return_query(query, &key).unwrap();
    let order = status(&client, order_id).await;
    assert_eq!(order.order_id.as_deref(), Some(order_id));
    assert_eq!(order.status, Some(OrderStatus::Charged));
    let refunded = client
        .refund_order(order_id, &RefundRequest::new("rfd-full", None))
        .await
        .unwrap();
    assert_eq!(
        refunded.refunds.first().and_then(|r| r.amount),
        Some(Amount::from_minor(1_234, "INR"))
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_old_api_version_gets_the_short_create_answer_and_the_order_is_still_payable() {
    let sim = Simulator::start(sim_config()).await.unwrap();
    let config = JuspayConfig::new(sim.base_url(), SecretString::from(KEY), MERCHANT)
        .with_version("2018-07-01");
    let old = JuspayClient::new(&config).unwrap();
    let created = old
        .create_order(&CreateOrderRequest::new("ord-old", rupees("3.00")))
        .await
        .unwrap();
    assert!(matches!(created, juspay::CreateOrderResponse::Short(_)));
    assert_eq!(created.status(), Some(OrderStatus::Created));
    assert_eq!(created.order_id(), Some("ord-old"));
    let web = created.payment_links().and_then(|l| l.web.clone());
    assert!(web.is_some_and(|w| w.starts_with(&sim.base_url())));
    sim.handle()
        .pay("ord-old", &PaymentRequest::charged(PaymentMethod::Card))
        .unwrap();
    let order = old
        .get_order("ord-old", &OrderStatusOptions::default())
        .await
        .unwrap();
    assert_eq!(order.status, Some(OrderStatus::Charged));
    assert_eq!(order.amount, Some(Amount::from_minor(300, "INR")));
    let gateway = order
        .payment_gateway_response
        .expect("payment_gateway_response");
    assert!(gateway.gateway_response.is_none());
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_mandate_registered_through_a_session_is_active_and_listed() {
    let (sim, client) = start().await;
    let mut registration = MandateRegistration::new(MandateOption::Required);
    registration.max_amount = Some(rupees("900.00"));
    registration.amount_rule = Some(AmountRule::Variable);
    registration.frequency = Some("ASPRESENTED".to_owned());
    let mut session = SessionRequest::new("ord-smandate", rupees("1.00"), "app");
    session.customer_id = Some("cust-sm".to_owned());
    session.mandate = Some(registration);
    client.create_session(&session).await.unwrap();
    sim.handle()
        .pay("ord-smandate", &PaymentRequest::charged(PaymentMethod::Upi))
        .unwrap();
    let order = status(&client, "ord-smandate").await;
    let mandate = order.mandate.expect("mandate block");
    assert_eq!(mandate.resolved_status(), Some(&MandateStatus::Active));
    assert_eq!(mandate.frequency.as_deref(), Some("ASPRESENTED"));
    assert_eq!(mandate.max_amount, Some(Amount::from_minor(90_000, "INR")));
    let list = client.list_customer_mandates("cust-sm").await.unwrap();
    assert_eq!(list.total, Some(1));
    assert_eq!(list.list[0].mandate_id, mandate.mandate_id);
    assert_eq!(list.list[0].customer_id.as_deref(), Some("cust-sm"));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_client_and_the_simulator_agree_on_jpy_and_kwd_decimals_down_to_a_0_005_kwd_refund() {
    let (sim, client) = start().await;
    for (order_id, minor, currency) in [("ord-jpy", 500, "JPY"), ("ord-kwd", 1_005, "KWD")] {
        let mut request = CreateOrderRequest::new(order_id, Amount::from_minor(minor, currency));
        request.currency = Some(currency.to_owned());
        client.create_order(&request).await.unwrap();
        sim.handle()
            .pay(order_id, &PaymentRequest::charged(PaymentMethod::Card))
            .unwrap();
        let order = status(&client, order_id).await;
        assert_eq!(order.currency.as_deref(), Some(currency));
        assert_eq!(order.amount, Some(Amount::from_minor(minor, currency)));
        assert_eq!(order.amount.unwrap().minor_in(currency).unwrap(), minor);
    }
    let refund = RefundRequest::new("rfd-kwd", Some(Amount::from_minor(5, "KWD")));
    let refunded = client.refund_order("ord-kwd", &refund).await.unwrap();
    assert_eq!(
        refunded.refunds.first().and_then(|r| r.amount),
        Some(Amount::from_minor(5, "KWD"))
    );
    let stored = sim.handle().refunds("ord-kwd");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].amount, 5);
    assert_eq!(stored[0].requested_amount.as_deref(), Some("0.005"));
    sim.shutdown().await.unwrap();
}

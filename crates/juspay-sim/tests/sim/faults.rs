//! Every fault kind, injected through the handle or the `/__sim` control API.

use std::time::{Duration, Instant};

use juspay_sim::{EndpointFault, EndpointFaultKind, WebhookFault, WebhookFaultKind};
use serde_json::{Value, json};

use crate::support::{
    Receiver, client, create_order, eventually, get, order_status, pay, post, start,
};

fn endpoint(method: &str, path: &str, kind: EndpointFaultKind, times: u32) -> EndpointFault {
    EndpointFault {
        method: Some(method.to_owned()),
        path: path.to_owned(),
        kind,
        times: Some(times),
        probability: None,
    }
}

fn webhook(kind: WebhookFaultKind) -> WebhookFault {
    WebhookFault { kind, times: 1 }
}

#[tokio::test]
async fn a_dropped_webhook_is_recorded_but_never_sent() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    sim.handle()
        .add_webhook_fault(webhook(WebhookFaultKind::Drop));
    create_order(&sim, "ord-drop", "10").await;
    pay(&sim, "ord-drop", json!({"outcome": "charged"})).await;
    create_order(&sim, "ord-after", "10").await;
    pay(&sim, "ord-after", json!({"outcome": "charged"})).await;
    assert!(eventually(|| receiver.received().len() == 1).await);
    assert_eq!(
        receiver.received()[0].body["content"]["order"]["order_id"],
        "ord-after"
    );
    let attempts = sim.handle().webhook_attempts();
    let dropped = attempts.iter().find(|a| a.status.is_none()).unwrap();
    assert!(dropped.error.as_deref().unwrap().contains("dropped"));
    assert!(!dropped.acknowledged);
}

#[tokio::test]
async fn a_duplicated_webhook_arrives_twice_with_the_same_event_id() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    sim.handle()
        .add_webhook_fault(webhook(WebhookFaultKind::Duplicate));
    create_order(&sim, "ord-dupwh", "10").await;
    pay(&sim, "ord-dupwh", json!({"outcome": "charged"})).await;
    assert!(eventually(|| receiver.received().len() == 2).await);
    let received = receiver.received();
    assert_eq!(received[0].body["id"], received[1].body["id"]);
}

#[tokio::test]
async fn a_reordered_webhook_arrives_after_the_next_event() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    sim.handle()
        .add_webhook_fault(webhook(WebhookFaultKind::Reorder));
    create_order(&sim, "ord-first", "10").await;
    pay(&sim, "ord-first", json!({"outcome": "charged"})).await;
    // Held for the next event, so not in flight: nothing can arrive before that event.
    assert_eq!(sim.handle().webhooks_in_flight(), 0);
    assert!(receiver.received().is_empty());
    create_order(&sim, "ord-second", "10").await;
    pay(&sim, "ord-second", json!({"outcome": "charged"})).await;
    assert!(eventually(|| receiver.received().len() == 2).await);
    let order_ids: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| r.body["content"]["order"]["order_id"].clone())
        .collect();
    assert_eq!(order_ids, [json!("ord-second"), json!("ord-first")]);
}

#[tokio::test]
async fn a_delayed_webhook_arrives_only_after_the_delay() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    sim.handle()
        .add_webhook_fault(webhook(WebhookFaultKind::Delay { millis: 300 }));
    create_order(&sim, "ord-delay", "10").await;
    let started = Instant::now();
    pay(&sim, "ord-delay", json!({"outcome": "charged"})).await;
    assert!(eventually(|| !receiver.received().is_empty()).await);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn wrong_webhook_credentials_are_rejected_and_the_retry_with_the_right_ones_is_acknowledged()
{
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    sim.handle()
        .add_webhook_fault(webhook(WebhookFaultKind::WrongCredentials));
    create_order(&sim, "ord-creds", "10").await;
    pay(&sim, "ord-creds", json!({"outcome": "charged"})).await;
    let handle = sim.handle();
    assert!(eventually(|| handle.webhook_attempts().iter().any(|a| a.acknowledged)).await);
    let statuses: Vec<Option<u16>> = handle.webhook_attempts().iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(401), Some(200)]);
    let auth: Vec<bool> = receiver.received().iter().map(|r| r.auth_ok).collect();
    assert_eq!(auth, [false, true]);
}

#[tokio::test]
async fn a_server_error_fault_hits_only_the_next_n_calls() {
    let sim = start(None).await;
    create_order(&sim, "ord-5xx", "10").await;
    sim.handle().add_endpoint_fault(endpoint(
        "GET",
        "/orders/*",
        EndpointFaultKind::ServerError { status: 502 },
        2,
    ));
    for _ in 0..2 {
        let response = get(&sim, "/orders/ord-5xx").send().await.unwrap();
        assert_eq!(response.status(), 502);
        let body: Value = response.json().await.unwrap();
        assert!(body["error_code"].is_string());
    }
    assert_eq!(
        get(&sim, "/orders/ord-5xx").send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn a_rate_limit_injected_through_the_control_api_answers_429_with_retry_after() {
    let sim = start(None).await;
    let injected = client()
        .post(format!("{}/__sim/faults/endpoint", sim.base_url()))
        .json(&json!({
            "method": "POST",
            "path": "/orders",
            "kind": {"type": "rate_limited", "retry_after_secs": 7},
            "times": 1,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(injected.status(), 204);
    let limited = post(&sim, "/orders")
        .form(&[("order_id", "ord-429"), ("amount", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    // Refused before processing: the order does not exist and can be created now.
    assert_eq!(sim.handle().order_count(), 0);
    let accepted = post(&sim, "/orders")
        .form(&[("order_id", "ord-429"), ("amount", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
}

#[tokio::test]
async fn a_timeout_fault_makes_a_client_with_a_shorter_timeout_give_up() {
    let sim = start(None).await;
    create_order(&sim, "ord-hang", "10").await;
    sim.handle().add_endpoint_fault(endpoint(
        "GET",
        "/orders/ord-hang",
        EndpointFaultKind::Timeout { millis: 2_000 },
        1,
    ));
    let result = get(&sim, "/orders/ord-hang")
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
    assert_eq!(
        get(&sim, "/orders/ord-hang").send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn a_slow_fault_delays_the_answer_but_still_processes_the_call() {
    let sim = start(None).await;
    sim.handle().add_endpoint_fault(endpoint(
        "POST",
        "/orders",
        EndpointFaultKind::Slow { millis: 250 },
        1,
    ));
    let started = Instant::now();
    let response = post(&sim, "/orders")
        .form(&[("order_id", "ord-slow"), ("amount", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert!(sim.handle().order("ord-slow").is_some());
}

#[tokio::test]
async fn a_refund_that_times_out_after_being_accepted_is_recorded_and_its_retry_is_not_duplicated()
{
    let sim = start(None).await;
    create_order(&sim, "ord-rto", "100").await;
    pay(&sim, "ord-rto", json!({"outcome": "charged"})).await;
    sim.handle().add_endpoint_fault(endpoint(
        "POST",
        "/orders/*/refunds",
        EndpointFaultKind::AcceptThenFail {
            status: 504,
            millis: 10,
        },
        1,
    ));
    let form = [("unique_request_id", "rto-1"), ("amount", "40")];
    let failed = post(&sim, "/orders/ord-rto/refunds")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 504);
    let order = order_status(&sim, "ord-rto").await;
    assert_eq!(order["refunds"].as_array().unwrap().len(), 1);
    let retried = post(&sim, "/orders/ord-rto/refunds")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), 200);
    let body: Value = retried.json().await.unwrap();
    assert_eq!(body["refunds"].as_array().unwrap().len(), 1);
    assert_eq!(body["amount_refunded"], json!(40));
}

#[tokio::test]
async fn a_upi_payment_stays_pending_and_flips_to_charged_later() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let control = client()
        .post(format!("{}/__sim/faults/upi-pending", sim.base_url()))
        .json(&json!({"millis": 300}))
        .send()
        .await
        .unwrap();
    assert_eq!(control.status(), 204);
    create_order(&sim, "ord-upi", "10").await;
    let paid = pay(
        &sim,
        "ord-upi",
        json!({"outcome": "charged", "method": "UPI"}),
    )
    .await;
    assert_eq!(paid["status"], "PENDING_VBV");
    assert_eq!(order_status(&sim, "ord-upi").await["status"], "PENDING_VBV");
    assert!(
        eventually(|| receiver
            .event_names()
            .contains(&"ORDER_SUCCEEDED".to_owned()))
        .await
    );
    assert_eq!(order_status(&sim, "ord-upi").await["status"], "CHARGED");
    assert_eq!(receiver.event_names()[0], "TXN_CREATED");
}

#[tokio::test]
async fn clearing_faults_through_the_control_api_removes_them() {
    let sim = start(None).await;
    sim.handle().add_endpoint_fault(EndpointFault {
        method: None,
        path: "/orders/*".to_owned(),
        kind: EndpointFaultKind::ServerError { status: 500 },
        times: None,
        probability: Some(1.0),
    });
    assert_eq!(get(&sim, "/orders/x").send().await.unwrap().status(), 500);
    let cleared = client()
        .delete(format!("{}/__sim/faults", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert_eq!(get(&sim, "/orders/x").send().await.unwrap().status(), 404);
}

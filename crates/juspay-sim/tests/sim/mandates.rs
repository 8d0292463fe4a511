//! Mandates (§7): registration, listing, commands, execution and notifications.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use juspay_sim::{SimConfig, Simulator};
use serde_json::{Value, json};

use crate::support::{
    MERCHANT, Receiver, client, config, eventually, get, order_status, pay, post, start,
};

/// Registers a mandate for `customer` and returns its id.
async fn register(sim: &juspay_sim::RunningSimulator, order_id: &str, customer: &str) -> String {
    let response = post(sim, "/orders")
        .form(&[
            ("order_id", order_id),
            ("amount", "1.00"),
            ("customer_id", customer),
            ("options.create_mandate", "REQUIRED"),
            ("mandate.max_amount", "500.00"),
            ("mandate.amount_rule", "VARIABLE"),
            ("mandate.frequency", "MONTHLY"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    pay(
        sim,
        order_id,
        json!({"outcome": "charged", "method": "UPI"}),
    )
    .await;
    let order = order_status(sim, order_id).await;
    assert_eq!(order["mandate"]["mandate_status"], "ACTIVE");
    assert_eq!(order["txn_detail"]["txn_object_type"], "EMANDATE_REGISTER");
    order["mandate"]["mandate_id"].as_str().unwrap().to_owned()
}

async fn command(
    sim: &juspay_sim::RunningSimulator,
    mandate_id: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    post(sim, &format!("/mandates/{mandate_id}"))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn execute(
    sim: &juspay_sim::RunningSimulator,
    mandate_id: &str,
    order_id: &str,
    amount: &str,
) -> reqwest::Response {
    client()
        .post(format!("{}/txns", sim.base_url()))
        .form(&[
            ("merchant_id", MERCHANT),
            ("mandate_id", mandate_id),
            ("order.order_id", order_id),
            ("order.amount", amount),
            ("order.customer_id", "cust-m"),
            ("format", "json"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_mandate_registration_activates_it_sends_mandate_activated_and_lists_it_for_the_customer()
{
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let mandate_id = register(&sim, "ord-reg", "cust-m").await;
    assert_eq!(mandate_id.len(), 22);
    assert!(
        eventually(|| receiver
            .event_names()
            .contains(&"MANDATE_ACTIVATED".to_owned()))
        .await
    );
    let activated = receiver
        .received()
        .into_iter()
        .find(|r| r.body["event_name"] == "MANDATE_ACTIVATED")
        .unwrap();
    assert_eq!(activated.body["content"]["mandate"]["status"], "ACTIVE");
    assert_eq!(activated.body["content"]["mandate"]["max_amount"], "500.00");
    let list: Value = get(&sim, "/customers/cust-m/mandates")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["list"][0]["mandate_id"], mandate_id.as_str());
    let other: Value = get(&sim, "/customers/nobody/mandates")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other["total"], 0);
}

#[tokio::test]
async fn a_mandate_execution_without_an_api_key_charges_a_new_order_later() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let mandate_id = register(&sim, "ord-reg2", "cust-m").await;
    let response = execute(&sim, &mandate_id, "exec-1", "120.00").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "PENDING_VBV");
    assert_eq!(body["txn_id"], format!("{MERCHANT}-exec-1-1"));
    let handle = sim.handle();
    assert!(eventually(|| handle.order("exec-1").unwrap()["status"] == "CHARGED").await);
    let order = order_status(&sim, "exec-1").await;
    assert_eq!(order["txn_detail"]["txn_object_type"], "EMANDATE_PAYMENT");
    assert_eq!(order["mandate"]["mandate_id"], mandate_id.as_str());
}

#[tokio::test]
async fn mandate_executions_over_the_max_amount_or_with_a_used_order_id_are_refused() {
    let sim = start(None).await;
    let mandate_id = register(&sim, "ord-reg3", "cust-m").await;
    let over = execute(&sim, &mandate_id, "exec-over", "500.01").await;
    assert_eq!(over.status(), 400);
    let body: Value = over.json().await.unwrap();
    assert!(
        body["error_message"]
            .as_str()
            .unwrap()
            .starts_with("Order amount greater than mandate max amount")
    );
    let duplicate = execute(&sim, &mandate_id, "ord-reg3", "10").await;
    assert_eq!(duplicate.status(), 400);
    let body: Value = duplicate.json().await.unwrap();
    assert_eq!(body["status"], "DUPLICATE_ORDER_ID");
    let stranger = client()
        .post(format!("{}/txns", sim.base_url()))
        .form(&[
            ("merchant_id", "someone"),
            ("mandate_id", mandate_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 401);
}

#[tokio::test]
async fn a_mandate_pauses_resumes_and_once_revoked_cannot_execute() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let mandate_id = register(&sim, "ord-reg4", "cust-m").await;
    let paused: Value = command(
        &sim,
        &mandate_id,
        &[
            ("command", "pause"),
            ("pause_start_date", "1700000000"),
            ("pause_end_date", "1800000000"),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(paused["status"], "PAUSED");
    assert_eq!(paused["pause_end_date"], "1800000000");
    assert_eq!(
        execute(&sim, &mandate_id, "exec-paused", "10")
            .await
            .status(),
        400
    );
    assert_eq!(
        command(&sim, &mandate_id, &[("command", "pause")])
            .await
            .status(),
        400
    );
    let resumed: Value = command(&sim, &mandate_id, &[("command", "resume")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resumed["status"], "ACTIVE");
    let status: Value = command(&sim, &mandate_id, &[("command", "check_status")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "ACTIVE");
    assert_eq!(status["order_id"], "ord-reg4");
    let revoked: Value = command(&sim, &mandate_id, &[("command", "revoke")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revoked["mandate_status"], "REVOKED");
    assert_eq!(
        execute(&sim, &mandate_id, "exec-revoked", "10")
            .await
            .status(),
        400
    );
    assert!(
        eventually(|| {
            let names = receiver.event_names();
            ["MANDATE_PAUSED", "MANDATE_UNPAUSED", "MANDATE_REVOKED"]
                .iter()
                .all(|n| names.iter().any(|m| m == n))
        })
        .await
    );
    let bad = command(&sim, &mandate_id, &[("command", "explode")]).await;
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error_message"], "Invalid command");
}

#[tokio::test]
async fn a_pre_debit_notification_succeeds_later_and_is_readable_by_its_reference() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let mandate_id = register(&sim, "ord-reg5", "cust-m").await;
    let created: Value = command(
        &sim,
        &mandate_id,
        &[
            ("command", "pre_debit_notify"),
            ("object_reference_id", "pdn1"),
            (
                "source_info",
                r#"{"amount":"100.00","txn_date":"1800000000"}"#,
            ),
            ("description", "monthly"),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["source_info"]["amount"], "100.00");
    assert!(
        eventually(|| receiver
            .event_names()
            .contains(&"NOTIFICATION_SUCCEEDED".to_owned()))
        .await
    );
    let status: Value = get(&sim, "/notifications/pdn1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "SUCCESS");
    assert_eq!(status["mandate"]["mandate_id"], mandate_id.as_str());
}

#[tokio::test]
async fn cancelling_a_pending_execution_declines_it_with_jp_852() {
    let receiver = Receiver::start(&[]).await;
    // Real-time scale so the execution is still pending when it is cancelled.
    let sim = Simulator::start(SimConfig {
        time_scale: 1.0,
        ..config(Some(receiver.url()))
    })
    .await
    .unwrap();
    let mandate_id = register(&sim, "ord-reg6", "cust-m").await;
    assert_eq!(
        execute(&sim, &mandate_id, "exec-cancel", "10")
            .await
            .status(),
        200
    );
    let cancelled: Value = command(
        &sim,
        &mandate_id,
        &[
            ("command", "cancel_recurring_transaction"),
            ("order_id", "exec-cancel"),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(cancelled["txn_status"], "JUSPAY_DECLINED");
    let order = order_status(&sim, "exec-cancel").await;
    assert_eq!(order["status"], "JUSPAY_DECLINED");
    assert_eq!(order["bank_error_code"], "JP_852");
    let nothing = command(
        &sim,
        &mandate_id,
        &[
            ("command", "cancel_recurring_transaction"),
            ("order_id", "exec-cancel"),
        ],
    )
    .await;
    assert_eq!(nothing.status(), 400);
    let body: Value = nothing.json().await.unwrap();
    assert_eq!(body["code"], "INVALID_REQUEST");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_mandate_takes_the_currency_of_its_registration_order_and_executes_in_it() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let response = post(&sim, "/orders")
        .form(&[
            ("order_id", "ord-reg-kwd"),
            ("amount", "1.000"),
            ("currency", "KWD"),
            ("customer_id", "cust-kwd"),
            ("options.create_mandate", "REQUIRED"),
            ("mandate.max_amount", "50.125"),
            ("mandate.amount_rule", "VARIABLE"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    pay(
        &sim,
        "ord-reg-kwd",
        json!({"outcome": "charged", "method": "UPI"}),
    )
    .await;
    let order = order_status(&sim, "ord-reg-kwd").await;
    assert_eq!(order["mandate"]["max_amount"].to_string(), "50.125");
    let mandate_id = order["mandate"]["mandate_id"].as_str().unwrap().to_owned();
    assert!(
        eventually(|| receiver
            .event_names()
            .contains(&"MANDATE_ACTIVATED".to_owned()))
        .await
    );
    let activated = receiver
        .received()
        .into_iter()
        .find(|r| r.body["event_name"] == "MANDATE_ACTIVATED")
        .unwrap();
    assert_eq!(activated.body["content"]["mandate"]["currency"], "KWD");
    assert_eq!(activated.body["content"]["mandate"]["max_amount"], "50.125");

    let over = execute(&sim, &mandate_id, "exec-kwd-over", "50.126").await;
    assert_eq!(over.status(), 400);
    let body: Value = over.json().await.unwrap();
    assert!(
        body["error_message"]
            .as_str()
            .unwrap()
            .ends_with("(50.125)"),
        "{body}"
    );
    let other_currency = client()
        .post(format!("{}/txns", sim.base_url()))
        .form(&[
            ("merchant_id", MERCHANT),
            ("mandate_id", mandate_id.as_str()),
            ("order.order_id", "exec-kwd-inr"),
            ("order.amount", "1.00"),
            ("order.currency", "INR"),
            ("format", "json"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(other_currency.status(), 400);
    assert_eq!(
        execute(&sim, &mandate_id, "exec-kwd", "50.1259")
            .await
            .status(),
        200
    );
    let execution = order_status(&sim, "exec-kwd").await;
    assert_eq!(execution["currency"], "KWD");
    assert_eq!(execution["amount"].to_string(), "50.125");
}

#[tokio::test]
async fn demo_traffic_produces_a_stream_of_orders_and_stops_at_shutdown() {
    let sim = Simulator::start(SimConfig {
        time_scale: 0.005,
        demo_traffic: true,
        ..config(None)
    })
    .await
    .unwrap();
    let handle = sim.handle();
    assert!(eventually(|| handle.order_count() >= 15).await);
    assert!(!handle.start_demo_traffic());
    let statuses: Vec<String> = (1..=15)
        .filter_map(|n| handle.order(&format!("demo-42-{n}")))
        .map(|o| o["status"].as_str().unwrap().to_owned())
        .collect();
    assert!(statuses.len() >= 10, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .any(|s| s == "CHARGED" || s == "COD_INITIATED")
    );
    let usd = handle.order("demo-42-3").unwrap();
    assert_eq!(usd["currency"], "USD");
    let jpy = handle.order("demo-42-6").unwrap();
    assert_eq!(jpy["currency"], "JPY");
    assert!(jpy["amount"].is_u64(), "whole yen: {}", jpy["amount"]);
    assert_eq!(handle.order("demo-42-9").unwrap()["currency"], "KWD");
    assert_eq!(handle.order("demo-42-7").unwrap()["currency"], "INR");
    assert!(handle.demo_traffic_running());
    sim.shutdown().await.unwrap();
    assert!(
        eventually(|| !handle.demo_traffic_running()).await,
        "traffic stops with the simulator"
    );
}

#[tokio::test]
async fn the_control_listing_shows_each_mandate_with_its_status_and_debits() {
    let sim = start(None).await;
    let mandate_id = register(&sim, "ord-list", "cust-m").await;
    let other = register(&sim, "ord-list-2", "cust-m").await;
    assert_eq!(
        execute(&sim, &mandate_id, "debit-1", "10.00")
            .await
            .status(),
        200
    );
    let paused = command(&sim, &other, &[("command", "pause")]).await;
    assert_eq!(paused.status(), 200);
    let listing: Value = client()
        .get(format!("{}/__sim/mandates", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let find = |id: &str| {
        listing
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["mandate_id"] == id)
            .cloned()
            .unwrap()
    };
    let debited = find(&mandate_id);
    assert_eq!(debited["status"], "ACTIVE");
    assert_eq!(debited["order_id"], "ord-list");
    assert_eq!(debited["customer_id"], "cust-m");
    assert_eq!(debited["debits"][0]["order_id"], "debit-1");
    assert_eq!(debited["debits"][0]["amount"], 1000);
    let paused = find(&other);
    assert_eq!(paused["status"], "PAUSED");
    assert_eq!(paused["debits"], json!([]));
}

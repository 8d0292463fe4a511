//! Refund semantics of §6: idempotency, limits and settlement.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use juspay_sim::RefundStatus;
use serde_json::{Value, json};

use crate::support::{
    Receiver, create_order, create_order_in, eventually, order_status, pay, post, start,
};

async fn refund(
    sim: &juspay_sim::RunningSimulator,
    order_id: &str,
    unique_request_id: &str,
    amount: &str,
) -> reqwest::Response {
    post(sim, &format!("/orders/{order_id}/refunds"))
        .form(&[("unique_request_id", unique_request_id), ("amount", amount)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_refund_repeated_with_the_same_unique_request_id_makes_no_second_refund() {
    let sim = start(None).await;
    create_order(&sim, "ord-rf", "100").await;
    pay(&sim, "ord-rf", json!({"outcome": "charged"})).await;
    let first: Value = refund(&sim, "ord-rf", "rf-1", "30")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["status"], "CHARGED");
    assert_eq!(first["refunded"], true);
    assert_eq!(first["amount_refunded"], json!(30));
    assert_eq!(first["refunds"][0]["status"], "PENDING");
    let again = refund(&sim, "ord-rf", "rf-1", "30.00").await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["refunds"].as_array().unwrap().len(), 1);
    assert_eq!(again["amount_refunded"], json!(30));
}

#[tokio::test]
async fn the_same_unique_request_id_with_a_different_amount_is_refused() {
    let sim = start(None).await;
    create_order(&sim, "ord-rf2", "100").await;
    pay(&sim, "ord-rf2", json!({"outcome": "charged"})).await;
    assert_eq!(refund(&sim, "ord-rf2", "rf-2", "30").await.status(), 200);
    let clash = refund(&sim, "ord-rf2", "rf-2", "31").await;
    assert_eq!(clash.status(), 400);
    let body: Value = clash.json().await.unwrap();
    assert_eq!(body["error_info"]["code"], "DUPLICATE_REQUEST");
    assert_eq!(
        order_status(&sim, "ord-rf2").await["refunds"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_refund_larger_than_what_is_left_is_refused() {
    let sim = start(None).await;
    create_order(&sim, "ord-rf3", "100").await;
    pay(&sim, "ord-rf3", json!({"outcome": "charged"})).await;
    assert_eq!(refund(&sim, "ord-rf3", "a", "60").await.status(), 200);
    let over = refund(&sim, "ord-rf3", "b", "40.01").await;
    assert_eq!(over.status(), 400);
    assert_eq!(refund(&sim, "ord-rf3", "c", "40").await.status(), 200);
    let order = order_status(&sim, "ord-rf3").await;
    assert_eq!(order["amount_refunded"], json!(100));
    assert_eq!(order["maximum_eligible_refund_amount"], json!(0));
}

#[tokio::test]
async fn a_refund_without_an_amount_refunds_what_is_left() {
    let sim = start(None).await;
    create_order(&sim, "ord-rf4", "100").await;
    pay(&sim, "ord-rf4", json!({"outcome": "charged"})).await;
    assert_eq!(refund(&sim, "ord-rf4", "a", "25").await.status(), 200);
    let rest: Value = post(&sim, "/orders/ord-rf4/refunds")
        .json(&json!({"unique_request_id": "b"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["refunds"][1]["amount"], json!(75));
}

#[tokio::test]
async fn a_refund_on_an_unpaid_order_is_refused_as_not_successful() {
    let sim = start(None).await;
    create_order(&sim, "ord-unpaid", "100").await;
    let response = refund(&sim, "ord-unpaid", "rf", "10").await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], "invalid.order.not_successful");
    assert_eq!(body["error_message"], "Cannot process unsuccessful order.");
}

#[tokio::test]
async fn refunds_settle_later_to_the_queued_outcomes_with_matching_webhooks() {
    let receiver = Receiver::start(&[]).await;
    let sim = start(Some(receiver.url())).await;
    let handle = sim.handle();
    handle.queue_refund_outcome(RefundStatus::Success);
    handle.queue_refund_outcome(RefundStatus::Failure);
    handle.queue_refund_outcome(RefundStatus::ManualReview);
    create_order(&sim, "ord-settle", "100").await;
    pay(&sim, "ord-settle", json!({"outcome": "charged"})).await;
    for id in ["s1", "s2", "s3"] {
        assert_eq!(refund(&sim, "ord-settle", id, "10").await.status(), 200);
    }
    assert!(
        eventually(|| {
            let names = receiver.event_names();
            [
                "ORDER_REFUNDED",
                "ORDER_REFUND_FAILED",
                "REFUND_MANUAL_REVIEW_NEEDED",
            ]
            .iter()
            .all(|n| names.iter().any(|m| m == n))
        })
        .await
    );
    let order = order_status(&sim, "ord-settle").await;
    let statuses: Vec<&str> = order["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["SUCCESS", "FAILURE", "MANUAL_REVIEW"]);
    assert_eq!(order["amount_refunded"], json!(20));
    assert_eq!(order["status"], "CHARGED");
}

#[tokio::test]
async fn a_refund_by_txn_id_answers_with_the_single_refund_object() {
    let sim = start(None).await;
    create_order(&sim, "ord-txnrf", "100").await;
    let paid = pay(&sim, "ord-txnrf", json!({"outcome": "charged"})).await;
    let txn_id = paid["txn_id"].as_str().unwrap();
    let body: Value = post(&sim, "/refunds")
        .form(&[
            ("unique_request_id", "txn-rf-1"),
            ("amount", "15"),
            ("txn_id", txn_id),
            ("refund_type", "INSTANT"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["txn_id"], txn_id);
    assert_eq!(body["order_id"], "ord-txnrf");
    assert_eq!(body["status"], "PENDING");
    assert_eq!(body["refund_type"], "INSTANT");
    assert_eq!(body["amount"], json!(15));
    assert!(body.get("refunds").is_none());
    let unknown = post(&sim, "/refunds")
        .form(&[("unique_request_id", "x"), ("txn_id", "acme-nope-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_legacy_order_paths_of_the_python_sdks_reach_the_same_orders() {
    let sim = start(None).await;
    let created: Value = post(&sim, "/order/create")
        .form(&[("order_id", "ord-legacy"), ("amount", "20")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["status"], "CREATED");
    pay(&sim, "ord-legacy", json!({"outcome": "charged"})).await;
    let refunded: Value = post(&sim, "/order/refund")
        .form(&[
            ("order_id", "ord-legacy"),
            ("unique_request_id", "lg-1"),
            ("amount", "5"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refunded["amount_refunded"], json!(5));
    let status: Value = crate::support::get(&sim, "/order/status?order_id=ord-legacy")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "CHARGED");
    assert_eq!(status["refunds"][0]["unique_request_id"], "lg-1");
}

#[tokio::test]
async fn jpy_and_kwd_orders_carry_their_iso_decimals_and_a_0_005_kwd_refund_is_five_fils() {
    let sim = start(None).await;
    let created = create_order_in(&sim, "ord-jpy", "500", "JPY").await;
    assert_eq!(created["amount"].to_string(), "500");
    create_order_in(&sim, "ord-kwd", "1.005", "KWD").await;
    pay(&sim, "ord-jpy", json!({"outcome": "charged"})).await;
    pay(&sim, "ord-kwd", json!({"outcome": "charged"})).await;

    let jpy = order_status(&sim, "ord-jpy").await;
    assert_eq!(jpy["status"], "CHARGED");
    assert_eq!(jpy["currency"], "JPY");
    assert_eq!(jpy["amount"], json!(500));
    assert_eq!(jpy["amount"].to_string(), "500");
    assert_eq!(jpy["txn_detail"]["txn_amount"].to_string(), "500");
    let kwd = order_status(&sim, "ord-kwd").await;
    assert_eq!(kwd["status"], "CHARGED");
    assert_eq!(kwd["currency"], "KWD");
    assert_eq!(kwd["amount"], json!(1.005));
    assert_eq!(kwd["amount"].to_string(), "1.005");

    let refunded: Value = refund(&sim, "ord-kwd", "rf-kwd", "0.005")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refunded["amount_refunded"].to_string(), "0.005");
    assert_eq!(refunded["refunds"][0]["amount"].to_string(), "0.005");
    assert_eq!(refunded["maximum_eligible_refund_amount"], json!(1));
    let stored = sim.handle().refunds("ord-kwd");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].amount, 5);
    assert_eq!(stored[0].requested_amount.as_deref(), Some("0.005"));

    let whole_yen = refund(&sim, "ord-jpy", "rf-jpy", "120.9").await;
    assert_eq!(whole_yen.status(), 200);
    let stored = sim.handle().refunds("ord-jpy");
    assert_eq!(stored[0].amount, 120);
    assert_eq!(stored[0].requested_amount.as_deref(), Some("120.9"));
    assert_eq!(
        order_status(&sim, "ord-jpy").await["maximum_eligible_refund_amount"].to_string(),
        "380"
    );
    assert_eq!(
        refund(&sim, "ord-jpy", "rf-jpy-over", "381").await.status(),
        400
    );
}

#[tokio::test]
async fn a_refund_without_an_amount_records_no_requested_text() {
    let sim = start(None).await;
    create_order_in(&sim, "ord-usd", "12.34", "USD").await;
    pay(&sim, "ord-usd", json!({"outcome": "charged"})).await;
    let rest: Value = post(&sim, "/orders/ord-usd/refunds")
        .json(&json!({"unique_request_id": "all"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["refunds"][0]["amount"].to_string(), "12.34");
    let stored = sim.handle().refunds("ord-usd");
    assert_eq!(stored[0].amount, 1_234);
    assert_eq!(stored[0].requested_amount, None);
}

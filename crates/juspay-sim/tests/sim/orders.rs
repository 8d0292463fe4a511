//! Orders, sessions, customers and pre-auth over the wire.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{
    MERCHANT, auth_with_colon, auth_without_colon, client, create_order, get, order_status, pay,
    post, start,
};

#[tokio::test]
async fn an_order_created_with_a_form_body_and_no_version_gets_the_short_created_shape() {
    let sim = start(None).await;
    let response = post(&sim, "/orders")
        .form(&[("order_id", "ord-short-1"), ("amount", "100.00")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "CREATED");
    assert_eq!(body["status_id"], 1);
    assert!(body["id"].as_str().unwrap().starts_with("ordeh_"));
    let web = body["payment_links"]["web"].as_str().unwrap();
    assert!(web.starts_with(&sim.base_url()), "{web}");
}

#[tokio::test]
async fn a_nested_json_order_with_a_colonless_key_and_the_dashed_merchant_header_gets_the_full_shape()
 {
    let sim = start(None).await;
    let response = client()
        .post(format!("{}/orders", sim.base_url()))
        .header("authorization", auth_without_colon())
        .header("x-merchant-id", MERCHANT)
        .header("version", "2023-06-30")
        .json(&json!({
            "order_id": "ord-json-1",
            "amount": 99.999,
            "metadata": {"webhook_url": "http://127.0.0.1:1/hook"},
            "basket": "[{\"id\":\"sku\",\"quantity\":1}]",
            "options": {"get_client_auth_token": true},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "NEW");
    assert_eq!(body["status_id"], 10);
    assert_eq!(body["amount"], json!(99.99));
    assert_eq!(body["merchant_id"], MERCHANT);
    assert_eq!(body["metadata"]["webhook_url"], "http://127.0.0.1:1/hook");
    assert_eq!(body["basket"][0]["id"], "sku");
    assert!(
        body["juspay"]["client_auth_token"]
            .as_str()
            .unwrap()
            .starts_with("tkn_")
    );
    assert_eq!(body["customer_id"], Value::Null);
    assert_eq!(body["udf1"], "");
    assert!(body.get("txn_id").is_none());
}

#[tokio::test]
async fn a_version_given_as_a_query_parameter_selects_the_full_shape() {
    let sim = start(None).await;
    let body: Value = post(&sim, "/orders?version=2018-10-25")
        .form(&[("order_id", "ord-q-1"), ("amount", "5")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "NEW");
}

#[tokio::test]
async fn a_chunked_form_body_is_read_like_any_other() {
    let sim = start(None).await;
    let form = "order_id=ord-chunked&amount=12.50";
    let request = format!(
        "POST /orders HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nversion: 2023-06-30\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {len:x}\r\n{form}\r\n0\r\n\r\n",
        addr = sim.addr(),
        auth = auth_without_colon(),
        len = form.len(),
    );
    let mut stream = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let order = order_status(&sim, "ord-chunked").await;
    assert_eq!(order["amount"], json!(12.5));
}

#[tokio::test]
async fn a_duplicate_order_id_is_rejected_with_a_juspay_error() {
    let sim = start(None).await;
    create_order(&sim, "ord-dup", "10").await;
    let response = post(&sim, "/orders")
        .form(&[("order_id", "ORD-DUP"), ("amount", "10")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], "invalid_request");
    assert_eq!(body["error_info"]["code"], "ALREADY_EXISTS");
}

#[tokio::test]
async fn an_order_id_starting_with_a_special_character_is_refused() {
    let sim = start(None).await;
    let response = post(&sim, "/orders")
        .form(&[("order_id", "-bad"), ("amount", "10")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error_message"]
            .as_str()
            .unwrap()
            .starts_with("INVALID ORDERID")
    );
}

#[tokio::test]
async fn an_unknown_order_is_a_404_with_a_juspay_error_body() {
    let sim = start(None).await;
    let response = get(&sim, "/orders/nope").send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "NOT_FOUND");
    assert_eq!(body["status_id"], 40);
    assert!(body["error_code"].is_string());
    assert!(body["error_message"].as_str().unwrap().contains("nope"));
}

#[tokio::test]
async fn a_bad_api_key_or_a_foreign_merchant_header_is_a_401_access_denied() {
    let sim = start(None).await;
    let bad_key = client()
        .get(format!("{}/orders/x", sim.base_url()))
        .basic_auth("wrong", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_key.status(), 401);
    let body: Value = bad_key.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(body["error_code"], "access_denied");
    let foreign = client()
        .get(format!("{}/orders/x", sim.base_url()))
        .header("authorization", auth_with_colon())
        .header("x-merchantid", "someone_else")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 401);
    let no_auth = client()
        .post(format!("{}/orders", sim.base_url()))
        .form(&[("order_id", "o"), ("amount", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_auth.status(), 401);
}

#[tokio::test]
async fn an_order_can_be_updated_before_payment_but_not_after() {
    let sim = start(None).await;
    create_order(&sim, "ord-upd", "100").await;
    let updated: Value = post(&sim, "/orders/ord-upd")
        .form(&[("amount", "99.99"), ("udf3", "gift")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["amount"], json!(99.99));
    assert_eq!(updated["udf3"], "gift");
    pay(&sim, "ord-upd", json!({"outcome": "charged"})).await;
    let refused = post(&sim, "/orders/ord-upd")
        .form(&[("amount", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error_info"]["code"], "INVALID_ACTION");
}

#[tokio::test]
async fn a_session_creates_the_order_and_links_to_the_simulators_hosted_page() {
    let sim = start(None).await;
    let body: Value = post(&sim, "/session")
        .json(&json!({
            "order_id": "ord-sess",
            "amount": "10.00",
            "customer_id": "cust-9",
            "payment_page_client_id": "acme_client",
            "action": "paymentPage",
            "return_url": "https://shop.example/r",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "NEW");
    assert_eq!(body["sdk_payload"]["payload"]["amount"], "10.00");
    assert_eq!(body["sdk_payload"]["payload"]["clientId"], "acme_client");
    let web = body["payment_links"]["web"].as_str().unwrap();
    let page = client().get(web).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<form"));
    assert_eq!(order_status(&sim, "ord-sess").await["status"], "NEW");
}

#[tokio::test]
async fn a_session_puts_the_amount_in_the_sdk_payload_with_the_currency_decimals() {
    let sim = start(None).await;
    for (order_id, amount, currency, expected) in [
        ("ord-sess-jpy", "500", "JPY", "500"),
        ("ord-sess-kwd", "12.3456", "KWD", "12.345"),
        ("ord-sess-usd", "7.5", "USD", "7.50"),
    ] {
        let body: Value = post(&sim, "/session")
            .json(&json!({
                "order_id": order_id,
                "amount": amount,
                "currency": currency,
                "payment_page_client_id": "acme_client",
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["sdk_payload"]["payload"]["amount"], expected);
        assert_eq!(body["sdk_payload"]["payload"]["currency"], currency);
    }
    let page = client()
        .get(format!("{}/pay/{MERCHANT}/ord-sess-kwd", sim.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("12.345 KWD"), "{page}");
}

#[tokio::test]
async fn a_charged_card_order_reports_txn_details_in_the_status_response() {
    let sim = start(None).await;
    create_order(&sim, "ord-card", "250").await;
    pay(
        &sim,
        "ord-card",
        json!({"outcome": "charged", "method": "CARD"}),
    )
    .await;
    let order = order_status(&sim, "ord-card").await;
    assert_eq!(order["status"], "CHARGED");
    assert_eq!(order["status_id"], 21);
    assert_eq!(order["txn_id"], format!("{MERCHANT}-ord-card-1"));
    assert_eq!(order["txn_uuid"].as_str().unwrap().len(), 19);
    assert_eq!(order["payment_method_type"], "CARD");
    assert_eq!(order["card"]["card_brand"], "VISA");
    assert_eq!(order["txn_detail"]["status"], "CHARGED");
    assert_eq!(order["txn_detail"]["gateway"], "RAZORPAY");
    assert_eq!(order["payment_gateway_response"]["resp_code"], "SUCCESS");
    assert_eq!(order["refunds"], json!([]));
}

#[tokio::test]
async fn each_payment_method_is_reported_with_its_juspay_type() {
    let sim = start(None).await;
    let cases = [
        ("UPI", "UPI", "CHARGED"),
        ("WALLET", "WALLET", "CHARGED"),
        ("NB", "NB", "CHARGED"),
        ("PAY_LATER", "CONSUMER_FINANCE", "CHARGED"),
        ("COD", "CASH", "COD_INITIATED"),
    ];
    for (index, (sent, wire, status)) in cases.into_iter().enumerate() {
        let order_id = format!("ord-m-{index}");
        create_order(&sim, &order_id, "10").await;
        pay(
            &sim,
            &order_id,
            json!({"outcome": "charged", "method": sent}),
        )
        .await;
        let order = order_status(&sim, &order_id).await;
        assert_eq!(order["payment_method_type"], wire);
        assert_eq!(order["status"], status);
    }
}

#[tokio::test]
async fn a_failed_attempt_can_be_retried_with_the_next_txn_suffix() {
    let sim = start(None).await;
    create_order(&sim, "ord-retry", "10").await;
    let failed = pay(
        &sim,
        "ord-retry",
        json!({"outcome": "failed", "reason": "INSUFFICIENT_FUNDS"}),
    )
    .await;
    assert_eq!(failed["status"], "AUTHORIZATION_FAILED");
    assert_eq!(failed["status_id"], 27);
    let order = order_status(&sim, "ord-retry").await;
    assert_eq!(order["bank_error_code"], "INSUFFICIENT_FUNDS");
    let retried = pay(&sim, "ord-retry", json!({"outcome": "charged"})).await;
    assert_eq!(retried["txn_id"], format!("{MERCHANT}-ord-retry-2"));
    assert_eq!(order_status(&sim, "ord-retry").await["status"], "CHARGED");
    let third = client()
        .post(format!("{}/__sim/orders/ord-retry/pay", sim.base_url()))
        .json(&json!({"outcome": "charged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), 400);
}

#[tokio::test]
async fn a_preauthorised_order_can_be_partially_captured_and_another_voided() {
    let sim = start(None).await;
    for order_id in ["ord-cap", "ord-void"] {
        let response = post(&sim, "/orders")
            .form(&[
                ("order_id", order_id),
                ("amount", "100"),
                ("metadata.txns.auto_capture", "false"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let paid = pay(&sim, order_id, json!({"outcome": "charged"})).await;
        assert_eq!(paid["status"], "AUTHORIZED");
    }
    let uuid = order_status(&sim, "ord-cap").await["txn_uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let captured: Value = post(&sim, &format!("/v2/txns/{uuid}/capture"))
        .json(&json!({"amount": "40.00", "idempotence_key": "cap-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(captured["status"], "PARTIAL_CHARGED");
    assert_eq!(captured["maximum_eligible_refund_amount"], json!(40));
    let uuid = order_status(&sim, "ord-void").await["txn_uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let voided: Value = post(&sim, &format!("/v2/txns/{uuid}/void"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(voided["status"], "VOIDED");
    assert_eq!(voided["status_id"], 31);
}

#[tokio::test]
async fn a_txns_call_opens_a_pending_attempt_that_the_hosted_page_completes() {
    let sim = start(None).await;
    create_order(&sim, "ord-txn", "10").await;
    let txn: Value = client()
        .post(format!("{}/txns", sim.base_url()))
        .form(&[
            ("order_id", "ord-txn"),
            ("merchant_id", MERCHANT),
            ("payment_method_type", "UPI"),
            ("format", "json"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(txn["status"], "PENDING_VBV");
    assert_eq!(txn["txn_id"], format!("{MERCHANT}-ord-txn-1"));
    let url = txn["payment"]["authentication"]["url"].as_str().unwrap();
    let redirect = client()
        .post(url)
        .form(&[("choice", "charged"), ("method", "UPI")])
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 303);
    let order = order_status(&sim, "ord-txn").await;
    assert_eq!(order["status"], "CHARGED");
    assert_eq!(order["txn_id"], format!("{MERCHANT}-ord-txn-1"));
}

#[tokio::test]
async fn customers_are_created_and_found_by_id_or_reference() {
    let sim = start(None).await;
    let created: Value = post(&sim, "/customers")
        .form(&[
            ("object_reference_id", "customer@example.com"),
            ("mobile_number", "9988776655"),
            ("first_name", "Asha"),
            ("options.get_client_auth_token", "true"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("cst_"));
    assert_eq!(created["object"], "customer");
    assert_eq!(created["last_name"], Value::Null);
    assert!(created["juspay"]["client_auth_token"].is_string());
    let by_ref: Value = get(&sim, "/customers/customer@example.com")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_ref["id"], id);
    let duplicate = post(&sim, "/customers")
        .json(&json!({"object_reference_id": "customer@example.com", "mobile_number": "1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), 400);
    let missing = get(&sim, "/customers/nobody").send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn each_merchant_sees_only_its_own_orders_even_with_the_same_order_id() {
    let sim = juspay_sim::Simulator::start(juspay_sim::SimConfig {
        extra_merchants: vec![juspay_sim::MerchantAccount {
            merchant_id: "globex".to_owned(),
            api_key: "globex_key".to_owned(),
        }],
        ..crate::support::config(None)
    })
    .await
    .unwrap();
    create_order(&sim, "shared-id", "10").await;
    let globex = |path: &str| {
        client()
            .get(format!("{}{path}", sim.base_url()))
            .basic_auth("globex_key", Some(""))
            .header("x-merchantid", "globex")
    };
    assert_eq!(
        globex("/orders/shared-id").send().await.unwrap().status(),
        404
    );
    let created: Value = client()
        .post(format!("{}/orders", sim.base_url()))
        .basic_auth("globex_key", Some(""))
        .header("version", "2023-06-30")
        .form(&[
            ("order_id", "shared-id"),
            ("amount", "77"),
            ("return_url", "https://globex.example/r"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["merchant_id"], "globex");
    let link = created["payment_links"]["web"].as_str().unwrap();
    assert!(link.contains("/pay/globex/shared-id"), "{link}");
    let redirect = client()
        .post(link)
        .form(&[("choice", "charged")])
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 303);
    let theirs: Value = globex("/orders/shared-id")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["status"], "CHARGED");
    assert_eq!(theirs["txn_id"], "globex-shared-id-1");
    let ours = order_status(&sim, "shared-id").await;
    assert_eq!(ours["status"], "NEW");
    assert_eq!(ours["amount"], json!(10));
    let wrong_header = globex("/orders/shared-id")
        .header("x-merchant-id", MERCHANT)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_header.status(), 401);
    assert_eq!(
        sim.handle().order_of("globex", "shared-id").unwrap()["amount"],
        json!(77)
    );
}

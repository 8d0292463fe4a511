//! The merchant server's SDK endpoints: a session through Juspay's `/session`, and signed
//! initiate/process payloads whose signed strings verify with the public key.

use serde_json::{Value, json};

use crate::{helpers::bare_client, sim_test};

const TOKEN: &str = "merchant app token 123";
const KEY_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/test-only-sdk-key.pem"
);
const PUBLIC_KEY: &str = include_str!("../fixtures/test-only-sdk-key.pub.pem");

fn settings() -> String {
    format!(
        "[merchant_api]\ntoken = \"{TOKEN}\"\npayment_page_client_id = \"shop_android\"\n\
         sdk_key_id = \"2980\"\nsdk_private_key_file = \"{KEY_FILE}\"\n"
    )
}

async fn post(
    app: &crate::helpers::TestApp,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut request = bare_client().post(app.url(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

sim_test!(
    the_app_gets_a_session_payload_and_the_order_is_stored_new,
    &settings(),
    |app, sim| {
        let body = json!({"order_id": "app_1", "amount": "499.00", "customer_id": "cst_9"});
        let (status, _) = post(app, "/merchant-api/session", None, body.clone()).await;
        assert_eq!(status, 401, "no token");
        let (status, _) = post(app, "/merchant-api/session", Some("wrong"), body.clone()).await;
        assert_eq!(status, 401, "wrong token");

        let (status, answer) = post(app, "/merchant-api/session", Some(TOKEN), body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["order_id"], "app_1");
        assert!(
            answer["sdk_payload"]["payload"]["clientAuthToken"].is_string(),
            "{answer}"
        );
        assert!(
            answer["payment_links"]["web"]
                .as_str()
                .unwrap()
                .contains("/pay/")
        );
        assert!(sim.handle().order("app_1").is_some(), "created at Juspay");
        let order = app.db.store().find_order("app_1").await.unwrap().unwrap();
        assert_eq!((order.status.as_str(), order.amount), ("NEW", 49_900));
        let audit = app.db.store().list_audit_for("app_1", 5).await.unwrap();
        assert_eq!(audit[0].actor, "merchant-app");

        let (status, _) = post(
            app,
            "/merchant-api/session",
            Some(TOKEN),
            json!({"amount": "-1"}),
        )
        .await;
        assert_eq!(status, 422, "a bad amount is refused");

        let held = json!({"order_id": "app_held", "amount": "120.00", "pre_auth": true});
        let (status, answer) = post(app, "/merchant-api/session", Some(TOKEN), held).await;
        assert_eq!(status, 200, "{answer}");
        let at_sim = sim.handle().order("app_held").unwrap();
        assert_eq!(
            at_sim["metadata"]["txns.auto_capture"], "false",
            "asked to authorise only: {at_sim}"
        );
    }
);

sim_test!(
    signed_payloads_carry_the_signed_strings_verbatim,
    &settings(),
    |app, _sim| {
        let body =
            json!({"amount": 10.5, "customer_id": "cst_9", "customer_email": "A@Example.com"});
        let (status, answer) = post(app, "/merchant-api/signed-payloads", Some(TOKEN), body).await;
        assert_eq!(status, 200, "{answer}");
        let order_id = answer["order_id"].as_str().unwrap();
        for (request, field) in [
            ("initiate", "signaturePayload"),
            ("process", "orderDetails"),
        ] {
            let payload = &answer[request]["payload"];
            let signed = payload[field].as_str().unwrap();
            let signature = payload["signature"].as_str().unwrap();
            assert_eq!(payload["merchantKeyId"], "2980");
            assert!(
                juspay::verify_sdk_signature(PUBLIC_KEY, signed, signature).unwrap(),
                "{request} verifies with the public key"
            );
            assert!(
                !juspay::verify_sdk_signature(PUBLIC_KEY, &signed.replace('9', "8"), signature)
                    .unwrap(),
                "a changed string does not"
            );
        }
        let details: Value = serde_json::from_str(
            answer["process"]["payload"]["orderDetails"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(details["order_id"], order_id);
        assert_eq!(details["amount"], "10.50");
        assert_eq!(details["customer_email"], "a@example.com");
        let order = app.db.store().find_order(order_id).await.unwrap().unwrap();
        assert_eq!((order.status.as_str(), order.amount), ("NEW", 1_050));
    }
);

//! `POST /callbacks/jpsl`: JPSL payment advice verified by its `secureHash`, stored and
//! applied through the same pipeline as Juspay's webhooks.

use dashboard_core::webhooks::{
    jpsl::{Fields, secure_hash},
    store::WebhookFilter,
};

use dashboard_status::OrderStatus;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::{
    app_test,
    helpers::{TestApp, bare_client, eventually},
};

const SETTINGS: &str = "[jpsl]\nmerchant_id = \"JP1\"\nsecret = \"jpsl secret for tests\"\n";

fn advice(order: &str, code: &str, amount: &str, txn: &str) -> Fields {
    json!({"merchantId": "JP1", "merchantTxnNo": order, "txnID": txn, "paymentID": format!("p{txn}"),
        "amount": amount, "responseCode": code, "paymentMode": "UPI",
        "paymentInstId": "buyer@upi", "acqName": null, "TransmissionDateTime": "20251123120000"})
    .as_object()
    .unwrap()
    .clone()
    .into_iter()
    .collect()
}

fn signed(mut fields: Fields, secret: &str) -> Fields {
    let hash = secure_hash(&fields, &SecretString::from(secret));
    fields.insert("secureHash".into(), Value::String(hash));
    fields
}

async fn post_json(app: &TestApp, fields: &Fields) -> u16 {
    let res = bare_client()
        .post(app.url("/callbacks/jpsl"))
        .json(fields)
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

async fn post_form(app: &TestApp, fields: &Fields) -> u16 {
    let pairs: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k.clone(), s.clone())),
            Value::Null => None,
            other => Some((k.clone(), other.to_string())),
        })
        .collect();
    let res = bare_client()
        .post(app.url("/callbacks/jpsl"))
        .form(&pairs)
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

async fn order_status(app: &TestApp, order_id: &str) -> Option<OrderStatus> {
    app.db
        .store()
        .find_order(order_id)
        .await
        .unwrap()
        .map(|o| o.status)
}

app_test!(
    signed_json_and_form_callbacks_are_applied_and_shown_with_their_source,
    SETTINGS,
    |app| {
        assert_eq!(
            post_json(
                app,
                &signed(
                    advice("jp_1", "0000", "10.00", "t1"),
                    "jpsl secret for tests"
                )
            )
            .await,
            200
        );
        assert_eq!(
            post_form(
                app,
                &signed(
                    advice("jp_2", "0000", "20.00", "t2"),
                    "jpsl secret for tests"
                )
            )
            .await,
            200
        );
        for order in ["jp_1", "jp_2"] {
            eventually("the callback is applied", || async {
                order_status(app, order).await == Some(OrderStatus::Charged)
            })
            .await;
        }
        let order = app.db.store().find_order("jp_2").await.unwrap().unwrap();
        assert_eq!((order.source.as_str(), order.amount), ("jpsl", 2_000));
        assert_eq!(order.payer_vpa.as_deref(), Some("buyer@upi"));
        app.login_as_admin().await;
        let page: Value = app
            .call("list_webhooks", &[("source", "jpsl")])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            page["rows"].as_array().unwrap().len(),
            2,
            "the log filters by source"
        );
        let list = app.get("/orders").await.text().await.unwrap();
        assert!(list.contains(">JPSL<"), "orders show their source");
    }
);

app_test!(
    bad_hashes_foreign_merchants_and_duplicates_are_kept_apart,
    SETTINGS,
    |app| {
        let forged = signed(advice("jp_x", "0000", "10.00", "t9"), "guess");
        assert_eq!(
            post_json(app, &forged).await,
            401,
            "retried by the gateway, never applied"
        );
        let mut foreign = advice("jp_y", "0000", "10.00", "t8");
        foreign.insert("merchantId".into(), json!("JP9"));
        assert_eq!(
            post_json(app, &signed(foreign, "jpsl secret for tests")).await,
            200,
            "not ours: no retry storm"
        );
        let good = signed(
            advice("jp_z", "0000", "10.00", "t7"),
            "jpsl secret for tests",
        );
        assert_eq!(post_json(app, &good).await, 200);
        assert_eq!(post_json(app, &good).await, 200);
        let store = app.db.store();
        eventually("the good one is applied", || async {
            order_status(app, "jp_z").await.is_some()
        })
        .await;
        assert!(order_status(app, "jp_x").await.is_none());
        assert!(order_status(app, "jp_y").await.is_none());
        let rejected = WebhookFilter {
            auth_verdict: Some("rejected".into()),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_webhook_events(&rejected, 10)
                .await
                .unwrap()
                .len(),
            2
        );
        let valid = WebhookFilter {
            auth_verdict: Some("valid".into()),
            ..Default::default()
        };
        let stored = store.list_webhook_events(&valid, 10).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(
            stored[0].duplicate_count, 1,
            "the repeat is recorded, not applied twice"
        );
    }
);

app_test!(
    a_jpsl_payment_of_another_amount_is_flagged_not_paid,
    SETTINGS,
    |app| {
        assert_eq!(
            post_json(
                app,
                &signed(
                    advice("jp_m", "R1000", "100.00", "t5"),
                    "jpsl secret for tests"
                )
            )
            .await,
            200
        );
        eventually("the pending callback is applied", || async {
            order_status(app, "jp_m").await == Some(OrderStatus::PendingVbv)
        })
        .await;
        assert_eq!(
            post_json(
                app,
                &signed(
                    advice("jp_m", "0000", "1.00", "t6"),
                    "jpsl secret for tests"
                )
            )
            .await,
            200
        );
        let store = app.db.store();
        eventually("the paid callback is judged", || async {
            store
                .find_order("jp_m")
                .await
                .unwrap()
                .unwrap()
                .amount_mismatch
                .is_some()
        })
        .await;
        assert_eq!(
            order_status(app, "jp_m").await,
            Some(OrderStatus::PendingVbv),
            "not marked paid"
        );
    }
);

app_test!(
    the_jpsl_browser_return_is_verified_and_shows_only_the_confirmed_state,
    SETTINGS,
    |app| {
        let visit = |fields: Fields| {
            let pairs: Vec<(String, String)> = fields
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                .collect();
            let url = app.url("/payments/jpsl-return");
            async move {
                let res = bare_client().post(url).form(&pairs).send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            }
        };
        // The browser claims success before any advice arrived: nothing is confirmed yet.
        let (status, page) = visit(signed(
            advice("jp_r", "0000", "5.00", "t3"),
            "jpsl secret for tests",
        ))
        .await;
        assert_eq!(status, 200);
        assert!(page.contains("Payment being confirmed"), "{page}");
        assert!(
            order_status(app, "jp_r").await.is_none(),
            "the return changes nothing"
        );

        assert_eq!(
            post_json(
                app,
                &signed(
                    advice("jp_r", "0000", "5.00", "t3"),
                    "jpsl secret for tests"
                )
            )
            .await,
            200
        );
        eventually("the advice is applied", || async {
            order_status(app, "jp_r").await == Some(OrderStatus::Charged)
        })
        .await;
        let (_, page) = visit(signed(
            advice("jp_r", "0000", "5.00", "t3"),
            "jpsl secret for tests",
        ))
        .await;
        assert!(page.contains("Payment received"), "{page}");
        let (status, page) = visit(signed(advice("jp_r", "0000", "5.00", "t3"), "nope")).await;
        assert_eq!(status, 400);
        assert!(page.contains("could not verify"));
    }
);

app_test!(
    the_simulator_sends_signed_jpsl_callbacks_with_its_faults,
    SETTINGS,
    |app| {
        use juspay_sim::{
            SimConfig, Simulator,
            jpsl::{JpslCallback, JpslConfig},
        };

        let sim = Simulator::start(SimConfig {
            jpsl: JpslConfig {
                callback_url: Some(app.url("/callbacks/jpsl")),
                merchant_id: "JP1".to_owned(),
                secret: "jpsl secret for tests".to_owned(),
            },
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let callback = |order: &str, fault: Option<&str>, form: bool| JpslCallback {
            order_id: order.to_owned(),
            amount: "42.00".to_owned(),
            outcome: "success".to_owned(),
            form,
            fault: fault.map(str::to_owned),
            delay_ms: 0,
        };
        let handle = sim.handle();
        assert_eq!(
            handle
                .send_jpsl(&callback("sim_a", None, false))
                .await
                .unwrap(),
            [200]
        );
        assert_eq!(
            handle
                .send_jpsl(&callback("sim_b", Some("duplicate"), true))
                .await
                .unwrap(),
            [200, 200]
        );
        assert_eq!(
            handle
                .send_jpsl(&callback("sim_c", Some("bad_hash"), false))
                .await
                .unwrap(),
            [401]
        );
        for order in ["sim_a", "sim_b"] {
            eventually("the simulated payment is applied", || async {
                order_status(app, order).await == Some(OrderStatus::Charged)
            })
            .await;
        }
        assert!(
            order_status(app, "sim_c").await.is_none(),
            "a bad hash is never applied"
        );
        sim.shutdown().await.unwrap();
    }
);

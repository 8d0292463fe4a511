//! `POST /webhooks/juspay`: authenticate, store raw, acknowledge after commit.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

use dashboard_status::{AuthVerdict, Outcome};
use reqwest::Response;

use crate::{app_test, helpers::TestApp};

const HOOK_USER: &str = "juspay";
const HOOK_PASSWORD: &str = "hook password for tests";
/// Processing is off here: these tests look at what ingest stored, before any processing.
const SETTINGS: &str = "[webhook]\npassword = \"hook password for tests\"\nmax_body_bytes = 4096\n\
                        max_rejected_kept = 3\n[processor]\nenabled = false\n";

/// Posts like Juspay does: JSON, Basic auth, no browser headers.
async fn deliver(app: &TestApp, credentials: Option<(&str, &str)>, body: &str) -> Response {
    dashboard_testkit::post_webhook(&app.url("/webhooks/juspay"), credentials, body).await
}

fn order_event(id: &str) -> String {
    dashboard_testkit::juspay_order_event(
        id,
        "ORDER_SUCCEEDED",
        serde_json::json!({"order_id": "ord_1", "status": "CHARGED", "status_id": "21",
            "amount": "100.00"}),
    )
}

app_test!(
    an_authenticated_webhook_is_stored_raw_before_the_200,
    SETTINGS,
    |app| {
        let body = order_event("evt_V2_a1");
        let res = deliver(app, Some((HOOK_USER, HOOK_PASSWORD)), &body).await;
        assert_eq!(res.status().as_u16(), 200);
        let events = app
            .db
            .store()
            .list_webhook_events(&Default::default(), 10)
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        let event = &events[0];
        assert_eq!(
            event.body,
            body.as_bytes(),
            "the raw body is kept byte for byte"
        );
        assert_eq!(event.event_id.as_deref(), Some("evt_V2_a1"));
        assert_eq!(event.event_name.as_deref(), Some("ORDER_SUCCEEDED"));
        assert_eq!(event.auth_verdict, AuthVerdict::Valid);
        assert_eq!(event.outcome, Outcome::Pending);
        assert!(
            event.lag_ms.unwrap() > 0,
            "lag from Juspay's date_created is recorded"
        );
        assert!(!event.headers.contains(HOOK_PASSWORD));
        assert!(event.headers.contains("[Basic credentials: valid]"));
    }
);

app_test!(
    a_repeated_event_is_acknowledged_and_recorded_as_a_duplicate,
    SETTINGS,
    |app| {
        let body = order_event("evt_V2_dup");
        for _ in 0..3 {
            let res = deliver(app, Some((HOOK_USER, HOOK_PASSWORD)), &body).await;
            assert_eq!(res.status().as_u16(), 200);
        }
        let events = app
            .db
            .store()
            .list_webhook_events(&Default::default(), 10)
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "stored once");
        assert_eq!(events[0].duplicate_count, 2);
    }
);

app_test!(
    wrong_or_missing_credentials_get_401_and_a_bounded_record,
    SETTINGS,
    |app| {
        let big = format!("{{\"junk\":\"{}\"}}", "x".repeat(3000));
        let res = deliver(app, Some((HOOK_USER, "guess")), &big).await;
        assert_eq!(res.status().as_u16(), 401);
        assert!(res.headers().contains_key("www-authenticate"));
        let res = deliver(app, None, &order_event("evt_V2_b")).await;
        assert_eq!(res.status().as_u16(), 401);
        let events = app
            .db
            .store()
            .list_webhook_events(&Default::default(), 10)
            .await
            .unwrap();
        assert_eq!(events.len(), 2);
        assert!(
            events
                .iter()
                .all(|e| e.auth_verdict == AuthVerdict::Rejected && e.outcome == Outcome::Rejected)
        );
        let truncated = events
            .iter()
            .find(|e| e.body_truncated)
            .expect("the long body is truncated");
        assert_eq!(truncated.body.len(), 1024);
        assert!(
            !truncated.headers.contains("guess"),
            "the tried password is not kept"
        );
        for _ in 0..4 {
            deliver(app, None, "{}").await;
        }
        let kept = app
            .db
            .store()
            .list_webhook_events(&Default::default(), 100)
            .await
            .unwrap();
        assert_eq!(
            kept.len(),
            3,
            "rejections are capped by webhook.max_rejected_kept"
        );
    }
);

app_test!(
    an_unreadable_body_with_valid_credentials_is_stored_as_an_error_and_acknowledged,
    SETTINGS,
    |app| {
        let res = deliver(app, Some((HOOK_USER, HOOK_PASSWORD)), "{not json").await;
        assert_eq!(res.status().as_u16(), 200, "a retry would not fix it");
        let events = app
            .db
            .store()
            .list_webhook_events(&Default::default(), 10)
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].outcome, Outcome::ParseError);
        assert!(
            events[0]
                .outcome_detail
                .as_deref()
                .is_some_and(|d| !d.is_empty())
        );
        assert_eq!(events[0].body, b"{not json");
    }
);

app_test!(
    an_over_size_body_is_refused_before_it_is_stored,
    SETTINGS,
    |app| {
        let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(10_000));
        let res = deliver(app, Some((HOOK_USER, HOOK_PASSWORD)), &huge).await;
        assert_eq!(res.status().as_u16(), 413);
        assert!(
            app.db
                .store()
                .list_webhook_events(&Default::default(), 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

app_test!(
    webhooks_are_answered_503_until_credentials_are_configured,
    |app| {
        let res = deliver(
            app,
            Some((HOOK_USER, HOOK_PASSWORD)),
            &order_event("evt_V2_c"),
        )
        .await;
        assert_eq!(
            res.status().as_u16(),
            503,
            "Juspay retries a non-200 later (§9.4)"
        );
        assert!(
            app.db
                .store()
                .list_webhook_events(&Default::default(), 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

app_test!(
    the_webhook_log_lists_filters_and_shows_one_delivery,
    SETTINGS,
    |app| {
        deliver(
            app,
            Some((HOOK_USER, HOOK_PASSWORD)),
            &order_event("evt_V2_log1"),
        )
        .await;
        let failed = r#"{"id":"evt_V2_log2","event_name":"ORDER_FAILED","content":{"order":{"order_id":"ord_77"}}}"#;
        deliver(app, Some((HOOK_USER, HOOK_PASSWORD)), failed).await;
        deliver(app, Some((HOOK_USER, "wrong")), "{}").await;
        app.login_as_admin().await;

        let all = app.get("/webhooks").await.text().await.unwrap();
        for expected in [
            "<td>ORDER_SUCCEEDED<",
            "<td>ORDER_FAILED<",
            "rejected",
            "ord_77",
        ] {
            assert!(all.contains(expected), "{expected} listed");
        }
        let only_failed = app
            .get("/webhooks?event=order_failed")
            .await
            .text()
            .await
            .unwrap();
        assert!(only_failed.contains("ord_77"));
        assert!(!only_failed.contains("<td>ORDER_SUCCEEDED<"));
        let by_verdict = app
            .get("/webhooks?verdict=rejected")
            .await
            .text()
            .await
            .unwrap();
        assert!(!by_verdict.contains("ord_77"));

        let bad_date = app.get("/webhooks?from=someday").await;
        assert_eq!(bad_date.status().as_u16(), 422);
        assert!(bad_date.text().await.unwrap().contains("Use a date like"));

        let events = app
            .db
            .store()
            .list_webhook_events(&Default::default(), 10)
            .await
            .unwrap();
        let failed_id = events
            .iter()
            .find(|e| e.order_id.as_deref() == Some("ord_77"))
            .unwrap()
            .id;
        let detail = app.get(&format!("/webhooks/{failed_id}")).await;
        assert_eq!(detail.status().as_u16(), 200);
        let html = detail.text().await.unwrap();
        assert!(html.contains("evt_V2_log2"));
        assert!(html.contains("[Basic credentials: valid]"));
        assert!(!html.contains(HOOK_PASSWORD));
        assert_eq!(app.get("/webhooks/999999").await.status().as_u16(), 404);
    }
);

app_test!(the_webhook_log_pages_older_deliveries, SETTINGS, |app| {
    for i in 0..53 {
        deliver(
            app,
            Some((HOOK_USER, HOOK_PASSWORD)),
            &order_event(&format!("evt_page_{i}")),
        )
        .await;
    }
    app.login_as_admin().await;
    let first: serde_json::Value = app
        .client
        .post(app.url("/api/list_webhooks"))
        .header("accept", "application/json")
        .form(&[("event", "ORDER_SUCCEEDED")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["rows"].as_array().unwrap().len(), 50);
    let before = first["next_before"].as_i64().expect("a next page");
    let html = app
        .get(&format!("/webhooks?event=ORDER_SUCCEEDED&before={before}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        html.matches("<tr>").count(),
        1 + 3,
        "header row and the 3 oldest deliveries"
    );
    assert!(!html.contains("Older deliveries"));

    // The event filter is a picker over the names Juspay sends; several may be ticked.
    let names: Vec<String> = app
        .call("webhook_event_names", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(names.iter().any(|n| n == "CHARGEBACK_RECEIVED") && names.is_sorted());
    let html = app
        .get(&format!(
            "/webhooks?event=ORDER_FAILED&event=ORDER_SUCCEEDED&before={before}"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("<tr>").count(), 1 + 3, "either name matches");
    assert!(
        html.contains(r#"name="event" value="ORDER_FAILED" checked"#)
            && html.contains(r#"name="event" value="ORDER_SUCCEEDED" checked"#),
        "both stay ticked"
    );
});

app_test!(
    an_orders_page_lists_the_webhooks_that_named_it,
    "[webhook]\npassword = \"hook password for tests\"\n",
    |app| {
        deliver(
            app,
            Some((HOOK_USER, HOOK_PASSWORD)),
            &order_event("evt_V2_o1"),
        )
        .await;
        let other = r#"{"id":"evt_V2_o2","event_name":"ORDER_FAILED","content":{"order":{"order_id":"ord_other"}}}"#;
        deliver(app, Some((HOOK_USER, HOOK_PASSWORD)), other).await;
        app.login_as_admin().await;
        let store = app.db.store();
        crate::helpers::eventually("the order is recorded", || async {
            store.find_order("ord_1").await.unwrap().is_some()
        })
        .await;
        let html = app.get("/orders/ord_1").await.text().await.unwrap();
        assert!(html.contains("Webhook ORDER_SUCCEEDED received"));
        assert!(!html.contains("ORDER_FAILED"));
        let log = app.get("/webhooks").await.text().await.unwrap();
        assert!(
            log.contains("href=\"/orders/ord_other\""),
            "the log links to the order"
        );
    }
);

//! The health page: figures for seeded orders with known answers, charts readable without
//! JavaScript, breakdown rows linking to the filtered order list; alerts raised in the
//! background, shown in the banner, acknowledged, resolved and notified.

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use dashboard_core::{
    clock::now_millis,
    health::{alert_store::Condition, alerts::sign_notification},
    orders::model::OrderRow,
    store::Backend,
};
use secrecy::SecretString;
use serde_json::Value;

use crate::{
    app_test,
    helpers::{TestApp, eventually},
};

fn order(id: &str, status: &str, gateway: &str, age_ms: i64) -> OrderRow {
    let now = now_millis();
    OrderRow {
        order_id: id.into(),
        source: "juspay".into(),
        status: status.into(),
        amount: 1_000,
        currency: "INR".into(),
        udfs: "{}".into(),
        gateway: Some(gateway.into()),
        payment_method_type: Some("UPI".into()),
        created_at: now - age_ms - 5_000,
        updated_at: now - age_ms,
        terminal_at: Some(now - age_ms),
        ..OrderRow::default()
    }
}

app_test!(
    the_health_page_shows_success_rates_with_charts_and_links,
    |app| {
        let store = app.db.store();
        let rows = [
            order("h1", "CHARGED", "RAZORPAY", 60_000),
            order("h2", "CHARGED", "RAZORPAY", 60_000),
            order("h3", "AUTHORIZATION_FAILED", "RAZORPAY", 60_000),
            order("h4", "CHARGED", "PAYU", 60_000),
            order("h5", "CHARGED", "PAYU", 3 * 86_400_000),
        ];
        for row in &rows {
            let mut tx = store.begin().await.unwrap();
            tx.insert_order_for_test(row).await.unwrap();
            tx.commit().await.unwrap();
        }
        app.login_as_admin().await;
        let day: Value = app
            .call("get_health", &[("window", "day")])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            day["overall"]["attempts"], 4,
            "the 3-day-old order is outside the day"
        );
        assert_eq!(day["overall"]["succeeded"], 3);
        let week: Value = app
            .call("get_health", &[("window", "week")])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(week["overall"]["attempts"], 5);
        let razorpay = day["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["dimension"] == "gateway" && r["key"] == "RAZORPAY")
            .unwrap()
            .clone();
        assert!((razorpay["percent"].as_f64().unwrap() - 200.0 / 3.0).abs() < 1e-6);
        assert_eq!(razorpay["href"], "/orders?gateway=RAZORPAY");
        let page = app.get("/health?window=day").await.text().await.unwrap();
        let svg = page
            .find("<svg")
            .map(|i| &page[i..(i + 300).min(page.len())]);
        assert!(
            svg.is_some_and(
                |s| s.contains("role=\"group\"") && s.contains("Success rate over time")
            ),
            "the rate over time as an SVG chart without JavaScript: {svg:?}"
        );
        assert!(
            page.contains("tabindex=\"0\" aria-label=\"All payments, ")
                && page.contains("Show the figures as a table"),
            "each point's figures on focus, and all of them as a table"
        );
        assert!(
            page.contains("RAZORPAY 66.7% of 3"),
            "the chart has an accessible label"
        );
        assert!(page.contains("href=\"/orders?gateway=RAZORPAY\""));
        assert!(page.contains("75.0% of 4 payments"));
        assert_eq!(
            app.call("get_health", &[("window", "year")])
                .await
                .status()
                .as_u16(),
            422
        );
        // Days as the reader lives them: the tests' default zone, Asia/Kolkata.
        let zone = dashboard_core::clock::Zone::named("Asia/Kolkata").unwrap();
        let day_text = |ms: i64| zone.format(ms)[..10].to_owned();
        let (yesterday, today) = (day_text(now_millis() - 86_400_000), day_text(now_millis()));
        let custom: Value = app
            .call(
                "get_health",
                &[
                    ("window", "custom"),
                    ("from", &yesterday),
                    ("until", &today),
                ],
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            custom["overall"]["attempts"], 4,
            "yesterday and today, whole days in the reader's zone: the 3-day-old order is out"
        );
        assert!(
            page.contains("Success rate over time"),
            "the time chart is drawn"
        );
        let backwards = app
            .call(
                "get_health",
                &[
                    ("window", "custom"),
                    ("from", "2026-11-20"),
                    ("until", "2026-11-19"),
                ],
            )
            .await;
        assert_eq!(backwards.status().as_u16(), 422);
    }
);

/// The app's `/metrics`, parsed back as Prometheus text.
async fn scrape(app: &TestApp) -> Vec<prometheus_parse::Sample> {
    let text = crate::helpers::bare_client()
        .get(app.url("/metrics"))
        .bearer_auth("scrape token for tests")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .unwrap_or_else(|e| panic!("{e}: {text}"))
        .samples
}

fn sample<'a>(
    samples: &'a [prometheus_parse::Sample],
    name: &str,
    labels: &[(&str, &str)],
) -> Option<&'a prometheus_parse::Sample> {
    samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
}

/// A sample's value; for a histogram, its count (the largest cumulative bucket).
fn number(samples: &[prometheus_parse::Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    match sample(samples, name, labels).map(|s| &s.value) {
        Some(prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Counter(v)) => *v,
        Some(prometheus_parse::Value::Histogram(buckets)) => {
            buckets.iter().map(|b| b.count).fold(0.0, f64::max)
        }
        other => panic!("{name} {labels:?}: {other:?}"),
    }
}

crate::sim_test!(
    metrics_need_the_token_parse_as_prometheus_text_and_keep_hostile_labels_out,
    "[metrics]\ntoken = \"scrape token for tests\"\n",
    |app, _sim| {
        let store = app.db.store();
        let hostile = "EVIL\"} 1\nfake_metric{a=\"b\"} 9";
        for row in [
            order("m1", "CHARGED", "PAYU", 10_000),
            order("m2", "AUTHORIZATION_FAILED", "PAYU", 10_000),
            order("m3", "CHARGED", hostile, 10_000),
        ] {
            let mut tx = store.begin().await.unwrap();
            tx.insert_order_for_test(&row).await.unwrap();
            tx.commit().await.unwrap();
        }
        crate::helpers::deliver_processed(
            app,
            &dashboard_testkit::juspay_order_event(
                "evt_metrics",
                "ORDER_SUCCEEDED",
                serde_json::json!({"order_id": "m1", "status": "CHARGED", "amount": "10.00",
                    "currency": "INR"}),
            ),
        )
        .await;
        app.login_as_admin().await;
        app.call("sync_order", &[("order_id", "m9_unknown_to_juspay")])
            .await;
        assert_eq!(app.get("/orders/m1").await.status().as_u16(), 200);

        let client = crate::helpers::bare_client();
        let url = app.url("/metrics");
        let refused = client.get(&url).send().await.unwrap();
        assert_eq!(refused.status().as_u16(), 401);
        let wrong = client.get(&url).bearer_auth("guess").send().await.unwrap();
        assert_eq!(wrong.status().as_u16(), 401);

        let samples = scrape(app).await;
        assert!(
            samples.iter().all(|s| s.metric != "fake_metric"),
            "no forged series"
        );
        for s in &samples {
            if let Some(gateway) = s.labels.get("gateway") {
                assert!(
                    gateway == "other"
                        || dashboard_core::telemetry::KNOWN_GATEWAYS.contains(&gateway),
                    "unbounded gateway label {gateway:?}"
                );
            }
        }
        let ratio = |labels: &[(&str, &str)]| {
            number(
                &samples,
                "dashboard_payment_success_ratio_by_gateway",
                labels,
            )
        };
        assert_eq!(ratio(&[("window", "24h"), ("gateway", "PAYU")]), 0.5);
        assert_eq!(ratio(&[("window", "24h"), ("gateway", "other")]), 1.0);
        let overall = number(
            &samples,
            "dashboard_payment_success_ratio",
            &[("window", "1h")],
        );
        assert!((overall - 2.0 / 3.0).abs() < 1e-9, "{overall}");
        assert_eq!(number(&samples, "dashboard_webhook_backlog", &[]), 0.0);
        assert!(
            sample(
                &samples,
                "dashboard_alerts_open",
                &[("kind", "success_rate")]
            )
            .is_some()
        );
        assert!(
            number(
                &samples,
                "dashboard_webhooks_received_total",
                &[("source", "juspay"), ("result", "stored")]
            ) >= 1.0
        );
        assert!(
            samples
                .iter()
                .any(|s| s.metric == "dashboard_webhooks_processed_total"),
            "processed webhooks are counted by outcome"
        );
        assert!(
            number(
                &samples,
                "http_request_duration_seconds",
                &[
                    ("route", "/webhooks/juspay"),
                    ("method", "POST"),
                    ("status", "200")
                ]
            ) >= 1.0,
            "requests by route template, method and status"
        );
        let routes: Vec<&str> = samples
            .iter()
            .filter_map(|s| s.labels.get("route"))
            .collect();
        assert!(
            routes.iter().any(|r| r.starts_with("/orders/:")),
            "{routes:?}"
        );
        assert!(
            routes.iter().all(|r| !r.contains("m1")),
            "ids never become labels: {routes:?}"
        );
        assert!(
            number(
                &samples,
                "dashboard_juspay_request_duration_seconds",
                &[("endpoint", "/orders/:id")]
            ) >= 1.0,
            "the sync's call to Juspay is timed by endpoint template"
        );
    }
);

/// Notifications received: (timestamp header, signature header, body), and how many times
/// each body was refused so far (the first two tries of every body are answered 500).
#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<(String, String, String)>>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut seen = receiver.seen.lock().unwrap();
    let tries = seen.iter().filter(|(_, _, b)| *b == body).count();
    seen.push((
        header("x-dashboard-timestamp"),
        header("x-dashboard-signature"),
        body,
    ));
    if tries < 2 {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

async fn start_receiver() -> (Receiver, String) {
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (receiver, url)
}

const NOTIFY_SECRET: &str = "notify secret for tests";

/// Distinct notification bodies of `event`, each checked: signed with the secret over
/// timestamp and body, tried three times (refused twice, then taken), never more.
fn delivered(receiver: &Receiver, event: &str) -> Vec<Value> {
    let seen = receiver.seen.lock().unwrap().clone();
    let mut bodies: Vec<String> = seen.iter().map(|(_, _, b)| b.clone()).collect();
    bodies.sort();
    bodies.dedup();
    let secret = SecretString::from(NOTIFY_SECRET);
    for (timestamp, signature, body) in &seen {
        let ts: i64 = timestamp.parse().expect("a Unix timestamp");
        assert_eq!(*signature, sign_notification(&secret, ts, body.as_bytes()));
    }
    bodies
        .into_iter()
        .filter(|b| seen.iter().filter(|(_, _, s)| s == b).count() == 3)
        .map(|b| serde_json::from_str::<Value>(&b).unwrap())
        .filter(|v| v["event"] == event && v["alert"]["kind"] == "success_rate")
        .collect()
}

async fn alerts_are_raised_shown_acknowledged_resolved_and_notified(backend: Backend) {
    let (receiver, hook) = start_receiver().await;
    let app = TestApp::spawn_with(
        backend,
        &format!(
            "[alerts]\ninterval_seconds = 1\nmin_attempts = 4\nnotify_url = \"{hook}\"\n\
             notify_secret = \"{NOTIFY_SECRET}\"\nnotify_backoff_seconds = 1\n"
        ),
    )
    .await;
    let store = app.db.store();
    let mut rows = vec![order("a1", "CHARGED", "PAYU", 60_000)];
    for i in 0..3 {
        rows.push(order(
            &format!("a{i}f"),
            "AUTHORIZATION_FAILED",
            "PAYU",
            60_000,
        ));
    }
    for row in &rows {
        let mut tx = store.begin().await.unwrap();
        tx.insert_order_for_test(row).await.unwrap();
        tx.commit().await.unwrap();
    }
    // The orders were created without any webhook, so a silence alert opens too; this test
    // follows the success-rate ones.
    let rate_alerts = || async {
        store
            .open_alerts()
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.kind == "success_rate")
            .count()
    };
    eventually(
        "the low success rate opens alerts overall and for PAYU",
        || async { rate_alerts().await == 2 },
    )
    .await;
    app.login_as_admin().await;
    let page = app.get("/orders").await.text().await.unwrap();
    assert!(
        page.contains("Success rate 25.0 % overall"),
        "the banner is on every page"
    );
    assert!(page.contains(">Acknowledge<"));
    let overall = store
        .open_alerts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.alert_key == "success_rate:overall")
        .unwrap();
    let res = app
        .call("acknowledge_alert", &[("id", &overall.id.to_string())])
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let page = app.get("/health").await.text().await.unwrap();
    assert!(
        !page.contains("<strong>Success rate 25.0 % overall"),
        "acknowledged: gone from the banner"
    );
    assert!(page.contains("by admin at"), "kept in the history: {page}");
    let audit = store.list_audit(20).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "alert.acknowledge"));
    eventually(
        "both openings are notified, signed, after two refusals",
        || async { delivered(&receiver, "alert.opened").len() == 2 },
    )
    .await;

    for i in 0..40 {
        let row = order(&format!("ok{i}"), "CHARGED", "PAYU", 30_000);
        let mut tx = store.begin().await.unwrap();
        tx.insert_order_for_test(&row).await.unwrap();
        tx.commit().await.unwrap();
    }
    eventually("41 of 44 paid (93 %) resolves both", || async {
        rate_alerts().await == 0
    })
    .await;
    eventually("both resolutions are notified", || async {
        delivered(&receiver, "alert.resolved").len() == 2
    })
    .await;
    let resolved = delivered(&receiver, "alert.resolved");
    assert!(resolved.iter().all(|v| v["alert"]["resolved_at"].is_i64()));
    app.finish().await;
}

#[tokio::test]
async fn alerts_are_raised_shown_acknowledged_resolved_and_notified_on_sqlite() {
    alerts_are_raised_shown_acknowledged_resolved_and_notified(Backend::Sqlite).await;
}

#[tokio::test]
async fn alerts_are_raised_shown_acknowledged_resolved_and_notified_on_postgres() {
    alerts_are_raised_shown_acknowledged_resolved_and_notified(Backend::Postgres).await;
}

// The evaluator is off: it would resolve this hand-made alert.
app_test!(
    a_viewer_cannot_acknowledge_an_alert,
    "[alerts]\nenabled = false\n",
    |app| {
        let store = app.db.store();
        let condition = Condition {
            key: "auth_failures".into(),
            kind: "auth_failures".into(),
            message: "25 refused".into(),
        };
        let opened = store.sync_alerts(&[condition], now_millis()).await.unwrap();
        app.login_as_admin().await;
        app.create_user("vera", "viewer password 1", "viewer").await;
        app.login("vera", "viewer password 1").await;
        let page = app.get("/orders").await.text().await.unwrap();
        assert!(page.contains("25 refused"), "viewers see the banner");
        assert!(
            !page.contains(">Acknowledge</button>"),
            "but not the button"
        );
        let res = app
            .call(
                "acknowledge_alert",
                &[("id", &opened.opened[0].id.to_string())],
            )
            .await;
        assert_eq!(res.status().as_u16(), 403);
        assert_eq!(store.open_alerts().await.unwrap()[0].acked_at, None);
    }
);

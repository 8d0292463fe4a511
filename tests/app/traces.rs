//! Traces: a request's OpenTelemetry trace id is the trace id staff see (`x-request-id`,
//! audit rows); a stored webhook's later processing and a refund's call to Juspay are
//! spans of the trace of the request that caused them; with `telemetry.otlp_endpoint` set
//! the binary exports its spans over OTLP/HTTP.

use std::sync::{Arc, Mutex};

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, routing::post};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::layer::SubscriberExt as _;

use crate::{
    helpers::{HOOK_PASSWORD, HOOK_USER, eventually},
    sim_test,
};

/// Spans of everything the app does on this thread (the test runtime's) from here on.
fn capture_spans() -> (InMemorySpanExporter, tracing::subscriber::DefaultGuard) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    (exporter, tracing::subscriber::set_default(subscriber))
}

fn spans_named(exporter: &InMemorySpanExporter, name: &str, trace_id: &str) -> Vec<SpanData> {
    exporter
        .get_finished_spans()
        .unwrap()
        .into_iter()
        .filter(|s| s.name == name && s.span_context.trace_id().to_string() == trace_id)
        .collect()
}

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

fn trace_id_of(res: &reqwest::Response) -> String {
    res.headers()["x-request-id"].to_str().unwrap().to_owned()
}

sim_test!(
    a_webhooks_processing_and_a_refunds_juspay_call_are_spans_of_their_requests_trace,
    |app, sim| {
        let (spans, _guard) = capture_spans();

        let delivered = dashboard_testkit::post_webhook(
            &app.url("/webhooks/juspay"),
            Some((HOOK_USER, HOOK_PASSWORD)),
            &dashboard_testkit::juspay_order_event(
                "evt_traced",
                "ORDER_SUCCEEDED",
                serde_json::json!({"order_id": "ord_traced", "status": "CHARGED",
                    "amount": "10.00", "currency": "INR"}),
            ),
        )
        .await;
        assert_eq!(delivered.status().as_u16(), 200);
        let webhook_trace = trace_id_of(&delivered);
        assert_eq!(webhook_trace.len(), 32, "a W3C trace id");
        eventually(
            "the webhook's processing is a span of its trace",
            || async { !spans_named(&spans, "process webhook", &webhook_trace).is_empty() },
        )
        .await;
        let processing = &spans_named(&spans, "process webhook", &webhook_trace)[0];
        assert_eq!(
            attribute(processing, "webhook.source").as_deref(),
            Some("juspay")
        );
        assert!(attribute(processing, "webhook.outcome").is_some());

        app.login_as_admin().await;
        let order_id = crate::refunds::paid_order(app, sim, "100.00").await;
        let key = crate::refunds::refund_form(app, &order_id).await.unwrap();
        let refunded = app
            .call(
                "refund_order",
                &[
                    ("order_id", &order_id),
                    ("unique_request_id", &key),
                    ("amount", "10.00"),
                ],
            )
            .await;
        assert_eq!(refunded.status().as_u16(), 200);
        let refund_trace = trace_id_of(&refunded);
        let calls = spans_named(&spans, "juspay request", &refund_trace);
        assert_eq!(calls.len(), 1, "one call to Juspay in the refund's trace");
        assert_eq!(
            attribute(&calls[0], "juspay.endpoint").as_deref(),
            Some("/orders/:id/refunds")
        );
        assert_ne!(
            calls[0].parent_span_id,
            opentelemetry::trace::SpanId::INVALID,
            "the call is a child span within the refund's trace"
        );
        let audit = app.db.store().list_audit_for(&order_id, 10).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "order.refund" && a.trace_id == refund_trace),
            "the audit row carries the same trace id"
        );
    }
);

/// What an OTLP/HTTP collector received: (content type, body) per export.
type Received = Arc<Mutex<Vec<(String, Bytes)>>>;

async fn collect(State(received): State<Received>, headers: HeaderMap, body: Bytes) {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    received.lock().unwrap().push((content_type, body));
}

#[tokio::test]
async fn the_binary_exports_its_spans_over_otlp_with_the_trace_id_staff_see() {
    use std::io::{BufRead, BufReader};

    let received = Received::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/v1/traces", post(collect))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_merchant-dashboard"))
        .env_remove("DATABASE_URL")
        .env_remove("DASHBOARD_CONFIG")
        .env(
            "DASHBOARD_DATABASE__URL",
            format!("sqlite://{}/d.db", dir.path().display()),
        )
        .env("DASHBOARD_SERVER__ADDR", "127.0.0.1:0")
        .env("DASHBOARD_ADMIN__PASSWORD", "otlp admin password")
        .env("DASHBOARD_LOG__FILTER", "warn")
        .env(
            "DASHBOARD_TELEMETRY__OTLP_ENDPOINT",
            format!("http://{collector}/v1/traces"),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let addr = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        loop {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "the server stopped"
            );
            if let Some(addr) = line.trim().strip_prefix("Merchant dashboard listening on ") {
                return addr.to_owned();
            }
        }
    })
    .await
    .unwrap();
    let res = crate::helpers::bare_client()
        .get(format!("{addr}/healthz"))
        .send()
        .await
        .unwrap();
    let trace_id = trace_id_of(&res);
    let raw_id: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&trace_id[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    // SIGTERM: the server drains and flushes the spans still in the batch.
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    eventually("the collector received the request's span", || async {
        received.lock().unwrap().iter().any(|(content_type, body)| {
            content_type == "application/x-protobuf"
                && body.windows(16).any(|w| w == raw_id.as_slice())
        })
    })
    .await;
}

const CALLER: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

async fn trace_id_answered_to_a_caller_with_a_traceparent(app: &crate::helpers::TestApp) -> String {
    let res = crate::helpers::bare_client()
        .get(app.url("/healthz"))
        .header("traceparent", CALLER)
        .send()
        .await
        .unwrap();
    trace_id_of(&res)
}

crate::app_test!(
    an_incoming_traceparent_is_continued_when_accepted,
    "[telemetry]\naccept_traceparent = true\n",
    |app| {
        assert_eq!(
            trace_id_answered_to_a_caller_with_a_traceparent(app).await,
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
    }
);

crate::app_test!(
    an_incoming_traceparent_never_chooses_the_trace_id_by_default,
    |app| {
        let trace_id = trace_id_answered_to_a_caller_with_a_traceparent(app).await;
        assert_ne!(trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(trace_id.len(), 32);
    }
);

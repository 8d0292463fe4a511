//! Every door of the running app fed generated inputs (see the testkit's `fuzz` module):
//! Juspay webhooks, JPSL callbacks, both payment return URLs, the merchant API, every
//! server function's arguments and every list page's query string. Each answer carries a trace id and none is a 500 (a
//! panic would surface as one, or as a dropped connection); a webhook is acknowledged and
//! stored, or refused with a reason, and every stored one is processed to a final outcome
//! with its reason. `FUZZ_CASES` sets the inputs per door (`scripts/fuzz` runs 100 000).

use dashboard_status::Outcome;
use dashboard_testkit::fuzz;
use proptest::prelude::*;
use reqwest::{Method, RequestBuilder, Response, header};
use serde_json::{Value, json};

use crate::{
    helpers::{HOOK_PASSWORD, HOOK_USER, TestApp, eventually},
    sim_test,
};

const TOKEN: &str = "merchant token for the fuzz";

/// Argument names the server functions take, so generated forms reach their decoders' and
/// rules' paths rather than failing on the first missing field.
const ARGUMENTS: &[&str] = &[
    "id",
    "order_id",
    "refund_id",
    "mandate_id",
    "dispute_id",
    "amount",
    "currency",
    "reason",
    "note",
    "decision",
    "username",
    "password",
    "confirm_password",
    "new_password",
    "code",
    "role",
    "status",
    "q",
    "from",
    "to",
    "before",
    "after",
    "customer_email",
    "customer_phone",
    "description",
    "url",
    "types",
    "enabled",
    "key",
    "request_id",
];

/// What the doors did wrong, kept to report every door's first few at the end.
#[derive(Default)]
struct Findings(std::sync::Mutex<Vec<String>>);

impl Findings {
    fn note(&self, problem: String) {
        let mut problems = self.0.lock().unwrap();
        let door = problem.split(':').next().unwrap_or_default().to_owned();
        if problems.iter().filter(|p| p.starts_with(&door)).count() < 3 {
            problems.push(problem);
        }
    }

    /// What a door answered: no 500, and a trace id, whatever the input.
    async fn answered(
        &self,
        door: &str,
        input: &[u8],
        res: Result<Response, reqwest::Error>,
    ) -> (u16, String) {
        let shown = String::from_utf8_lossy(&input[..input.len().min(300)]).into_owned();
        let res = match res {
            Ok(res) => res,
            Err(e) => {
                self.note(format!("{door}: no answer ({e}) to {shown:?}"));
                return (0, String::new());
            }
        };
        let status = res.status().as_u16();
        let traced = res
            .headers()
            .get("x-request-id")
            .is_some_and(|v| !v.is_empty());
        let body = res.text().await.unwrap_or_default();
        if !traced {
            self.note(format!("{door}: {status} without a trace id for {shown:?}"));
        }
        if status == 500 {
            self.note(format!("{door}: 500 for {shown:?}: {body}"));
        }
        (status, body)
    }
}

fn content_type() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("application/json".to_owned()),
        2 => Just("application/x-www-form-urlencoded".to_owned()),
        1 => "[a-z/+;= -]{0,30}",
    ]
}

async fn send(
    request: RequestBuilder,
    content_type: &str,
    body: &[u8],
) -> Result<Response, reqwest::Error> {
    request
        .header(header::CONTENT_TYPE, content_type)
        .body(body.to_vec())
        .send()
        .await
}

async fn fuzz_webhooks(app: &TestApp, found: &Findings) -> usize {
    let sample: Value = serde_json::from_str(&dashboard_testkit::juspay_order_event(
        "evt_fuzz",
        "ORDER_SUCCEEDED",
        json!({"order_id": "ord_fuzz", "status": "CHARGED", "amount": "100.00", "currency": "INR",
            "txn_detail": {"txn_id": "t1", "status": "CHARGED"},
            "refunds": [{"unique_request_id": "q1", "status": "SUCCESS", "amount": 10.0}]}),
    ))
    .unwrap();
    let started = std::time::Instant::now();
    let inputs = fuzz::draw(&(content_type(), fuzz::body(sample)), fuzz::cases(150));
    let client = crate::helpers::bare_client();
    let mut acknowledged = 0;
    for (content_type, body) in &inputs {
        let request = client
            .post(app.url("/webhooks/juspay"))
            .basic_auth(HOOK_USER, Some(HOOK_PASSWORD));
        let (status, reason) = found
            .answered("webhook", body, send(request, content_type, body).await)
            .await;
        match status {
            200 => acknowledged += 1,
            400..500 if !reason.trim().is_empty() => {}
            0 | 500 => {}
            _ => found.note(format!("webhook: {status} without a reason")),
        }
    }
    report("Juspay webhook", inputs.len(), started);
    acknowledged
}

/// The JPSL callback (one door), then both return URLs by GET and POST (another), each
/// with `FUZZ_CASES` inputs.
async fn fuzz_callbacks_and_returns(app: &TestApp, found: &Findings) {
    let client = crate::helpers::bare_client();
    let jpsl = json!({"merchantId": "JP1", "merchantTxnNo": "ord_fuzz", "txnID": "t1",
        "responseCode": "000", "txnAuthID": "a1", "amount": "100.00", "secureHash": "00"});
    let fields: &[&str] = &[
        "merchantId",
        "merchantTxnNo",
        "txnID",
        "responseCode",
        "amount",
        "secureHash",
        "order_id",
        "status",
        "status_id",
        "signature",
        "signature_algorithm",
    ];
    let bodies = prop_oneof![
        fuzz::body(jpsl),
        fuzz::form(fields).prop_map(String::into_bytes)
    ];
    let started = std::time::Instant::now();
    let inputs = fuzz::draw(&(content_type(), bodies), fuzz::cases(150));
    for (content_type, body) in &inputs {
        let request = client.post(app.url("/callbacks/jpsl"));
        found
            .answered(
                "/callbacks/jpsl",
                body,
                send(request, content_type, body).await,
            )
            .await;
    }
    report("JPSL callback", inputs.len(), started);
    let started = std::time::Instant::now();
    let inputs = fuzz::draw(&fuzz::form(fields), fuzz::cases(150));
    for (i, query) in inputs.iter().enumerate() {
        let path = ["/payments/return", "/payments/jpsl-return"][i % 2];
        let res = if i % 4 < 2 {
            client.get(app.url(&format!("{path}?{query}"))).send().await
        } else {
            send(
                client.post(app.url(path)),
                "application/x-www-form-urlencoded",
                query.as_bytes(),
            )
            .await
        };
        found.answered(path, query.as_bytes(), res).await;
    }
    report("return URLs", inputs.len(), started);
}

/// Every merchant API endpoint in turn, `FUZZ_CASES` inputs in all.
async fn fuzz_merchant_api(app: &TestApp, found: &Findings) {
    let client = crate::helpers::bare_client();
    let session = json!({"order_id": "api_fuzz", "amount": "499.00", "currency": "INR",
        "customer_id": "cst_9", "customer_email": "a@example.com", "pre_auth": false});
    let started = std::time::Instant::now();
    let inputs = fuzz::draw(&fuzz::body(session), fuzz::cases(150));
    for (i, body) in inputs.iter().enumerate() {
        let text = String::from_utf8_lossy(body);
        let id = fuzz::encode(&text.chars().take(40).collect::<String>());
        let (door, res) = match i % 4 {
            0 => ("/merchant-api/session", None),
            1 => ("/merchant-api/signed-payloads", None),
            2 => (
                "/merchant-api/orders",
                Some(format!("/merchant-api/orders/{id}")),
            ),
            _ => (
                "/merchant-api/events",
                Some(format!("/merchant-api/events?after={id}&limit={i}")),
            ),
        };
        let res = match res {
            None => {
                let request = client.post(app.url(door)).bearer_auth(TOKEN);
                send(request, "application/json", body).await
            }
            Some(path) => client.get(app.url(&path)).bearer_auth(TOKEN).send().await,
        };
        found.answered(door, body, res).await;
    }
    report("merchant API", inputs.len(), started);
}

/// Query strings of every list page and export, `FUZZ_CASES` in all: each page reads its
/// filters from the query, also with JavaScript off.
async fn fuzz_page_queries(app: &TestApp, found: &Findings) {
    const PAGES: &[&str] = &[
        "/orders",
        "/orders/ord_fuzz",
        "/refunds",
        "/mandates",
        "/webhooks",
        "/disputes",
        "/health",
        "/audit",
        "/users",
        "/outbound",
        "/login",
        "/orders/export.csv",
        "/refunds/export.csv",
        "/audit/export.csv",
        "/disputes/export.csv",
    ];
    const FILTERS: &[&str] = &[
        "status", "q", "from", "to", "before", "after", "currency", "method", "gateway", "source",
        "range", "day", "page", "verdict", "outcome", "order_id", "next", "actor", "action", "min",
        "max", "sort",
    ];
    let started = std::time::Instant::now();
    let inputs = fuzz::draw(&fuzz::form(FILTERS), fuzz::cases(150));
    for (query, page) in inputs.iter().zip(PAGES.iter().cycle()) {
        let res = app
            .client
            .get(app.url(&format!("{page}?{query}")))
            .send()
            .await;
        found.answered(page, query.as_bytes(), res).await;
    }
    report("page queries", inputs.len(), started);
}

/// Prints a door's figures for `scripts/fuzz`.
fn report(door: &str, inputs: usize, started: std::time::Instant) {
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz door: {door}: {inputs} inputs in {seconds:.1} s ({:.0}/s)",
        inputs as f64 / seconds.max(1e-9)
    );
}

async fn fuzz_server_functions(app: &TestApp, found: &Findings) -> usize {
    let functions: Vec<(&str, Method)> = leptos::server_fn::axum::server_fn_paths()
        .filter(|(path, _)| !path.ends_with("/logout"))
        .map(|(path, method)| {
            let method = Method::from_bytes(method.as_str().as_bytes()).unwrap();
            (path, method)
        })
        .collect();
    assert!(functions.len() > 20, "the server functions are registered");
    let started = std::time::Instant::now();
    let forms = fuzz::draw(
        &fuzz::form(ARGUMENTS),
        fuzz::cases(150).max(2 * functions.len()),
    );
    for (form, (path, method)) in forms.iter().zip(functions.iter().cycle()) {
        let request = if *method == Method::GET {
            app.client.get(app.url(&format!("{path}?{form}")))
        } else {
            app.client
                .post(app.url(path))
                .body(form.clone())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        };
        let res = request
            .header(header::ACCEPT, "application/json")
            .send()
            .await;
        found.answered(path, form.as_bytes(), res).await;
    }
    report("server functions", forms.len(), started);
    functions.len()
}

sim_test!(
    every_door_answers_generated_input_with_a_trace_id_and_never_a_500,
    &format!(
        "[merchant_api]\ntoken = \"{TOKEN}\"\npayment_page_client_id = \"shop\"\n\
         [jpsl]\nmerchant_id = \"JP1\"\nsecret = \"jpsl secret for the fuzz\"\n"
    ),
    |app, _sim| {
        app.login_as_admin().await;
        let found = Findings::default();
        let acknowledged = fuzz_webhooks(app, &found).await;
        fuzz_callbacks_and_returns(app, &found).await;
        fuzz_merchant_api(app, &found).await;
        let functions = fuzz_server_functions(app, &found).await;
        fuzz_page_queries(app, &found).await;
        eprintln!("fuzz: {acknowledged} webhooks acknowledged; {functions} server functions");
        let problems = found.0.into_inner().unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));

        let store = app.db.store();
        eventually("every stored webhook is processed", || async {
            store.count_pending_webhooks(1).await.unwrap() == 0
        })
        .await;
        let events = store
            .list_webhook_events(&Default::default(), 1_000_000)
            .await
            .unwrap();
        assert!(acknowledged > 0 && !events.is_empty());
        for event in &events {
            assert!(
                !matches!(event.outcome, Outcome::Pending | Outcome::Other(_)),
                "event {} ended {:?}",
                event.id,
                event.outcome
            );
            if event.outcome.needs_attention() || event.outcome == Outcome::Ignored {
                assert!(
                    event
                        .outcome_detail
                        .as_deref()
                        .is_some_and(|d| !d.is_empty()),
                    "event {} ({:?}) has no reason",
                    event.id,
                    event.outcome
                );
            }
        }
    }
);

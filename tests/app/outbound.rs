//! Events for the merchant's own systems: an endpoint added by an admin receives each
//! change signed as Standard Webhooks (checked here with our own HMAC, not the product's
//! code), retried with the same `webhook-id`, a subject's events in order; a rotated secret
//! signs beside the old one; 410 disables the endpoint; the read API answers "is it paid?".

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{Router, extract::State, http::HeaderMap, routing::post};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use juspay_sim::{PaymentMethod, PaymentRequest};
use merchant_dashboard::serverfns::Created;
use serde_json::Value;
use sha2::Sha256;

use crate::{
    app_test,
    helpers::{TestApp, bare_client, eventually},
    refunds::refund_form,
    sim_test,
};

const TOKEN: &str = "merchant app token 456";

fn settings() -> String {
    format!(
        "[outbound]\nretry_schedule_seconds = [0, 1, 1, 1]\npoll_millis = 50\n\
         [merchant_api]\ntoken = \"{TOKEN}\"\n"
    )
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: u16,
}

impl Received {
    fn event_type(&self) -> String {
        serde_json::from_str::<Value>(&self.body).unwrap()["type"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer with, in turn; 200 once they run out.
    plan: Arc<Mutex<VecDeque<u16>>>,
}

async fn receive(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: String,
) -> axum::http::StatusCode {
    let answered = receiver.plan.lock().unwrap().pop_front().unwrap_or(200);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    receiver.got.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
        answered,
    });
    axum::http::StatusCode::from_u16(answered).unwrap()
}

/// A receiver on a free loopback port: its URL and what it got.
async fn start_receiver(plan: &[u16]) -> (String, Receiver) {
    let receiver = Receiver::default();
    receiver.plan.lock().unwrap().extend(plan);
    let app = Router::new()
        .route("/hooks", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

/// Standard Webhooks' check, written from the specification: `v1,` and the base64
/// HMAC-SHA256 of `id.timestamp.body` under the secret's bytes, any of the listed ones.
fn signed_with(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.signature.split(' ').any(|s| s == expected)
}

/// The `whsec_` secret a message shows once.
fn secret_in(message: &str) -> String {
    let start = message.find("whsec_").expect("the secret is shown");
    message[start..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .trim_end_matches('.')
        .to_owned()
}

async fn add_endpoint(app: &TestApp, url: &str, types: &str) -> String {
    let res = app
        .call("create_endpoint", &[("url", url), ("event_types", types)])
        .await;
    assert_eq!(res.status().as_u16(), 200, "endpoint added");
    secret_in(&res.json::<String>().await.unwrap())
}

fn got(receiver: &Receiver) -> Vec<Received> {
    receiver.got.lock().unwrap().clone()
}

sim_test!(
    a_paid_then_refunded_order_reaches_the_endpoint_signed_in_order_and_retried_under_one_id,
    &settings(),
    |app, sim| {
        // The first attempt meets an outage: the retry carries the same webhook-id.
        let (url, receiver) = start_receiver(&[503]).await;
        app.login_as_admin().await;
        let secret = add_endpoint(app, &url, "order.paid,order.refunded,refund.succeeded").await;

        let res = app
            .call("create_payment_link", &[("amount", "100.00")])
            .await;
        let order_id = res.json::<Created>().await.unwrap().id;
        sim.handle()
            .pay(&order_id, &PaymentRequest::charged(PaymentMethod::Card))
            .unwrap();
        eventually("order.paid is delivered", || async {
            got(&receiver)
                .iter()
                .any(|r| r.answered == 200 && r.event_type() == "order.paid")
        })
        .await;
        let key = refund_form(app, &order_id).await.unwrap();
        let res = app
            .call(
                "refund_order",
                &[
                    ("order_id", &order_id),
                    ("unique_request_id", &key),
                    ("amount", "40.00"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 200);
        eventually("the refund's events are delivered", || async {
            let types: Vec<String> = got(&receiver).iter().map(Received::event_type).collect();
            types.contains(&"order.refunded".to_owned())
                && types.contains(&"refund.succeeded".to_owned())
        })
        .await;

        let all = got(&receiver);
        assert!(
            all.iter().all(|r| signed_with(&secret, r)),
            "every request is signed"
        );
        assert_eq!(all[0].answered, 503);
        assert_eq!(all[1].id, all[0].id, "the retry keeps the webhook-id");
        assert_eq!(all[1].event_type(), "order.paid");
        let last_paid = all
            .iter()
            .rposition(|r| r.event_type() == "order.paid")
            .unwrap();
        let first_refunded = all
            .iter()
            .position(|r| r.event_type() == "order.refunded")
            .unwrap();
        assert!(
            last_paid < first_refunded,
            "order.refunded never before order.paid"
        );
        let refunded: Value = serde_json::from_str(&all[first_refunded].body).unwrap();
        assert_eq!(refunded["data"]["refund"]["amount"]["minor"], 4_000);
        assert_eq!(refunded["data"]["refund"]["full"], false);
        assert!(
            !all.iter().any(|r| r.event_type() == "order.pending"),
            "not subscribed"
        );

        // The read API: "is it paid?" without calling Juspay, and the events to pull.
        let read = bare_client()
            .get(app.url(&format!("/merchant-api/orders/{order_id}")))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status().as_u16(), 200);
        let order: Value = read.json().await.unwrap();
        assert_eq!(
            (order["paid"].as_bool(), order["status"].as_str()),
            (Some(true), Some("CHARGED"))
        );
        assert_eq!(order["refunds"][0]["amount"]["minor"], 4_000);
        let anonymous = bare_client()
            .get(app.url(&format!("/merchant-api/orders/{order_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status().as_u16(), 401);
        let page: Value = bare_client()
            .get(app.url("/merchant-api/events?after=0&limit=2"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["events"].as_array().unwrap().len(), 2);
        let next = page["next"].as_i64().unwrap();
        let rest: Value = bare_client()
            .get(app.url(&format!("/merchant-api/events?after={next}")))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let types: Vec<&str> = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .chain(rest["events"].as_array().unwrap())
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert!(
            types.contains(&"order.paid") && types.contains(&"refund.succeeded"),
            "{types:?}"
        );
    }
);

app_test!(
    a_rotated_secret_signs_beside_the_old_one_a_gone_endpoint_is_disabled_and_what_failed_is_sent_again,
    &settings(),
    |app| {
        let (url, receiver) = start_receiver(&[]).await;
        app.login_as_admin().await;
        let refused = app
            .call("create_endpoint", &[("url", "http://shop.example/hooks")])
            .await;
        assert_eq!(
            refused.status().as_u16(),
            422,
            "plain http only to this machine"
        );
        let old = add_endpoint(app, &url, "*").await;
        let page: Value = app.call("outbound_page", &[]).await.json().await.unwrap();
        let id = page["endpoints"][0]["id"].as_i64().unwrap().to_string();
        let res = app.call("rotate_endpoint_secret", &[("id", &id)]).await;
        assert_eq!(res.status().as_u16(), 200);
        let new = secret_in(&res.json::<String>().await.unwrap());
        assert_ne!(new, old);
        assert_eq!(
            app.call("send_test_event", &[("id", &id)])
                .await
                .status()
                .as_u16(),
            200
        );
        eventually("the test event arrives", || async {
            !got(&receiver).is_empty()
        })
        .await;
        let ping = &got(&receiver)[0];
        assert_eq!(ping.event_type(), "test.ping");
        assert!(
            signed_with(&new, ping) && signed_with(&old, ping),
            "both secrets verify"
        );

        receiver.plan.lock().unwrap().push_back(410);
        app.call("send_test_event", &[("id", &id)]).await;
        eventually("a 410 disables the endpoint", || async {
            let page: Value = app.call("outbound_page", &[]).await.json().await.unwrap();
            page["endpoints"][0]["enabled"] == false
        })
        .await;
        let page: Value = app.call("outbound_page", &[]).await.json().await.unwrap();
        assert_eq!(page["deliveries"][0]["state"], "failed");
        assert_eq!(page["deliveries"][1]["state"], "delivered");
        let failed: Value = app
            .call("outbound_page", &[("state", "failed")])
            .await
            .json()
            .await
            .unwrap();
        let failed = failed["deliveries"].as_array().unwrap();
        assert_eq!(failed.len(), 1, "the log filters by state");
        let delivery = failed[0]["id"].as_i64().unwrap().to_string();
        let attempts: Value = app
            .call("delivery_attempts", &[("id", &delivery)])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(attempts[0]["status"], 410);

        // Once the receiver is back, what failed is sent again, the count shown first.
        let enable = app
            .call("set_endpoint_enabled", &[("id", &id), ("enabled", "true")])
            .await;
        assert_eq!(enable.status().as_u16(), 200);
        let today =
            dashboard_core::clock::format_utc(dashboard_core::clock::now_millis())[..10].to_owned();
        let preview = app
            .call("replay_failed", &[("endpoint_id", &id), ("since", &today)])
            .await;
        assert_eq!(preview.status().as_u16(), 422);
        assert!(preview.text().await.unwrap().contains("1 failed events"));
        let replayed = app
            .call(
                "replay_failed",
                &[("endpoint_id", &id), ("since", &today), ("confirm", "yes")],
            )
            .await;
        assert_eq!(replayed.status().as_u16(), 200);
        eventually("the failed event arrives again under its id", || async {
            let all = got(&receiver);
            all.len() == 3 && all[2].id == all[1].id && all[2].answered == 200
        })
        .await;
        let audit = app
            .db
            .store()
            .list_audit_for(&format!("endpoint:{id}"), 10)
            .await
            .unwrap();
        assert!(audit.iter().any(|a| a.action == "outbound.endpoint.rotate"));

        app.create_user("otto", "operator password 1", "operator")
            .await;
        app.call("logout", &[]).await;
        app.login("otto", "operator password 1").await;
        assert_eq!(app.call("outbound_page", &[]).await.status().as_u16(), 403);
        assert_eq!(
            app.call("send_test_event", &[("id", &id)])
                .await
                .status()
                .as_u16(),
            403
        );
    }
);

/// A second instance of the app on `app`'s database, with the same settings; stopped by
/// sending on the returned channel.
async fn second_instance(
    app: &TestApp,
    extra: &str,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let config = crate::helpers::test_config(app.db.url(), extra);
    let prepared = merchant_dashboard::server::prepare(config)
        .await
        .expect("the second instance starts");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        merchant_dashboard::server::serve(prepared, async {
            let _ = stopped.await;
        })
        .await
        .expect("the second instance runs");
    });
    (stop, task)
}

app_test!(
    two_instances_deliver_each_of_a_thousand_events_once_and_each_orders_in_sequence,
    &settings(),
    |app| {
        use dashboard_core::outbound::{events::NewEvent, store::DeliveryFilter};

        let (other, other_task) = second_instance(app, &settings()).await;
        let (url, receiver) = start_receiver(&[]).await;
        app.login_as_admin().await;
        add_endpoint(app, &url, "*").await;
        // 1 000 events about 100 orders, 10 each, written in one transaction.
        let events: Vec<NewEvent> = (0..1_000)
            .map(|n| NewEvent {
                event_type: "order.paid",
                subject: format!("order:o{}", n % 100),
                data: serde_json::json!({ "n": n }),
            })
            .collect();
        let store = app.db.store();
        let mut tx = store.begin().await.unwrap();
        tx.emit_events(&events).await.unwrap();
        tx.commit().await.unwrap();
        eventually("every delivery is recorded as delivered", || async {
            let pending = DeliveryFilter {
                state: Some("pending".into()),
                ..DeliveryFilter::default()
            };
            store.list_deliveries(&pending, 1).await.unwrap().is_empty()
        })
        .await;
        let all = got(&receiver);
        let mut ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!((all.len(), ids.len()), (1_000, 1_000), "each event once");
        let mut last_of_subject = std::collections::HashMap::new();
        for r in &all {
            let n = serde_json::from_str::<Value>(&r.body).unwrap()["data"]["n"]
                .as_i64()
                .unwrap();
            let previous = last_of_subject.insert(n % 100, n);
            assert!(
                previous.is_none_or(|p| p < n),
                "order o{} out of sequence",
                n % 100
            );
        }
        let _ = other.send(());
        other_task.await.unwrap();
    }
);

/// The token a message shows once.
fn token_in(message: &str) -> String {
    let start = message.find("mdt_").expect("the token is shown");
    message[start..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_owned()
}

app_test!(
    merchant_api_tokens_allow_their_scopes_until_revoked,
    |app| {
        let get_events = |token: Option<String>| {
            let mut request = bare_client().get(app.url("/merchant-api/events"));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            async move { request.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(get_events(None).await, 404, "off while no token exists");
        app.login_as_admin().await;
        let make = |scopes: &'static str| async move {
            let res = app
                .call("create_api_token", &[("name", "shop"), ("scopes", scopes)])
                .await;
            assert_eq!(res.status().as_u16(), 200);
            token_in(&res.json::<String>().await.unwrap())
        };
        let reader = make("read").await;
        let checkout = make("read,orders").await;
        assert_eq!(get_events(Some(reader.clone())).await, 200);
        assert_eq!(get_events(Some("mdt_guessed".into())).await, 401);
        let session = |token: String| async move {
            bare_client()
                .post(app.url("/merchant-api/session"))
                .bearer_auth(token)
                .json(&serde_json::json!({"amount": "10.00"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        };
        assert_eq!(
            session(reader.clone()).await,
            403,
            "read may not create orders"
        );
        assert!(![401, 403, 404].contains(&session(checkout).await));

        let page: Value = app.call("outbound_page", &[]).await.json().await.unwrap();
        let listed = page["tokens"].as_array().unwrap();
        assert_eq!(listed.len(), 2);
        assert!(!page.to_string().contains(&reader), "never listed again");
        let reader_row = listed.iter().find(|t| t["scopes"] == "read").unwrap();
        assert!(reader_row["last_used"].is_string());
        let id = reader_row["id"].as_i64().unwrap().to_string();
        assert_eq!(
            app.call("revoke_api_token", &[("id", &id)])
                .await
                .status()
                .as_u16(),
            200
        );
        assert_eq!(get_events(Some(reader)).await, 401);
    }
);

/// A receiver that holds its first request unanswered until `release` is notified, and
/// answers everything after it at once.
async fn start_holding_receiver() -> (String, Receiver, Arc<tokio::sync::Notify>) {
    let receiver = Receiver::default();
    let release = Arc::new(tokio::sync::Notify::new());
    let (state, gate) = (receiver.clone(), release.clone());
    let app = Router::new().route(
        "/hooks",
        post(move |headers: HeaderMap, body: String| {
            let (state, gate) = (state.clone(), gate.clone());
            async move {
                let first = state.got.lock().unwrap().is_empty();
                let status = receive(State(state), headers, body).await;
                if first {
                    gate.notified().await;
                }
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver, release)
}

/// The server binary serving `database_url`, delivering with a one-second lease.
fn start_binary(database_url: &str) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_merchant-dashboard"))
        .env_remove("DASHBOARD_CONFIG")
        .env("DATABASE_URL", database_url)
        .env("DASHBOARD_SERVER__ADDR", "127.0.0.1:0")
        .env("DASHBOARD_ADMIN__PASSWORD", "admin password for tests")
        .env("DASHBOARD_LOG__FILTER", "warn")
        .env("DASHBOARD_OUTBOUND__LEASE_SECONDS", "1")
        .env("DASHBOARD_OUTBOUND__POLL_MILLIS", "50")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the server binary starts")
}

/// SIGKILL of the app while a delivery is in flight: the next instance sends it again
/// under the same webhook-id once the lease ends, and it is recorded as delivered.
async fn a_killed_instance_leaves_its_delivery_to_the_next_one_under_the_same_id(
    db: dashboard_core::testing::TestDatabase,
) {
    use dashboard_core::outbound::{
        endpoints::NewEndpoint, events::test_event, store::DeliveryFilter,
    };

    let (url, receiver, release) = start_holding_receiver().await;
    let store = db.store();
    let audit = dashboard_core::staff::audit::AuditEntry {
        actor: "test".into(),
        action: "outbound.endpoint.create".into(),
        target: String::new(),
        detail: String::new(),
        client_ip: "127.0.0.1".into(),
        trace_id: "t".into(),
    };
    store
        .create_endpoint(&NewEndpoint::all_events(&url), &audit)
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.emit_events(&[test_event()]).await.unwrap();
    tx.commit().await.unwrap();

    let mut first = start_binary(db.url());
    eventually("the first instance's request is in flight", || async {
        !got(&receiver).is_empty()
    })
    .await;
    first.kill().unwrap();
    first.wait().unwrap();
    release.notify_one();

    let mut second = start_binary(db.url());
    eventually("the next instance delivers it", || async {
        let delivered = DeliveryFilter {
            state: Some("delivered".into()),
            ..DeliveryFilter::default()
        };
        !store
            .list_deliveries(&delivered, 1)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    second.kill().unwrap();
    second.wait().unwrap();
    let all = got(&receiver);
    assert!(all.len() >= 2, "sent again after the kill");
    assert!(
        all.iter().all(|r| r.id == all[0].id),
        "always the same webhook-id"
    );
    db.finish().await;
}

#[tokio::test]
async fn a_killed_instance_leaves_its_delivery_to_the_next_one_under_the_same_id_on_sqlite() {
    let db = dashboard_core::testing::TestDatabase::sqlite().await;
    a_killed_instance_leaves_its_delivery_to_the_next_one_under_the_same_id(db).await;
}

#[tokio::test]
async fn a_killed_instance_leaves_its_delivery_to_the_next_one_under_the_same_id_on_postgres() {
    let db = dashboard_core::testing::TestDatabase::postgres().await;
    a_killed_instance_leaves_its_delivery_to_the_next_one_under_the_same_id(db).await;
}

//! Disputes (chargebacks): `CHARGEBACK_*` webhooks and an order's `chargebacks[]` go
//! through the one processing path — applied once when repeated, never reopened by a late
//! event — into the order's timeline and the merchant's outbound events; a dispute raised
//! at the simulator alerts until an operator records a decision with evidence.

use dashboard_core::webhooks::store::WebhookFilter;
use dashboard_status::{DisputeDecision, DisputeStatus, Outcome};
use juspay_sim::{ChargebackStatus, WebhookFault, WebhookFaultKind};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::{
    app_test,
    helpers::{TestApp, deliver_processed, eventually},
    refunds::paid_order,
    sim_test,
};

const SETTINGS: &str = "[webhook]\npassword = \"hook password for tests\"\n";

async fn deliver(app: &TestApp, body: Value) {
    deliver_processed(app, &body.to_string()).await;
}

fn chargeback_event(event_id: &str, status: &str, created: &str) -> Value {
    json!({
        "id": event_id,
        "event_name": format!("CHARGEBACK_{status}"),
        "date_created": created,
        "content": { "chargeback": {
            "id": "cb_1", "object": "chargeback", "amount": "40.00", "currency": "INR",
            "object_reference_id": "ord_d1", "reason": "fraudulent", "date_created": "2026-12-01T10:00:00Z",
            "respond_by": "2026-12-08T10:00:00Z",
            "txn": { "txn_id": "m-ord_d1-1", "gateway": "PAYU" }
        }}
    })
}

app_test!(
    a_chargeback_is_opened_once_closed_and_never_reopened_by_a_late_event,
    SETTINGS,
    |app| {
        deliver(
            app,
            dashboard_testkit::juspay_order_event(
                "evt_paid",
                "ORDER_SUCCEEDED",
                json!({"order_id": "ord_d1", "status": "CHARGED", "amount": "100.00", "currency": "INR"}),
            )
            .parse()
            .unwrap(),
        )
        .await;
        deliver(
            app,
            chargeback_event("evt_cb_1", "RECEIVED", "2026-12-01T10:00:01Z"),
        )
        .await;
        deliver(
            app,
            chargeback_event("evt_cb_1", "RECEIVED", "2026-12-01T10:00:01Z"),
        )
        .await;
        deliver(
            app,
            chargeback_event(
                "evt_cb_2",
                "RESOLVED_IN_MERCHANT_FAVOUR",
                "2026-12-05T10:00:00Z",
            ),
        )
        .await;
        deliver(
            app,
            chargeback_event("evt_cb_3", "RECEIVED", "2026-12-01T10:00:02Z"),
        )
        .await;

        let store = app.db.store();
        let dispute = store.find_dispute("cb_1").await.unwrap().expect("stored");
        assert_eq!(dispute.status, DisputeStatus::ResolvedInMerchantFavour);
        assert_eq!(
            (dispute.amount, dispute.order_id.as_deref()),
            (Some(4_000), Some("ord_d1"))
        );
        assert_eq!(dispute.gateway.as_deref(), Some("PAYU"));
        assert!(dispute.respond_by.is_some());
        let late = store
            .list_webhook_events(&WebhookFilter::default(), 10)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.event_id.as_deref() == Some("evt_cb_3"))
            .unwrap();
        assert_eq!(late.outcome, Outcome::Stale, "{:?}", late.outcome_detail);

        let types: Vec<String> = store
            .list_events_after(0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event_type)
            .filter(|t| t.starts_with("dispute."))
            .collect();
        assert_eq!(
            types,
            ["dispute.opened", "dispute.closed"],
            "once each, never reopened"
        );

        app.login_as_admin().await;
        let page: Value = app
            .call("get_order", &[("order_id", "ord_d1")])
            .await
            .json()
            .await
            .unwrap();
        let timeline = page["timeline"].to_string();
        assert!(timeline.contains("dispute cb_1"), "{timeline}");
    }
);

app_test!(
    a_dispute_in_an_orders_chargebacks_is_recorded_with_its_status,
    SETTINGS,
    |app| {
        deliver(
            app,
            dashboard_testkit::juspay_order_event(
                "evt_snapshot",
                "ORDER_SUCCEEDED",
                json!({"order_id": "ord_d2", "status": "CHARGED", "amount": "500", "currency": "JPY",
                    "chargebacks": [{"id": "cb_2", "amount": 500, "chargebackStatus": "UNDER_REVIEW",
                        "objectReferenceId": "ord_d2"}]}),
            )
            .parse()
            .unwrap(),
        )
        .await;
        let dispute = app
            .db
            .store()
            .find_dispute("cb_2")
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(dispute.status, DisputeStatus::UnderReview);
        assert_eq!(
            (dispute.amount, dispute.currency.as_deref()),
            (Some(500), Some("JPY"))
        );
        assert_eq!(
            app.db
                .store()
                .list_disputes_of_order("ord_d2")
                .await
                .unwrap()
                .len(),
            1
        );
    }
);

/// A response form as the dispute page posts it.
fn response_form(decision: &str, note: &str, file: Option<(&str, &[u8])>) -> Form {
    let form = Form::new()
        .text("decision", decision.to_owned())
        .text("note", note.to_owned());
    match file {
        Some((name, content)) => form.part(
            "evidence",
            Part::bytes(content.to_vec()).file_name(name.to_owned()),
        ),
        None => form,
    }
}

async fn post_response(app: &TestApp, dispute_id: &str, form: Form) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/disputes/{dispute_id}/responses")))
        .multipart(form)
        .send()
        .await
        .expect("response posted")
}

sim_test!(
    a_dispute_raised_at_juspay_alerts_until_an_operator_records_a_contest_with_evidence,
    "[alerts]\ninterval_seconds = 1\n",
    |app, sim| {
        app.login_as_admin().await;
        let order_id = paid_order(app, sim, "250.00").await;
        let store = app.db.store();
        let raised = sim
            .handle()
            .raise_chargeback(&order_id, ChargebackStatus::Received, "fraudulent", None)
            .unwrap();
        let id = raised["id"]
            .as_str()
            .expect("the simulator names it")
            .to_owned();
        let id = id.as_str();
        eventually("the dispute alerts", || async {
            store
                .open_alerts()
                .await
                .unwrap()
                .iter()
                .any(|a| a.alert_key == format!("dispute:{id}"))
        })
        .await;
        let dispute = store.find_dispute(id).await.unwrap().expect("stored");
        assert_eq!(dispute.amount, Some(25_000), "the paid amount, in paise");
        assert!(
            dispute.respond_by.is_some(),
            "the simulator gives a deadline"
        );
        let list: Value = app.call("list_disputes", &[]).await.json().await.unwrap();
        assert_eq!(list["awaiting"][0]["dispute_id"], id, "{list}");

        // A viewer reads but cannot respond; an empty note is refused with the typing kept.
        app.create_user("viewer1", "viewer password 123", "viewer")
            .await;
        let viewer = app
            .browser_signed_in("viewer1", "viewer password 123", "viewer's browser")
            .await;
        let refused = viewer
            .post(app.url(&format!("/disputes/{id}/responses")))
            .multipart(response_form("CONTEST", "ours", None))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status().as_u16(), 403);
        let blank = post_response(app, id, response_form("CONTEST", "  ", None)).await;
        let back = blank.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            back.starts_with(&format!("/disputes/{id}?error=")),
            "{back}"
        );
        assert!(back.contains("decision=CONTEST"), "{back}");
        let binary = post_response(
            app,
            id,
            response_form("CONTEST", "proof", Some(("tool.exe", b"MZ\x90\0\x03"))),
        )
        .await;
        let back = binary.headers()["location"].to_str().unwrap().to_owned();
        assert!(back.contains("tool.exe"), "{back}");
        assert!(back.contains("note=proof"), "the note is kept: {back}");
        assert!(store.list_dispute_responses(id).await.unwrap().is_empty());

        let proof = b"%PDF-1.4\nDelivered 3 Dec, signed for by the customer.\n";
        let done = post_response(
            app,
            id,
            response_form(
                "CONTEST",
                "Sent the delivery proof to the acquirer.",
                Some(("delivery proof.pdf", proof)),
            ),
        )
        .await;
        assert_eq!(done.status().as_u16(), 303);
        assert_eq!(
            done.headers()["location"],
            format!("/disputes/{id}").as_str()
        );
        let dispute = store.find_dispute(id).await.unwrap().unwrap();
        assert_eq!(dispute.decision, Some(DisputeDecision::Contest));
        let files = store.list_dispute_evidence(id).await.unwrap();
        assert_eq!(files.len(), 1);
        let download = app
            .get(&format!("/disputes/{id}/evidence/{}", files[0].id))
            .await;
        assert_eq!(download.headers()["content-type"], "application/pdf");
        assert_eq!(download.bytes().await.unwrap().as_ref(), proof);
        let audit = store.list_audit_for(id, 10).await.unwrap();
        assert_eq!(audit.len(), 1, "one audited response");
        assert_eq!(audit[0].action, "dispute.respond");

        eventually("the alert clears once a decision is recorded", || async {
            !store
                .open_alerts()
                .await
                .unwrap()
                .iter()
                .any(|a| a.alert_key.ends_with(id))
        })
        .await;
        let detail: Value = app
            .call("get_dispute", &[("dispute_id", id)])
            .await
            .json()
            .await
            .unwrap();
        let history = detail["history"].to_string();
        assert!(
            history.contains(&format!("dispute {id} received")),
            "Juspay's reports over time: {history}"
        );
        let page = app
            .get(&format!("/disputes/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("delivery proof.pdf"), "the file is listed");
        assert!(
            page.contains("Sent the delivery proof"),
            "the note is shown"
        );
        let order = app
            .get(&format!("/orders/{order_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(order.contains(id), "the order page lists its dispute");
        let csv = app
            .get(&format!("/disputes/export.csv?order={order_id}"))
            .await
            .text()
            .await
            .unwrap();
        let mut lines = csv.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("dispute_id,order_id,opened_utc,status,stage")
        );
        let row = lines.next().expect("the dispute is exported");
        assert!(
            row.starts_with(&format!("{id},{order_id},")) && row.contains(",25000,INR,"),
            "{row}"
        );
        assert_eq!(lines.next(), None, "only the filtered order's dispute");
        let health: Value = app
            .call("get_health", &[("window", "day")])
            .await
            .json()
            .await
            .unwrap();
        let by_gateway = health["disputes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["dimension"] == "gateway")
            .cloned()
            .expect("a dispute rate by gateway");
        assert_eq!(
            (
                &by_gateway["disputes"],
                &by_gateway["paid"],
                &by_gateway["amount"]
            ),
            (&json!(1), &json!(1), &json!("₹250.00")),
            "{by_gateway}"
        );
        assert_eq!(by_gateway["percent"], json!(100.0));
    }
);

sim_test!(
    a_chargeback_walk_delivered_twice_and_out_of_order_is_applied_once_and_ends_won,
    |app, sim| {
        app.login_as_admin().await;
        let order_id = paid_order(app, sim, "90.00").await;
        let store = app.db.store();
        let raised = sim
            .handle()
            .raise_chargeback(&order_id, ChargebackStatus::Received, "not received", None)
            .unwrap();
        let id = raised["id"].as_str().unwrap().to_owned();
        let status_is = |wanted: DisputeStatus| {
            let (store, id) = (store.clone(), id.clone());
            async move {
                store
                    .find_dispute(&id)
                    .await
                    .unwrap()
                    .is_some_and(|d| d.status == wanted)
            }
        };
        eventually("the dispute is opened", || {
            status_is(DisputeStatus::Received)
        })
        .await;
        let walk = |status: ChargebackStatus| {
            sim.handle()
                .raise_chargeback(&order_id, status, "not received", Some(&id))
                .unwrap();
        };
        sim.handle().add_webhook_fault(WebhookFault {
            kind: WebhookFaultKind::Duplicate,
            times: 1,
        });
        walk(ChargebackStatus::EvidenceRequired);
        eventually("evidence is asked for", || {
            status_is(DisputeStatus::EvidenceRequired)
        })
        .await;
        // UNDER_REVIEW is held back and arrives after the resolution.
        sim.handle().add_webhook_fault(WebhookFault {
            kind: WebhookFaultKind::Reorder,
            times: 1,
        });
        walk(ChargebackStatus::UnderReview);
        walk(ChargebackStatus::ResolvedInMerchantFavour);
        let events = || async {
            store
                .list_webhook_events(
                    &WebhookFilter {
                        order_id: Some(order_id.clone()),
                        ..WebhookFilter::default()
                    },
                    50,
                )
                .await
                .unwrap()
        };
        eventually("the late review report is judged stale", || async {
            events().await.iter().any(|e| {
                e.event_name.as_deref() == Some("CHARGEBACK_UNDER_REVIEW")
                    && e.outcome == Outcome::Stale
            })
        })
        .await;
        assert!(status_is(DisputeStatus::ResolvedInMerchantFavour).await);
        let evidence = events()
            .await
            .into_iter()
            .find(|e| e.event_name.as_deref() == Some("CHARGEBACK_EVIDENCE_REQUIRED"))
            .unwrap();
        assert!(
            evidence.duplicate_count >= 1,
            "delivered twice, stored once"
        );

        let won = events()
            .await
            .into_iter()
            .find(|e| e.event_name.as_deref() == Some("CHARGEBACK_RESOLVED_IN_MERCHANT_FAVOUR"))
            .unwrap();
        let again = app
            .call("reprocess_webhook", &[("id", &won.id.to_string())])
            .await;
        let text = again.text().await.unwrap();
        assert!(text.contains("nothing changed"), "{text}");
        let types: Vec<String> = store
            .list_events_after(0, 200)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event_type)
            .filter(|t| t.starts_with("dispute."))
            .collect();
        assert_eq!(
            types,
            ["dispute.opened", "dispute.updated", "dispute.closed"],
            "each change once, the late one none"
        );
    }
);

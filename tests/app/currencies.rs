//! Money in every currency: amounts in minor units of their ISO 4217 exponent through the
//! webhook, the poll and a refund, shown with their currency's decimals; and an event with
//! one unreadable amount kept, named and found by its order.

use dashboard_core::webhooks::store::WebhookFilter;
use dashboard_status::{OrderStatus, Outcome};
use juspay_sim::{PaymentMethod, PaymentRequest};
use merchant_dashboard::serverfns::Created;
use serde_json::Value;

use crate::{
    helpers::{HOOK_PASSWORD, HOOK_USER, TestApp, eventually},
    refunds::refund_form,
    sim_test,
};

/// A payment link in `currency` for `amount`, paid by card at the simulator and applied
/// here by its webhook.
async fn paid_order_in(
    app: &TestApp,
    sim: &juspay_sim::RunningSimulator,
    amount: &str,
    currency: &str,
) -> String {
    let res = app
        .call(
            "create_payment_link",
            &[("amount", amount), ("currency", currency)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200, "{currency}");
    let order_id = res.json::<Created>().await.unwrap().id;
    sim.handle()
        .pay(&order_id, &PaymentRequest::charged(PaymentMethod::Card))
        .unwrap();
    let store = app.db.store();
    eventually("the payment is applied", || async {
        store
            .find_order(&order_id)
            .await
            .unwrap()
            .is_some_and(|o| o.status == OrderStatus::Charged)
    })
    .await;
    order_id
}

sim_test!(
    orders_in_yen_dollars_dinars_and_rupees_are_stored_polled_shown_and_refunded_exactly,
    |app, sim| {
        app.login_as_admin().await;
        let store = app.db.store();
        // (currency, amount typed, minor units, shown, refund typed, refund minor units,
        // refund as sent to Juspay: with the currency's decimals)
        for (currency, typed, minor, shown, refund, refund_minor, sent) in [
            ("JPY", "500", 500, "¥500", "200", 200, "200"),
            ("USD", "12.34", 1_234, "$12.34", "1.5", 150, "1.50"),
            ("KWD", "1.005", 1_005, "KWD 1.005", "0.005", 5, "0.005"),
            (
                "INR",
                "1,234.50",
                123_450,
                "₹1,234.50",
                "10",
                1_000,
                "10.00",
            ),
        ] {
            let order_id = paid_order_in(app, sim, typed, currency).await;
            let stored = store.find_order(&order_id).await.unwrap().unwrap();
            assert_eq!((stored.amount, stored.currency.as_str()), (minor, currency));
            assert_eq!(stored.amount_mismatch, None, "the webhook's amount is ours");

            let polled = app.call("sync_order", &[("order_id", &order_id)]).await;
            assert_eq!(polled.status().as_u16(), 200, "{currency}");
            let stored = store.find_order(&order_id).await.unwrap().unwrap();
            assert_eq!((stored.amount, stored.amount_mismatch), (minor, None));

            let key = refund_form(app, &order_id).await.expect("a refund form");
            let res = app
                .call(
                    "refund_order",
                    &[
                        ("order_id", &order_id),
                        ("unique_request_id", &key),
                        ("amount", refund),
                    ],
                )
                .await;
            assert_eq!(res.status().as_u16(), 200, "{currency} refund");
            let at_sim = sim.handle().refunds(&order_id);
            assert_eq!(at_sim.len(), 1);
            assert_eq!(at_sim[0].requested_amount.as_deref(), Some(sent));
            assert_eq!(at_sim[0].amount, refund_minor);
            let here = store.list_refunds_of_order(&order_id).await.unwrap();
            assert_eq!(
                (here[0].amount, here[0].currency.as_str()),
                (refund_minor, currency)
            );

            let detail: Value = app
                .call("get_order", &[("order_id", &order_id)])
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(detail["amount"], shown);
        }

        let yen = paid_order_in(app, sim, "700", "JPY").await;
        let key = refund_form(app, &yen).await.unwrap();
        let res = app
            .call(
                "refund_order",
                &[
                    ("order_id", &yen),
                    ("unique_request_id", &key),
                    ("amount", "1.5"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 422, "yen have no decimals");
        assert!(res.text().await.unwrap().contains("no decimals"));
        assert!(sim.handle().refunds(&yen).is_empty());
    }
);

sim_test!(
    a_webhook_whose_amount_cannot_be_read_is_found_by_its_order_with_the_field_named,
    |app, sim| {
        app.login_as_admin().await;
        let order_id = paid_order_in(app, sim, "10.00", "INR").await;
        let body = dashboard_testkit::juspay_order_event(
            "evt_bad_amount",
            "ORDER_REFUNDED",
            serde_json::json!({"order_id": order_id, "status": "CHARGED", "amount": "12,34",
                "currency": "INR"}),
        );
        let res = dashboard_testkit::post_webhook(
            &app.url("/webhooks/juspay"),
            Some((HOOK_USER, HOOK_PASSWORD)),
            &body,
        )
        .await;
        assert_eq!(res.status().as_u16(), 200, "kept, so Juspay need not retry");

        let filter = WebhookFilter {
            order_id: Some(order_id.clone()),
            outcome: Some(Outcome::ParseError),
            ..WebhookFilter::default()
        };
        let kept = app
            .db
            .store()
            .list_webhook_events(&filter, 10)
            .await
            .unwrap();
        assert_eq!(kept.len(), 1, "found by its order id");
        assert_eq!(kept[0].event_id.as_deref(), Some("evt_bad_amount"));
        assert_eq!(kept[0].event_name.as_deref(), Some("ORDER_REFUNDED"));
        let detail = kept[0].outcome_detail.clone().unwrap();
        assert!(detail.contains("content.order.amount"), "{detail}");

        let log = app
            .get(&format!("/webhooks?order={order_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(log.contains("ORDER_REFUNDED"), "listed in the webhook log");
        let page: Value = app
            .call("get_order", &[("order_id", &order_id)])
            .await
            .json()
            .await
            .unwrap();
        let named = page["timeline"].as_array().unwrap().iter().any(|e| {
            e["detail"]
                .as_str()
                .is_some_and(|d| d.contains("content.order.amount"))
        });
        assert!(named, "the order page names the field: {page}");
    }
);

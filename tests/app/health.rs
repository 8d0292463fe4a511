//! The health page: figures for seeded orders with known answers, charts readable without
//! JavaScript, breakdown rows linking to the filtered order list.

use dashboard_core::{clock::now_millis, store::orders::OrderRow};
use serde_json::Value;

use crate::app_test;

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
            svg.is_some_and(|s| s.contains("role=\"img\"")),
            "an SVG chart without JavaScript: {svg:?}"
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
    }
);

app_test!(
    metrics_need_the_token_and_carry_the_same_figures,
    "[metrics]\ntoken = \"scrape token 1\"\n",
    |app| {
        let store = app.db.store();
        for row in [
            order("m1", "CHARGED", "PAYU", 10_000),
            order("m2", "AUTHORIZATION_FAILED", "PAYU", 10_000),
        ] {
            let mut tx = store.begin().await.unwrap();
            tx.insert_order_for_test(&row).await.unwrap();
            tx.commit().await.unwrap();
        }
        let client = crate::helpers::bare_client();
        let url = app.url("/metrics");
        let refused = client.get(&url).send().await.unwrap();
        assert_eq!(refused.status().as_u16(), 401);
        let wrong = client.get(&url).bearer_auth("guess").send().await.unwrap();
        assert_eq!(wrong.status().as_u16(), 401);
        let res = client
            .get(&url)
            .bearer_auth("scrape token 1")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let text = res.text().await.unwrap();
        assert!(
            text.contains("dashboard_payment_success_ratio{window=\"1h\"} 0.5000"),
            "{text}"
        );
        assert!(text.contains(
            "dashboard_payment_success_ratio_by_gateway{window=\"24h\",gateway=\"PAYU\"} 0.5000"
        ));
        assert!(text.contains("# TYPE dashboard_webhooks_received gauge"));
    }
);

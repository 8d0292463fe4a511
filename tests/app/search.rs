//! The top bar's search: one hit opens its page, several are listed, none says so.

use crate::{
    app_test,
    orders::{row, seed},
};

app_test!(
    a_search_with_one_hit_opens_its_page_and_several_hits_are_listed_newest_first,
    |app| {
        app.login_as_admin().await;
        let mut first = row("ord_srch_1", 1_000, "CHARGED", 50_000);
        first.customer_email = Some("ana@example.com".into());
        first.rrn = Some("RRN-555".into());
        let mut second = row("ord_srch_2", 2_000, "PENDING_VBV", 700);
        second.customer_email = Some("ana@example.com".into());
        second.payer_vpa = Some("ana@upi".into());
        seed(app, vec![first, second]).await;

        for (term, page) in [
            ("RRN-555", "/orders/ord_srch_1"),
            ("ana@upi", "/orders/ord_srch_2"),
            ("ANA@example.com", "/orders?customer=ANA%40example.com"),
        ] {
            let res = app.get(&format!("/search?q={term}")).await;
            assert_eq!(res.status().as_u16(), 303, "{term}");
            assert_eq!(res.headers()["location"], page, "{term}");
        }

        let res = app
            .call("search_everything", &[("q", "ana@example.com")])
            .await;
        assert_eq!(res.status().as_u16(), 200);
        let hits: serde_json::Value = res.json().await.unwrap();
        assert_eq!(hits[0]["kind"], "Customer", "{hits}");

        let refund = dashboard_core::refunds::model::RefundRow {
            unique_request_id: "rf_srch".into(),
            order_id: "ord_srch_1".into(),
            amount: 100,
            currency: "INR".into(),
            status: "PENDING".into(),
            created_at: 3_000,
            updated_at: 3_000,
            ..Default::default()
        };
        let store = app.db.store();
        let mut tx = store.begin().await.unwrap();
        tx.save_refund(&refund).await.unwrap();
        tx.commit().await.unwrap();
        let listed = app.get("/search?q=ord_srch_1").await;
        assert_eq!(
            listed.status().as_u16(),
            200,
            "an order and its refund: listed"
        );
        let page = listed.text().await.unwrap();
        let (refund_at, order_at) = (page.find(">rf_srch<"), page.find(">ord_srch_1<"));
        assert!(
            refund_at.is_some() && order_at.is_some() && refund_at < order_at,
            "both, newest first"
        );
        let none = app.get("/search?q=no-such-thing").await;
        assert_eq!(none.status().as_u16(), 200);
        assert!(none.text().await.unwrap().contains("Nothing is named"));

        let bare = crate::helpers::bare_client();
        let res = bare
            .post(app.url("/api/search_everything"))
            .header("accept", "application/json")
            .form(&[("q", "ord_srch_1")])
            .send()
            .await
            .unwrap();
        assert!(
            res.status().as_u16() == 401 || res.status().as_u16() == 403,
            "signed out: {}",
            res.status()
        );
    }
);

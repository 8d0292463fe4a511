//! Saved views: a user's own or shared by an admin, and the default a list page opens with.

use serde_json::Value;

use crate::app_test;

app_test!(
    a_saved_default_view_opens_the_page_with_its_filters_until_cleared,
    |app| {
        app.login_as_admin().await;
        let save = app
            .call(
                "save_view",
                &[
                    ("page", "orders"),
                    ("name", "Pending PayU"),
                    ("query", "group=pending&gateway=PAYU&after=9:x"),
                    ("shared", "yes"),
                ],
            )
            .await;
        assert_eq!(save.status().as_u16(), 200);
        let listed: Value = app
            .call("list_views", &[("page", "orders")])
            .await
            .json()
            .await
            .unwrap();
        let view = &listed["views"][0];
        assert_eq!(
            view["href"], "/orders?group=pending&gateway=PAYU",
            "the page cursor is not saved"
        );
        assert_eq!(view["shared"], true);
        let id = view["id"].as_i64().unwrap().to_string();

        let plain = app.get("/orders").await;
        assert_eq!(plain.status().as_u16(), 200, "no default yet");
        let set = app
            .call("set_default_view", &[("page", "orders"), ("id", &id)])
            .await;
        assert_eq!(set.status().as_u16(), 200);
        let opened = app.get("/orders").await;
        assert_eq!(opened.status().as_u16(), 303);
        assert_eq!(
            opened.headers()["location"],
            "/orders?group=pending&gateway=PAYU"
        );
        assert_eq!(
            app.get("/orders?view=all").await.status().as_u16(),
            200,
            "Clear shows all"
        );
        assert_eq!(
            app.get("/refunds").await.status().as_u16(),
            200,
            "defaults are per page"
        );

        let bad = app
            .call(
                "save_view",
                &[("page", "users"), ("name", "x"), ("query", "")],
            )
            .await;
        assert_eq!(bad.status().as_u16(), 422);
        let odd = app
            .call(
                "save_view",
                &[
                    ("page", "orders"),
                    ("name", "x"),
                    ("query", "q=a\r\nSet-Cookie: x"),
                ],
            )
            .await;
        assert_eq!(
            odd.status().as_u16(),
            422,
            "only what the filter forms write"
        );
        let unnamed = app
            .call(
                "save_view",
                &[("page", "orders"), ("name", " "), ("query", "q=1")],
            )
            .await;
        assert_eq!(unnamed.status().as_u16(), 422);

        for (page, query) in [
            ("webhooks", "verdict=rejected"),
            ("mandates", "status=ACTIVE"),
        ] {
            app.call(
                "save_view",
                &[("page", page), ("name", "Mine"), ("query", query)],
            )
            .await;
            let listed: Value = app
                .call("list_views", &[("page", page)])
                .await
                .json()
                .await
                .unwrap();
            let id = listed["views"][0]["id"].as_i64().unwrap().to_string();
            app.call("set_default_view", &[("page", page), ("id", &id)])
                .await;
            let opened = app.get(&format!("/{page}")).await;
            assert_eq!(
                opened.headers()["location"],
                format!("/{page}?{query}").as_str(),
                "{page}"
            );
        }

        let delete = app.call("delete_view", &[("id", &id)]).await;
        assert_eq!(delete.status().as_u16(), 200);
        assert_eq!(
            app.get("/orders").await.status().as_u16(),
            200,
            "its default went with it"
        );
        let audit = app
            .get("/audit?action=view.save")
            .await
            .text()
            .await
            .unwrap();
        assert!(audit.contains("Pending PayU"), "saving is audited");
    }
);

app_test!(
    only_admins_share_views_and_a_private_view_stays_its_owners,
    |app| {
        app.login_as_admin().await;
        app.create_user("olga", "operator password 1", "operator")
            .await;
        let mine = app
            .call(
                "save_view",
                &[
                    ("page", "refunds"),
                    ("name", "Admin's"),
                    ("query", "status=PENDING"),
                ],
            )
            .await;
        assert_eq!(mine.status().as_u16(), 200);
        let olga = crate::helpers::client_for(app.addr, Default::default());
        let call = |function: &'static str, form: Vec<(&'static str, &'static str)>| {
            olga.post(app.url(&format!("/api/{function}")))
                .header("accept", "application/json")
                .form(&form)
                .send()
        };
        call(
            "login",
            vec![("username", "olga"), ("password", "operator password 1")],
        )
        .await
        .unwrap();
        let shared = call(
            "save_view",
            vec![
                ("page", "refunds"),
                ("name", "Team"),
                ("query", "status=FAILURE"),
                ("shared", "yes"),
            ],
        )
        .await
        .unwrap();
        assert_eq!(shared.status().as_u16(), 422, "an operator cannot share");
        let listed: Value = call("list_views", vec![("page", "refunds")])
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            listed["views"],
            serde_json::json!([]),
            "the admin's private view is not listed"
        );
        assert_eq!(listed["can_share"], false);
    }
);

//! Roles and the cross-site request guard.

use crate::{
    app_test,
    helpers::{ADMIN, ADMIN_PASSWORD, bare_client},
};

app_test!(
    a_viewer_calling_an_admin_server_function_directly_gets_403,
    |app| {
        app.login_as_admin().await;
        app.create_user("vera", "viewer password 1", "viewer").await;
        app.call("logout", &[]).await;
        let res = app.login("vera", "viewer password 1").await;
        assert_eq!(res.headers()["location"], "/orders");

        for (function, form) in [
            ("list_users", vec![]),
            (
                "create_user",
                vec![
                    ("username", "mallory"),
                    ("password", "mallory password"),
                    ("role", "admin"),
                ],
            ),
            ("set_user_role", vec![("user_id", "1"), ("role", "viewer")]),
            (
                "set_user_disabled",
                vec![("user_id", "1"), ("disabled", "true")],
            ),
        ] {
            let res = app.call(function, &form).await;
            assert_eq!(res.status().as_u16(), 403, "{function}");
        }
        let page = app.get("/users").await;
        assert_eq!(page.status().as_u16(), 403);
        let html = page.text().await.unwrap();
        assert!(html.contains("You do not have permission"));
        assert!(
            !html.contains("href=\"/users\""),
            "no Users link for a viewer"
        );
    }
);

app_test!(signed_out_callers_of_server_functions_get_401, |app| {
    let res = app.call("list_users", &[]).await;
    assert_eq!(res.status().as_u16(), 401);
});

app_test!(
    an_admin_sees_users_in_the_navigation_and_can_manage_them,
    |app| {
        app.login_as_admin().await;
        let html = app.get("/orders").await.text().await.unwrap();
        assert!(html.contains("href=\"/users\""));
        app.create_user("otto", "operator password 1", "operator")
            .await;

        let taken = app
            .call(
                "create_user",
                &[
                    ("username", "otto"),
                    ("password", "another password"),
                    ("role", "viewer"),
                ],
            )
            .await;
        assert_eq!(taken.status().as_u16(), 422);
        assert!(
            taken
                .text()
                .await
                .unwrap()
                .contains("That username is taken.")
        );

        let weak = app
            .call(
                "create_user",
                &[
                    ("username", "pia"),
                    ("password", "short"),
                    ("role", "viewer"),
                ],
            )
            .await;
        assert_eq!(weak.status().as_u16(), 422);
        assert!(
            weak.text()
                .await
                .unwrap()
                .contains("\"field\":\"password\"")
        );

        let users: serde_json::Value = app.call("list_users", &[]).await.json().await.unwrap();
        let otto = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "otto")
            .unwrap()
            .clone();
        assert_eq!(otto["role"], "operator");
        let id = otto["id"].as_i64().unwrap().to_string();
        let res = app
            .call("set_user_role", &[("user_id", &id), ("role", "admin")])
            .await;
        assert_eq!(res.status().as_u16(), 200);
        let page = app.get("/users").await.text().await.unwrap();
        assert!(page.contains("otto"));

        let audit = app.db.store().list_audit(20).await.unwrap();
        let actions: Vec<_> = audit.iter().map(|a| a.action.as_str()).collect();
        assert!(
            actions.contains(&"user.create") && actions.contains(&"user.role"),
            "{actions:?}"
        );
        assert!(
            audit
                .iter()
                .all(|a| !a.trace_id.is_empty() || a.actor == "system")
        );
    }
);

app_test!(an_admin_cannot_lock_themselves_out, |app| {
    app.login_as_admin().await;
    let users: serde_json::Value = app.call("list_users", &[]).await.json().await.unwrap();
    let me = users[0]["id"].as_i64().unwrap().to_string();
    let res = app
        .call(
            "set_user_disabled",
            &[("user_id", &me), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    let res = app
        .call("set_user_role", &[("user_id", &me), ("role", "viewer")])
        .await;
    assert_eq!(res.status().as_u16(), 422);
});

app_test!(a_cross_site_post_is_refused, |app| {
    let client = bare_client();
    let form = [("username", ADMIN), ("password", ADMIN_PASSWORD)];
    let cross_origin = client
        .post(app.url("/api/login"))
        .header("origin", "http://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_origin.status().as_u16(), 403);
    let cross_site = client
        .post(app.url("/api/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status().as_u16(), 403);
    let no_origin = client
        .post(app.url("/api/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status().as_u16(), 403);
    let same_origin = client
        .post(app.url("/api/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status().as_u16(), 200);
    assert_eq!(same_origin.headers()["location"], "/orders");
});

app_test!(an_unknown_page_is_a_404_for_a_signed_in_user, |app| {
    app.login_as_admin().await;
    let res = app.get("/no-such-page").await;
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.text().await.unwrap().contains("Page not found"));
});

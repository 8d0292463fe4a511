//! Sign-in, sign-out, throttling and sessions.

use dashboard_core::store::Backend;

use crate::{
    app_test,
    helpers::{ADMIN, ADMIN_PASSWORD, TestApp, bare_client, client_for},
};

app_test!(
    signing_in_with_the_right_password_opens_the_dashboard,
    |app| {
        // The hydrated app gets 200 plus a Location for its router to follow.
        let res = app.login(ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["location"], "/orders");
        let page = app.get("/orders").await;
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("Sign out"), "signed-in shell expected");
        assert!(html.contains(ADMIN));
    }
);

app_test!(
    a_wrong_password_and_an_unknown_user_get_the_same_generic_refusal,
    |app| {
        let wrong = app.login(ADMIN, "not the password at all").await;
        assert_eq!(wrong.status().as_u16(), 401);
        let wrong_body = wrong.text().await.unwrap();
        let unknown = app.login("nobody-here", "not the password at all").await;
        assert_eq!(unknown.status().as_u16(), 401);
        assert_eq!(wrong_body, unknown.text().await.unwrap());
        assert!(wrong_body.contains("InvalidCredentials"), "{wrong_body}");
        let page = app.get("/orders").await;
        assert_eq!(page.status().as_u16(), 303, "still signed out");
    }
);

app_test!(
    repeated_failures_from_one_address_throttle_it_even_for_the_right_password,
    "[login]\naccount_delay_after = 100\n",
    |app| {
        for _ in 0..5 {
            let res = app.login(ADMIN, "wrong password again").await;
            assert_eq!(res.status().as_u16(), 401);
        }
        let res = app.login(ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(res.status().as_u16(), 429);
        let wait: i64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(wait > 800, "{wait}");
        assert!(res.text().await.unwrap().contains("retry_after_secs"));
    }
);

app_test!(
    a_plain_form_sign_in_failure_redirects_back_with_the_error_shown,
    |app| {
        let res = app
            .client
            .post(app.url("/api/login"))
            .header("accept", "text/html")
            .header("referer", app.url("/login"))
            .form(&[("username", ADMIN), ("password", "wrong password again")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 302);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.contains("__err="), "{location}");
        let page = app.client.get(&location).send().await.unwrap();
        let html = page.text().await.unwrap();
        assert!(
            html.contains("Invalid username or password."),
            "error shown on the page"
        );
    }
);

app_test!(pages_send_signed_out_visitors_to_sign_in_and_back, |app| {
    let res = app.get("/users?x=1").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/login?next=/users%3Fx%3D1");
    let login_page = app.get("/login").await;
    assert_eq!(login_page.status().as_u16(), 200);
    let res = app
        .call(
            "login",
            &[
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("next", "/users?x=1"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/users?x=1");
});

app_test!(signing_out_ends_the_session_on_the_server, |app| {
    app.login_as_admin().await;
    let old_cookie = app.session_cookie().expect("session cookie");
    let res = app.call("logout", &[]).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["location"], "/login");
    // Replaying the old cookie must not work: the session is gone from the store.
    let replay = bare_client()
        .get(app.url("/orders"))
        .header("cookie", old_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status().as_u16(), 303);
});

app_test!(the_session_id_changes_at_sign_in, |app| {
    app.get("/login").await;
    app.call("logout", &[]).await; // leaves a flash, so an anonymous session exists
    let before = app.session_cookie().expect("anonymous session");
    app.login_as_admin().await;
    let after = app.session_cookie().expect("signed-in session");
    assert_ne!(before, after);
});

app_test!(
    viewing_pages_leaves_the_session_unwritten_and_a_flash_shows_once,
    |app| {
        // A saved session comes back with a cookie; a plain page view must not save it (it
        // would be a durable write per page view).
        app.login_as_admin().await;
        for path in ["/orders", "/orders", "/webhooks"] {
            let page = app.get(path).await;
            assert_eq!(page.status().as_u16(), 200);
            assert!(
                page.headers().get("set-cookie").is_none(),
                "{path} saved the session"
            );
        }
        app.call("logout", &[]).await;
        let first = app.get("/login").await;
        assert!(
            first.headers().get("set-cookie").is_some(),
            "taking the flash saves"
        );
        assert!(first.text().await.unwrap().contains("You have signed out."));
        let second = app.get("/login").await;
        assert!(second.headers().get("set-cookie").is_none());
        assert!(
            !second
                .text()
                .await
                .unwrap()
                .contains("You have signed out.")
        );
    }
);

async fn a_session_survives_a_restart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_as_admin().await;
    let (db, jar) = app.stop().await;
    let again = TestApp::spawn_on(db, jar, "").await;
    let page = again.get("/orders").await;
    assert_eq!(page.status().as_u16(), 200);
    again.finish().await;
}

#[tokio::test]
async fn a_session_survives_a_restart_on_sqlite() {
    a_session_survives_a_restart(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_session_survives_a_restart_on_postgres() {
    a_session_survives_a_restart(Backend::Postgres).await;
}

app_test!(a_disabled_user_is_signed_out_everywhere_at_once, |app| {
    app.login_as_admin().await;
    app.create_user("olga", "operator password 1", "operator")
        .await;
    let users = app
        .call("list_users", &[])
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let olga_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "olga")
        .map(|u| u["id"].as_i64().unwrap())
        .unwrap();

    let olga = client_for(app.addr, Default::default());
    let res = olga
        .post(app.url("/api/login"))
        .form(&[("username", "olga"), ("password", "operator password 1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/orders");
    assert_eq!(
        olga.get(app.url("/orders"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );

    let res = app
        .call(
            "set_user_disabled",
            &[("user_id", &olga_id.to_string()), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        olga.get(app.url("/orders"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
    let res = olga
        .post(app.url("/api/login"))
        .form(&[("username", "olga"), ("password", "operator password 1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401, "a disabled user cannot sign in");
});

app_test!(the_session_cookie_is_http_only_and_same_site, |app| {
    let res = app.login(ADMIN, ADMIN_PASSWORD).await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("dashboard_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");
});

app_test!(
    over_https_the_session_cookie_is_secure_and_host_prefixed,
    "[server]\nsecure_cookies = true\n",
    |app| {
        let res = app.login(ADMIN, ADMIN_PASSWORD).await;
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("__Host-dashboard_session="), "{cookie}");
        assert!(
            cookie.contains("Secure") && cookie.contains("Path=/"),
            "{cookie}"
        );
    }
);

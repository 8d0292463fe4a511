//! What a merchant's security review checks from outside: redirects that stay on this site,
//! security headers on every kind of answer, exports that a spreadsheet cannot execute.

use crate::{
    app_test,
    helpers::{ADMIN, ADMIN_PASSWORD, bare_client},
};

app_test!(
    a_sign_in_target_that_a_browser_would_turn_into_another_host_goes_to_the_orders,
    |app| {
        for next in ["/\t/evil.example", "/\n/evil.example", "/\\evil.example"] {
            let res = app
                .call(
                    "login",
                    &[
                        ("username", ADMIN),
                        ("password", ADMIN_PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(res.status().as_u16(), 200, "{next:?}");
            assert_eq!(res.headers()["location"], "/orders", "{next:?}");
        }
    }
);

app_test!(
    an_exported_cell_that_a_spreadsheet_would_run_as_a_formula_comes_out_as_text,
    |app| {
        let mut order = crate::orders::row("ord_formula", 0, "CHARGED", 100);
        order.customer_phone = Some("=1+1".into());
        order.customer_email = Some("@SUM(A1)".into());
        crate::orders::seed(app, vec![order]).await;
        app.login_as_admin().await;
        let res = app.get("/orders/export.csv").await;
        assert_eq!(res.status().as_u16(), 200);
        let text = res.text().await.unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("ord_formula,"))
            .expect("the order is exported");
        assert!(line.contains(",'@SUM(A1),'=1+1,"), "{line}");
    }
);

app_test!(
    the_merchant_api_refuses_a_phone_or_email_that_is_not_one_and_stores_nothing,
    "[merchant_api]\ntoken = \"merchant app token 123\"\n",
    |app| {
        for (field, value) in [
            ("customer_phone", "=HYPERLINK(\"http://evil.example\")"),
            ("customer_email", "not an address"),
            ("description", "two\nlines"),
        ] {
            let res = bare_client()
                .post(app.url("/merchant-api/session"))
                .bearer_auth("merchant app token 123")
                .json(&serde_json::json!({"order_id": "app_bad", "amount": "10.00", field: value}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 422, "{field}");
            let body: serde_json::Value = res.json().await.unwrap();
            assert!(
                body["message"].as_str().unwrap().starts_with(field),
                "{body}"
            );
        }
        assert!(
            app.db
                .store()
                .find_order("app_bad")
                .await
                .unwrap()
                .is_none()
        );
    }
);

/// Asserts the headers every answer carries, and returns its Content-Security-Policy.
fn assert_security_headers(res: &reqwest::Response, what: &str) -> String {
    let header = |name: &str| {
        res.headers()
            .get(name)
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "same-origin", "{what}");
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    let policy = header("content-security-policy");
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{what}: {policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{what}: {policy}");
    policy
}

fn cache_control(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned())
}

app_test!(
    pages_server_functions_exports_and_the_bundle_carry_the_security_headers,
    &crate::ops::site_with_bundle(),
    |app| {
        let page = app.get("/login").await;
        let policy = assert_security_headers(&page, "page");
        assert_eq!(cache_control(&page).as_deref(), Some("no-store"));
        assert!(
            page.headers().get("strict-transport-security").is_none(),
            "no HSTS over plain http"
        );
        let nonce = policy
            .split(['\'', ' '])
            .find_map(|part| part.strip_prefix("nonce-"))
            .unwrap_or_else(|| panic!("no nonce in {policy}"))
            .to_owned();
        assert!(nonce.len() >= 16, "{nonce}");
        let html = page.text().await.unwrap();
        let scripts: Vec<&str> = html.split("<script").skip(1).collect();
        assert!(!scripts.is_empty(), "the hydration script is inline");
        for script in scripts {
            let tag = &script[..script.find('>').unwrap()];
            assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{tag}");
        }
        let root = html
            .split("href=\"")
            .filter_map(|rest| rest.split_once("/pkg/merchant_dashboard.js\""))
            .map(|(root, _)| root.to_owned())
            .next()
            .unwrap_or_else(|| panic!("the page loads the bundle from its own address: {html}"));
        assert!(root.starts_with("/assets/"), "{root}");
        assert!(
            html.contains(&format!("href=\"{root}/pkg/merchant_dashboard.css\"")),
            "the style sheet from the same address"
        );
        let addressed = app.get(&format!("{root}/pkg/merchant_dashboard.js")).await;
        assert_eq!(addressed.status().as_u16(), 200);
        assert_security_headers(&addressed, "bundle at its content address");
        assert_eq!(
            cache_control(&addressed).as_deref(),
            Some("public, max-age=31536000, immutable"),
            "its address names its content, so it is kept for a year"
        );
        let again = app.get("/login").await;
        let other = assert_security_headers(&again, "second page");
        assert_ne!(policy, other, "a fresh nonce per answer");

        app.login_as_admin().await;
        let function = app.call("session_info", &[]).await;
        assert_eq!(function.status().as_u16(), 200);
        let policy = assert_security_headers(&function, "server function");
        assert!(policy.starts_with("default-src 'none'"), "{policy}");
        assert_eq!(cache_control(&function).as_deref(), Some("no-store"));

        let export = app.get("/orders/export.csv").await;
        assert_eq!(export.status().as_u16(), 200);
        assert_security_headers(&export, "export");
        assert_eq!(cache_control(&export).as_deref(), Some("no-store"));

        let bundle = app.get("/pkg/merchant_dashboard.js").await;
        assert_eq!(bundle.status().as_u16(), 200);
        assert_security_headers(&bundle, "bundle");
        assert_ne!(
            cache_control(&bundle).as_deref(),
            Some("no-store"),
            "the bundle may be cached"
        );
    }
);

app_test!(
    over_https_every_answer_asks_browsers_to_keep_to_https,
    "[server]\nsecure_cookies = true\nhsts_max_age_seconds = 600\n",
    |app| {
        for path in ["/login", "/healthz", "/no-such-page"] {
            let res = app.get(path).await;
            assert_eq!(
                res.headers()["strict-transport-security"],
                "max-age=600",
                "{path}"
            );
        }
    }
);

app_test!(
    behind_one_trusted_proxy_the_client_address_is_the_one_the_proxy_appended,
    "[server]\ntrust_forwarded_for = true\ntrusted_proxies = 1\n",
    |app| {
        let res = app
            .client
            .post(app.url("/api/login"))
            .header("x-forwarded-for", "6.6.6.6, 203.0.113.9")
            .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let audit = app.db.store().list_audit_for("session", 5).await.unwrap();
        assert_eq!(audit[0].action, "login");
        assert_eq!(
            audit[0].client_ip, "203.0.113.9",
            "not the client-written entry"
        );
    }
);

/// Signs in as `username` from `address` (as our one trusted proxy reports it).
async fn login_from(
    app: &crate::helpers::TestApp,
    address: &str,
    username: &str,
    password: &str,
) -> u16 {
    app.client
        .post(app.url("/api/login"))
        .header("accept", "application/json")
        .header("x-forwarded-for", address)
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

app_test!(
    an_attackers_failures_from_other_addresses_do_not_stop_the_owner,
    "[server]\ntrust_forwarded_for = true\n",
    |app| {
        for i in 0..30 {
            let attacker = format!("198.51.100.{}", i % 6);
            let status = login_from(app, &attacker, ADMIN, "a guessed password").await;
            assert!(matches!(status, 401 | 429), "{status}");
        }
        let status = login_from(app, "198.51.100.0", ADMIN, "a guessed password").await;
        assert_eq!(status, 429, "the attacker's address is refused");
        let status = login_from(app, "203.0.113.9", ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(status, 200, "the owner signs in from their own address");
    }
);

app_test!(
    a_burst_of_parallel_wrong_passwords_gets_no_more_guesses_than_the_limit,
    |app| {
        let mut burst = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let client = app.client.clone();
            let url = app.url("/api/login");
            burst.spawn(async move {
                client
                    .post(url)
                    .header("accept", "application/json")
                    .form(&[("username", ADMIN), ("password", "a guessed password")])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            });
        }
        let statuses = burst.join_all().await;
        let refused = statuses.iter().filter(|s| **s == 401).count() as i64;
        let throttled = statuses.iter().filter(|s| **s == 429).count() as i64;
        assert_eq!(refused + throttled, 50, "{statuses:?}");
        assert!((1..=5).contains(&refused), "{refused} guesses answered");
        let now = dashboard_core::clock::now_millis();
        let store = app.db.store();
        let recorded = |key: &'static str| {
            let store = store.clone();
            async move {
                store
                    .login_count(key, now, 15 * 60_000)
                    .await
                    .unwrap()
                    .failures
            }
        };
        assert_eq!(recorded("pair:admin:127.0.0.1").await, refused);
        assert_eq!(recorded("account:admin").await, refused);
        assert_eq!(recorded("ip:127.0.0.1").await, refused);
    }
);

app_test!(
    a_viewer_sees_webhook_bodies_with_the_customers_details_masked_and_an_operator_whole,
    "[webhook]\npassword = \"hook password for tests\"\n[processor]\nenabled = false\n",
    |app| {
        let body = r#"{"id":"evt_mask_1","event_name":"ORDER_SUCCEEDED","content":{"order":{
            "order_id":"ord_mask","status":"CHARGED","amount":"10.00",
            "customer_email":"ana@example.com","customer_phone":"9876543210",
            "payer_vpa":"ana.lee@okbank","card":{"last_four_digits":"4242"}}}}"#;
        let res = bare_client()
            .post(app.url("/webhooks/juspay"))
            .basic_auth("juspay", Some("hook password for tests"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let id = app
            .db
            .store()
            .list_webhook_events(&Default::default(), 1)
            .await
            .unwrap()[0]
            .id;
        let id = id.to_string();

        app.login_as_admin().await;
        app.create_user("vera", "viewer password 1", "viewer").await;
        app.create_user("otto", "operator password 1", "operator")
            .await;
        let shown_to = |username: &'static str, password: &'static str| {
            let id = id.clone();
            async move {
                let client = app
                    .browser_signed_in(username, password, "test browser")
                    .await;
                let detail: serde_json::Value = client
                    .post(app.url("/api/get_webhook"))
                    .header("accept", "application/json")
                    .form(&[("id", id.as_str())])
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                detail["body"].as_str().unwrap().to_owned()
            }
        };
        let viewer = shown_to("vera", "viewer password 1").await;
        for personal in ["ana@example.com", "9876543210", "ana.lee@okbank", "4242"] {
            assert!(
                !viewer.contains(personal),
                "{personal} shown to a viewer: {viewer}"
            );
        }
        assert!(
            viewer.contains("a***@example.com") && viewer.contains("ord_mask"),
            "{viewer}"
        );
        let operator = shown_to("otto", "operator password 1").await;
        assert!(operator.contains("ana@example.com") && operator.contains("9876543210"));
    }
);

app_test!(
    a_payment_link_that_is_not_a_web_address_is_not_offered_as_a_link,
    |app| {
        let mut order = crate::orders::row("ord_link", 0, "NEW", 100);
        order.payment_link = Some("javascript:alert(document.cookie)".into());
        crate::orders::seed(app, vec![order]).await;
        app.login_as_admin().await;
        let page = app.get("/orders/ord_link").await;
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("ord_link"));
        assert!(
            !html.contains("javascript:alert"),
            "the value is not shown as a link"
        );
    }
);

app_test!(
    a_flood_of_bad_credentials_from_one_address_stores_only_its_budget_and_counts_the_rest,
    "[webhook]\npassword = \"hook password for tests\"\nrejected_kept_per_address_per_minute = 3\n\
     [jpsl]\nmerchant_id = \"JP1\"\nsecret = \"jpsl secret for tests\"\n\
     [metrics]\ntoken = \"scrape token for tests\"\n",
    |app| {
        for _ in 0..5 {
            let res = bare_client()
                .post(app.url("/webhooks/juspay"))
                .basic_auth("juspay", Some("a guessed password"))
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 401);
            let res = bare_client()
                .post(app.url("/callbacks/jpsl"))
                .header("content-type", "application/json")
                .body(r#"{"merchantId":"JP1","secureHash":"forged"}"#)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 401);
        }
        let filter = dashboard_core::webhooks::store::WebhookFilter {
            auth_verdict: Some("rejected".into()),
            ..Default::default()
        };
        let stored = app
            .db
            .store()
            .list_webhook_events(&filter, 100)
            .await
            .unwrap();
        assert_eq!(stored.len(), 3, "the address's budget, across both doors");
        let metrics = bare_client()
            .get(app.url("/metrics"))
            .bearer_auth("scrape token for tests")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics
                .lines()
                .any(|l| l == "dashboard_webhook_rejections_unstored_total 7"),
            "{metrics}"
        );
    }
);

/// The current code of `secret`, as an authenticator app would show it.
fn current_code(secret: &str) -> String {
    let now = u64::try_from(dashboard_core::clock::now_millis() / 1000).unwrap();
    dashboard_core::staff::second_factor::code_at(secret, now).unwrap()
}

/// Enrols the signed-in user of `app.client`: reads the offered secret, confirms it with a
/// code, and returns the secret, the recovery codes and the code it used.
async fn enrol(app: &crate::helpers::TestApp) -> (String, Vec<String>, String) {
    let status: serde_json::Value = app
        .call("two_factor_status", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["enrolled"], false);
    assert!(status["qr_svg"].as_str().unwrap().contains("<svg"));
    let secret = status["secret"].as_str().unwrap().to_owned();
    let again: serde_json::Value = app
        .call("two_factor_status", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["secret"],
        secret.as_str(),
        "the offer holds across reloads"
    );
    let wrong = app.call("confirm_two_factor", &[("code", "000000")]).await;
    assert_eq!(wrong.status().as_u16(), 422);
    let used = current_code(&secret);
    let res = app.call("confirm_two_factor", &[("code", &used)]).await;
    assert_eq!(res.status().as_u16(), 200);
    let codes: Vec<String> = res.json().await.unwrap();
    assert_eq!(codes.len(), 10);
    (secret, codes, used)
}

app_test!(
    with_a_second_factor_sign_in_needs_a_fresh_code_or_an_unused_recovery_code,
    |app| {
        app.login_as_admin().await;
        let (secret, recovery, used) = enrol(app).await;
        let status: serde_json::Value = app
            .call("two_factor_status", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (
                status["enrolled"].as_bool(),
                status["recovery_codes_left"].as_i64()
            ),
            (Some(true), Some(10))
        );
        app.call("logout", &[]).await;

        // The password alone leads to the code step, not into the dashboard.
        let res = app.login(ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(res.headers()["location"], "/login/code");
        assert_eq!(
            app.get("/orders").await.status().as_u16(),
            303,
            "not signed in yet"
        );
        let wrong = app.call("sign_in_with_code", &[("code", "000000")]).await;
        assert_eq!(wrong.status().as_u16(), 422);
        // The enrolment used this step's code: the same code is refused as a replay.
        let replay = app.call("sign_in_with_code", &[("code", &used)]).await;
        assert_eq!(replay.status().as_u16(), 422, "a code is accepted once");

        let res = app
            .call("sign_in_with_code", &[("code", &recovery[0])])
            .await;
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["location"], "/orders");
        assert_eq!(app.get("/orders").await.status().as_u16(), 200);
        let audit = app.db.store().list_audit_for("session", 50).await.unwrap();
        let latest = audit.last().unwrap();
        assert_eq!(
            (latest.action.as_str(), latest.detail.as_str()),
            ("login", "second factor: recovery code")
        );
        app.call("logout", &[]).await;

        app.login(ADMIN, ADMIN_PASSWORD).await;
        let reused = app
            .call("sign_in_with_code", &[("code", &recovery[0])])
            .await;
        assert_eq!(reused.status().as_u16(), 422, "a recovery code works once");
        assert_eq!(app.get("/orders").await.status().as_u16(), 303);
        // A code from the app signs in: the next step's is within the allowed drift.
        let now = u64::try_from(dashboard_core::clock::now_millis() / 1000).unwrap();
        let next = dashboard_core::staff::second_factor::code_at(&secret, now + 30).unwrap();
        let res = app.call("sign_in_with_code", &[("code", &next)]).await;
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(app.get("/orders").await.status().as_u16(), 200);
    }
);

app_test!(
    an_admin_who_must_have_a_second_factor_is_sent_to_enrol_and_can_do_nothing_else,
    "[auth]\nrequire_mfa = \"admins\"\n",
    |app| {
        let res = app.login(ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(res.headers()["location"], "/account/two-factor");
        let page = app.get("/orders").await;
        assert_eq!(page.status().as_u16(), 303);
        assert_eq!(page.headers()["location"], "/account/two-factor");
        assert_eq!(app.call("list_users", &[]).await.status().as_u16(), 403);
        let enrolment = app.get("/account/two-factor").await;
        assert_eq!(enrolment.status().as_u16(), 200);
        let html = enrolment.text().await.unwrap();
        assert!(
            html.contains("<svg") && html.contains("totp-secret"),
            "QR code and secret shown"
        );
        enrol(app).await;
        assert_eq!(app.get("/orders").await.status().as_u16(), 200);
        assert_eq!(app.call("list_users", &[]).await.status().as_u16(), 200);
    }
);

app_test!(
    an_admin_resets_a_users_second_factor_which_ends_their_sessions_and_is_audited,
    |app| {
        app.login_as_admin().await;
        app.create_user("otto", "operator password 1", "operator")
            .await;
        let otto = app
            .browser_signed_in("otto", "operator password 1", "test browser")
            .await;
        let status: serde_json::Value = otto
            .post(app.url("/api/two_factor_status"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let secret = status["secret"].as_str().unwrap().to_owned();
        let res = otto
            .post(app.url("/api/confirm_two_factor"))
            .header("accept", "application/json")
            .form(&[("code", current_code(&secret))])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let store = app.db.store();
        let (user, _) = store.find_user_credentials("otto").await.unwrap().unwrap();
        assert!(user.two_factor);

        let res = app
            .call("reset_second_factor", &[("user_id", &user.id.to_string())])
            .await;
        assert_eq!(res.status().as_u16(), 200);
        let (user, _) = store.find_user_credentials("otto").await.unwrap().unwrap();
        assert!(!user.two_factor);
        let page = otto.get(app.url("/orders")).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 303, "otto's session ended");
        let audit = store.list_audit_for("otto", 50).await.unwrap();
        let latest = audit.last().unwrap();
        assert_eq!(
            (latest.action.as_str(), latest.actor.as_str()),
            ("user.mfa_reset", ADMIN)
        );
    }
);

crate::sim_test!(
    a_large_refund_and_user_changes_need_the_password_again_and_then_go_through,
    "[auth]\nstep_up_amount = \"50.00\"\n",
    |app, sim| {
        use crate::refunds::{paid_order, refund_form, refunds_at_simulator};
        app.login_as_admin().await;
        let order_id = paid_order(app, sim, "100.00").await;
        app.call("logout", &[]).await;
        app.login(ADMIN, ADMIN_PASSWORD).await;

        let refund = |amount: &'static str| {
            let order_id = order_id.clone();
            async move {
                let key = refund_form(app, &order_id).await.unwrap();
                app.call(
                    "refund_order",
                    &[
                        ("order_id", order_id.as_str()),
                        ("unique_request_id", &key),
                        ("amount", amount),
                    ],
                )
                .await
            }
        };
        let refused = refund("60.00").await;
        assert_eq!(refused.status().as_u16(), 403);
        assert!(refused.text().await.unwrap().contains("StepUpRequired"));
        assert_eq!(refunds_at_simulator(sim, &order_id), 0, "nothing was sent");
        let new_user = [
            ("username", "nina"),
            ("password", "viewer password 1"),
            ("role", "viewer"),
        ];
        assert_eq!(
            app.call("create_user", &new_user).await.status().as_u16(),
            403
        );
        assert_eq!(
            refund("10.00").await.status().as_u16(),
            200,
            "small refunds need nothing"
        );

        let wrong = app
            .call(
                "confirm_identity",
                &[("confirm_password", "not my password")],
            )
            .await;
        assert_eq!(wrong.status().as_u16(), 422);
        assert!(wrong.text().await.unwrap().contains("confirm_password"));
        app.confirm_identity(ADMIN_PASSWORD).await;
        assert_eq!(refund("60.00").await.status().as_u16(), 200);
        assert_eq!(
            app.call("create_user", &new_user).await.status().as_u16(),
            200
        );
        assert_eq!(refunds_at_simulator(sim, &order_id), 2);
        let steps = app.db.store().list_audit_for("session", 50).await.unwrap();
        assert!(steps.iter().any(|a| a.action == "session.step_up"));
    }
);

app_test!(
    with_a_second_factor_confirming_identity_needs_the_code_too,
    |app| {
        app.login_as_admin().await;
        let (secret, _, _) = enrol(app).await;
        let without = app
            .call("confirm_identity", &[("confirm_password", ADMIN_PASSWORD)])
            .await;
        assert_eq!(without.status().as_u16(), 422);
        assert!(without.text().await.unwrap().contains("confirm_code"));
        let now = u64::try_from(dashboard_core::clock::now_millis() / 1000).unwrap();
        // The enrolment used this step; the next one is within the allowed drift.
        let code = dashboard_core::staff::second_factor::code_at(&secret, now + 30).unwrap();
        let with = app
            .call(
                "confirm_identity",
                &[
                    ("confirm_password", ADMIN_PASSWORD),
                    ("confirm_code", &code),
                ],
            )
            .await;
        assert_eq!(with.status().as_u16(), 200);
    }
);

/// A second browser of the admin: its own cookie jar and user agent, signed in.
async fn second_browser(app: &crate::helpers::TestApp, agent: &str) -> reqwest::Client {
    app.browser_signed_in(ADMIN, ADMIN_PASSWORD, agent).await
}

async fn signed_in(app: &crate::helpers::TestApp, client: &reqwest::Client) -> bool {
    client
        .get(app.url("/orders"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
        == 200
}

async fn sessions_of(app: &crate::helpers::TestApp, user_id: Option<&str>) -> serde_json::Value {
    let form: Vec<(&str, &str)> = user_id.map(|id| vec![("user_id", id)]).unwrap_or_default();
    let res = app.call("list_sessions", &form).await;
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

app_test!(
    a_user_sees_their_sessions_and_ending_another_signs_it_out,
    |app| {
        app.login_as_admin().await;
        let laptop = second_browser(app, "Laptop browser 1.0").await;
        let phone = second_browser(app, "Phone browser 2.0").await;
        let listed = sessions_of(app, None).await;
        let sessions = listed["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 3);
        assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
        assert!(sessions.iter().all(|s| s["address"] == "127.0.0.1"));
        let laptop_handle = sessions
            .iter()
            .find(|s| s["browser"] == "Laptop browser 1.0")
            .map(|s| s["handle"].as_str().unwrap().to_owned())
            .unwrap();

        let res = app
            .call("end_sessions", &[("handle", &laptop_handle)])
            .await;
        assert_eq!(res.status().as_u16(), 200);
        assert!(!signed_in(app, &laptop).await, "the laptop is signed out");
        assert!(signed_in(app, &phone).await && signed_in(app, &app.client).await);

        let res = app.call("end_sessions", &[]).await;
        assert_eq!(res.json::<String>().await.unwrap(), "One session ended.");
        assert!(!signed_in(app, &phone).await);
        assert!(signed_in(app, &app.client).await, "this session stays");
        let actions: Vec<String> = app
            .db
            .store()
            .list_audit_for(ADMIN, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        assert!(
            actions.contains(&"session.end".to_owned())
                && actions.contains(&"session.end_all".to_owned())
        );
    }
);

app_test!(
    changing_ones_password_needs_the_current_one_refuses_guessable_ones_and_ends_other_sessions,
    |app| {
        app.login_as_admin().await;
        let other = second_browser(app, "Other browser").await;
        let change = |current: &'static str, new: &'static str| async move {
            app.call(
                "change_password",
                &[("current_password", current), ("new_password", new)],
            )
            .await
        };
        let guessable = change(ADMIN_PASSWORD, "password1234").await;
        assert_eq!(guessable.status().as_u16(), 422);
        assert!(
            guessable
                .text()
                .await
                .unwrap()
                .contains("too easy to guess")
        );
        let wrong = change("not my password", "violet tram kettle monsoon").await;
        assert_eq!(wrong.status().as_u16(), 422);
        assert!(wrong.text().await.unwrap().contains("current_password"));
        assert!(signed_in(app, &other).await, "nothing changed yet");

        assert_eq!(
            change(ADMIN_PASSWORD, "violet tram kettle monsoon")
                .await
                .status()
                .as_u16(),
            200
        );
        assert!(!signed_in(app, &other).await, "the other session ended");
        assert!(signed_in(app, &app.client).await, "this one stays");
        app.call("logout", &[]).await;
        assert_eq!(
            app.login(ADMIN, ADMIN_PASSWORD).await.status().as_u16(),
            401
        );
        assert_eq!(
            app.login(ADMIN, "violet tram kettle monsoon")
                .await
                .status()
                .as_u16(),
            200
        );
    }
);

app_test!(an_admin_sees_and_ends_another_users_sessions, |app| {
    app.login_as_admin().await;
    app.create_user("otto", "operator password 1", "operator")
        .await;
    let otto = app
        .browser_signed_in("otto", "operator password 1", "test browser")
        .await;
    assert!(signed_in(app, &otto).await);
    let (user, _) = app
        .db
        .store()
        .find_user_credentials("otto")
        .await
        .unwrap()
        .unwrap();
    let id = user.id.to_string();
    let listed = sessions_of(app, Some(&id)).await;
    assert_eq!(
        (listed["username"].as_str(), listed["own"].as_bool()),
        (Some("otto"), Some(false))
    );
    assert_eq!(listed["sessions"].as_array().unwrap().len(), 1);
    let res = otto
        .post(app.url("/api/list_sessions"))
        .header("accept", "application/json")
        .form(&[("user_id", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        403,
        "only admins see others' sessions"
    );

    let res = app.call("end_sessions", &[("user_id", &id)]).await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(!signed_in(app, &otto).await);
    assert!(signed_in(app, &app.client).await);
    let page = app.get(&format!("/account/sessions?user={id}")).await;
    assert!(page.text().await.unwrap().contains("Sessions of otto"));
});

app_test!(
    the_audit_log_shows_admins_every_action_and_others_their_own_filtered_and_as_csv,
    |app| {
        app.login_as_admin().await;
        app.create_user("otto", "operator password 1", "operator")
            .await;
        app.create_user("vera", "viewer password 1", "viewer").await;
        let otto = app
            .browser_signed_in("otto", "operator password 1", "test browser")
            .await;

        let page: serde_json::Value = app
            .call("list_audit", &[("action", "user.create")])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["everyone"], true);
        let objects: Vec<&str> = page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["object"].as_str().unwrap())
            .collect();
        assert_eq!(
            objects,
            ["vera", "otto"],
            "newest first, filtered by action"
        );
        let row = &page["rows"][0];
        assert_eq!(
            (row["actor"].as_str(), row["address"].as_str()),
            (Some(ADMIN), Some("127.0.0.1"))
        );
        assert!(row["trace_id"].as_str().unwrap().len() >= 32);

        let own: serde_json::Value = otto
            .post(app.url("/api/list_audit"))
            .header("accept", "application/json")
            .form(&[("user", ADMIN)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(own["everyone"], false);
        let rows = own["rows"].as_array().unwrap();
        assert!(
            !rows.is_empty() && rows.iter().all(|r| r["actor"] == "otto"),
            "only otto's own: {own}"
        );

        let bad = app.call("list_audit", &[("from", "yesterday")]).await;
        assert_eq!(bad.status().as_u16(), 422);

        let csv = app.get("/audit/export.csv?action=user.create").await;
        assert_eq!(csv.status().as_u16(), 200);
        assert_eq!(csv.headers()["cache-control"], "no-store");
        let text = csv.text().await.unwrap();
        let mut lines = text.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("at_utc,actor,action,object")
        );
        assert_eq!(lines.filter(|l| l.contains(",user.create,")).count(), 2);
        let page = app
            .get("/audit?action=user.create")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("otto") && page.contains("Export these actions as CSV"));
    }
);

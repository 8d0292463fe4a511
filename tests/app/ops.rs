//! Probes, trace ids, configuration errors and the command line.

use std::process::{Command, Stdio};

use crate::{app_test, helpers::TestApp};

app_test!(health_and_readiness_probes_answer, |app| {
    let health = app.get("/healthz").await;
    assert_eq!(health.status().as_u16(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status().as_u16(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["migrations_current"], true);
});

app_test!(
    every_response_carries_a_trace_id_of_ours_even_when_the_caller_sends_one,
    |app| {
        let res = app.get("/healthz").await;
        let generated = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(generated.len() >= 32, "{generated}");
        // A caller's id is its own (kept apart on the log line), never the trace id that
        // audit rows carry: a client could otherwise pass for another request.
        let res = app
            .client
            .post(app.url("/api/login"))
            .header("x-request-id", "trace-from-proxy-1")
            .form(&[
                ("username", crate::helpers::ADMIN),
                ("password", crate::helpers::ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        let trace_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(trace_id, "trace-from-proxy-1");
        assert!(trace_id.len() >= 32, "{trace_id}");
        let audit = app.db.store().list_audit_for("session", 5).await.unwrap();
        assert_eq!(audit[0].action, "login");
        assert_eq!(audit[0].trace_id, trace_id);
    }
);

app_test!(
    pages_webhook_answers_and_redirects_say_how_long_the_server_took,
    |app| {
        // A redirect to sign in, a page, and a refused webhook each carry the header.
        let signed_out = app.get("/orders").await;
        app.login_as_admin().await;
        let page = app.get("/orders").await;
        let webhook = app
            .client
            .post(app.url("/webhooks/juspay"))
            .body("{}")
            .send()
            .await
            .unwrap();
        for res in [signed_out, page, webhook] {
            let value = res.headers()["server-timing"].to_str().unwrap().to_owned();
            let ms: f64 = value
                .strip_prefix("app;dur=")
                .and_then(|ms| ms.parse().ok())
                .unwrap_or_else(|| panic!("{} answered Server-Timing {value:?}", res.url()));
            assert!(ms >= 0.0, "{value}");
        }
    }
);

/// A site folder holding a browser bundle of `BUNDLE_BYTES`, as `[server] site_root` TOML.
/// Written once per test process into Cargo's scratch folder for integration tests, and
/// only read afterwards, so tests running at once can all serve it.
pub(crate) fn site_with_bundle() -> String {
    static ROOT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let root = ROOT.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("dashboard-test-site-{}", std::process::id()));
        let pkg = root.join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        let line = "export function render(rows) { return rows.map((row) => row.id); }\n";
        std::fs::write(
            pkg.join("merchant_dashboard.js"),
            line.repeat(BUNDLE_BYTES / line.len()),
        )
        .unwrap();
        root
    });
    format!("[server]\nsite_root = \"{}\"\n", root.display())
}

const BUNDLE_BYTES: usize = 64 * 1024;

app_test!(
    the_browser_bundle_is_sent_compressed_to_browsers_that_accept_it_and_pages_are_not,
    &site_with_bundle(),
    |app| {
        let fetch = |path: &'static str, accept: &'static str| async move {
            let res = app
                .client
                .get(app.url(path))
                .header("accept-encoding", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200, "{path}");
            let encoding = res
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_owned());
            (encoding, res.bytes().await.unwrap().len())
        };
        let bundle = "/pkg/merchant_dashboard.js";
        let (plain, plain_len) = fetch(bundle, "identity").await;
        assert_eq!(plain, None);
        assert!(plain_len > BUNDLE_BYTES - 100, "{plain_len}");
        for accepted in ["br", "gzip"] {
            let (encoding, len) = fetch(bundle, accepted).await;
            assert_eq!(encoding.as_deref(), Some(accepted));
            assert!(
                len < plain_len / 10,
                "{accepted}: {len} of {plain_len} bytes"
            );
        }
        let (page, _) = fetch("/login", "br, gzip").await;
        assert_eq!(page, None, "pages are sent as they are");
    }
);

app_test!(internal_failures_show_a_reference_not_the_cause, |app| {
    app.login_as_admin().await;
    app.db
        .store()
        .execute_raw("DROP TABLE audit_log")
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url("/api/create_user"))
        .header("accept", "application/json")
        .form(&[
            ("username", "zed"),
            ("password", "zed password 12"),
            ("role", "viewer"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 500);
    let trace_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body = res.text().await.unwrap();
    assert!(body.contains(&trace_id), "{body}");
    assert!(
        !body.to_lowercase().contains("audit_log"),
        "no SQL details: {body}"
    );
});

fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_merchant-dashboard"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("DASHBOARD_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn a_bad_setting_stops_start_up_with_the_key_named() {
    let out = binary()
        .env("DASHBOARD_SERVER__ADDR", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("server.addr"), "{stderr}");

    let out = binary()
        .env("DASHBOARD_DATABASE__MAX_CONNECTIONS", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("database.max_connections"), "{stderr}");
}

/// Runs the binary's command line on the app's database with `stdin` as its input.
fn run_cli(app: &crate::helpers::TestApp, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;

    let mut child = binary()
        .env("DATABASE_URL", app.db.url())
        .env("DASHBOARD_LOG__FILTER", "warn")
        .args(args)
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

app_test!(
    the_command_line_adds_an_endpoint_once_with_the_secret_it_is_given,
    |app| {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let url = "http://127.0.0.1:9/receiver";
        let args = [
            "endpoint",
            "ensure",
            url,
            "--description",
            "demo",
            "--secret-stdin",
        ];
        let out = run_cli(app, &args, &format!("{secret}\n"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            printed.contains("added endpoint") && !printed.contains(secret),
            "{printed}"
        );
        let again = run_cli(app, &args, &format!("{secret}\n"));
        assert!(String::from_utf8_lossy(&again.stdout).contains("already receives"));
        let endpoints = app.db.store().list_endpoints().await.unwrap();
        assert_eq!(endpoints.len(), 1);
        let weak = run_cli(
            app,
            &[
                "endpoint",
                "ensure",
                "http://127.0.0.1:9/other",
                "--secret-stdin",
            ],
            "whsec_c2hvcnQ=\n",
        );
        assert!(!weak.status.success());
        assert!(String::from_utf8_lossy(&weak.stderr).contains("secret"));
        let list = run_cli(app, &["endpoint", "list"], "");
        assert!(String::from_utf8_lossy(&list.stdout).contains(url));
    }
);

app_test!(
    the_command_line_adds_users_and_resets_passwords_and_second_factors,
    |app| {
        let run = |args: &[&str], stdin: &str| run_cli(app, args, stdin);
        let out = run(
            &[
                "user",
                "add",
                "cleo",
                "--role",
                "operator",
                "--password-stdin",
            ],
            "cli password 123\n",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            app.login("cleo", "cli password 123").await.headers()["location"],
            "/orders"
        );

        let out = run(&["user", "reset-password", "cleo"], "");
        assert!(out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let new_password = stdout
            .lines()
            .find_map(|l| l.strip_prefix("password: "))
            .expect("generated password printed")
            .to_owned();
        assert_eq!(
            app.login("cleo", "cli password 123")
                .await
                .status()
                .as_u16(),
            401
        );
        assert_eq!(
            app.login("cleo", &new_password).await.headers()["location"],
            "/orders"
        );

        // Cleo enrols a second factor (signed in on the test client), then loses it.
        let status: serde_json::Value = app
            .call("two_factor_status", &[])
            .await
            .json()
            .await
            .unwrap();
        let secret = status["secret"].as_str().unwrap().to_owned();
        let now = u64::try_from(dashboard_core::clock::now_millis() / 1000).unwrap();
        let code = dashboard_core::staff::second_factor::code_at(&secret, now).unwrap();
        let res = app.call("confirm_two_factor", &[("code", &code)]).await;
        assert_eq!(res.status().as_u16(), 200);
        let out = run(&["user", "reset-mfa", "cleo"], "");
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("second factor of cleo removed"));
        let (cleo, _) = app
            .db
            .store()
            .find_user_credentials("cleo")
            .await
            .unwrap()
            .unwrap();
        assert!(!cleo.two_factor);
        assert_eq!(
            app.get("/orders").await.status().as_u16(),
            303,
            "sessions ended"
        );

        let out = run(
            &["user", "add", "cleo", "--password-stdin"],
            "another password 1\n",
        );
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    }
);

#[tokio::test]
async fn graceful_shutdown_lets_the_server_stop_and_restart_on_the_same_database() {
    let app = TestApp::spawn(dashboard_core::store::Backend::Sqlite).await;
    let (db, jar) = app.stop().await;
    let again = TestApp::spawn_on(db, jar, "").await;
    assert_eq!(again.get("/healthz").await.status().as_u16(), 200);
    again.finish().await;
}

app_test!(
    json_logs_carry_the_trace_id_and_never_a_configured_secret,
    |app| {
        use std::io::{BufRead, BufReader, Read};

        const SECRETS: [(&str, &str); 4] = [
            ("DASHBOARD_WEBHOOK__PASSWORD", "json log webhook secret"),
            ("DASHBOARD_METRICS__TOKEN", "json log metrics token"),
            ("DASHBOARD_MERCHANT_API__TOKEN", "json log merchant token"),
            ("DASHBOARD_JPSL__SECRET", "json log jpsl secret"),
        ];
        let mut command = binary();
        command
            .env("DATABASE_URL", app.db.url())
            .env("DASHBOARD_SERVER__ADDR", "127.0.0.1:0")
            .env("DASHBOARD_LOG__FORMAT", "json")
            .env("DASHBOARD_LOG__FILTER", "info")
            .env("DASHBOARD_JPSL__MERCHANT_ID", "JP1")
            .env_remove("RUST_LOG")
            .arg("serve");
        for (key, value) in SECRETS {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "the server stopped"
            );
            if let Some(addr) = line.trim().strip_prefix("Merchant dashboard listening on ") {
                break addr.to_owned();
            }
        };
        let client = crate::helpers::bare_client();
        let post = |path: &str| client.post(format!("{addr}{path}"));
        let hook = r#"{"id":"evt_json_1","event_name":"ORDER_SUCCEEDED","content":{"order":{"order_id":"ord_json","status":"CHARGED","amount":"1.00"}}}"#;
        for (password, status) in [("json log webhook secret", 200), ("a wrong password", 401)] {
            let res = post("/webhooks/juspay")
                .basic_auth("juspay", Some(password))
                .body(hook)
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status().as_u16(),
                status,
                "{}",
                res.text().await.unwrap()
            );
        }
        post("/callbacks/jpsl")
            .header("content-type", "application/json")
            .body(r#"{"merchantId":"JP1","secureHash":"forged"}"#)
            .send()
            .await
            .unwrap();
        post("/merchant-api/session")
            .bearer_auth("json log merchant token")
            .body("not json")
            .send()
            .await
            .unwrap();
        post("/api/login")
            .header("origin", &addr)
            .header("accept", "application/json")
            .form(&[
                ("username", "admin"),
                ("password", "json log webhook secret"),
            ])
            .send()
            .await
            .unwrap();
        client
            .get(format!("{addr}/metrics"))
            .bearer_auth("json log metrics token")
            .send()
            .await
            .unwrap();
        child.kill().unwrap();
        let mut log = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        child.wait().unwrap();

        let lines: Vec<serde_json::Value> = log
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l["fields"]["message"] == "webhook stored"
                    && l["spans"]
                        .as_array()
                        .is_some_and(|spans| spans.iter().any(|span| {
                            span["name"] == "request"
                                && span["trace_id"].as_str().is_some_and(|t| t.len() >= 32)
                        }))),
            "a request's line carries its trace id: {log}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l["fields"]["message"] == "login refused"),
            "{log}"
        );
        for (key, secret) in SECRETS {
            assert!(!log.contains(secret), "{key} appears in the log");
        }
    }
);

app_test!(
    readiness_fails_while_processing_falls_behind_and_says_why_while_liveness_holds,
    "[webhook]\npassword = \"hook password for tests\"\n\
     [processor]\nenabled = false\nready_max_backlog = 2\n",
    |app| {
        let ready = |expected: u16| async move {
            let res = app.get("/readyz").await;
            assert_eq!(res.status().as_u16(), expected);
            res.json::<serde_json::Value>().await.unwrap()
        };
        let body = ready(200).await;
        assert_eq!(
            (
                body["backlog"].as_i64(),
                body["reasons"].as_array().map(Vec::len)
            ),
            (Some(0), Some(0))
        );
        for i in 0..3 {
            let res = crate::helpers::bare_client()
                .post(app.url("/webhooks/juspay"))
                .basic_auth("juspay", Some("hook password for tests"))
                .body(format!(
                    r#"{{"id":"evt_ready_{i}","event_name":"ORDER_SUCCEEDED","content":{{"order":{{"order_id":"ord_r{i}","status":"CHARGED","amount":"1.00"}}}}}}"#
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200);
        }
        let body = ready(503).await;
        assert_eq!(body["backlog"], 3);
        let reason = body["reasons"][0].as_str().unwrap();
        assert!(
            reason.contains("more than 2 stored events wait"),
            "{reason}"
        );
        assert_eq!(
            app.get("/healthz").await.status().as_u16(),
            200,
            "still alive"
        );
    }
);

/// Runs the binary's `args` against `database_url` off the async threads (the app under
/// test serves from them meanwhile); returns whether it succeeded, and its output.
async fn run_command(database_url: &str, args: &[&str]) -> (bool, String) {
    let mut command = binary();
    command.env("DATABASE_URL", database_url).args(args);
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

app_test!(
    a_backup_taken_while_webhooks_arrive_restores_every_event_acknowledged_before_it,
    "[webhook]\npassword = \"hook password for tests\"\n[processor]\nenabled = false\n",
    |app| {
        use std::sync::{
            Arc, Mutex,
            atomic::{AtomicBool, Ordering},
        };

        let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let url = app.url("/webhooks/juspay");
        let sender = tokio::spawn({
            let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
            async move {
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let id = format!("evt_backup_{i}");
                    let body = dashboard_testkit::juspay_order_event(
                        &id,
                        "ORDER_SUCCEEDED",
                        serde_json::json!({"order_id": format!("ord_{i}"), "status": "CHARGED",
                            "amount": "1.00"}),
                    );
                    let res = dashboard_testkit::post_webhook(
                        &url,
                        Some(("juspay", "hook password for tests")),
                        &body,
                    )
                    .await;
                    if res.status().is_success() {
                        acknowledged.lock().unwrap().push(id);
                    }
                }
            }
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while acknowledged.lock().unwrap().len() < 40 {
            assert!(
                std::time::Instant::now() < deadline,
                "webhooks were not acknowledged"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let before_backup = acknowledged.lock().unwrap().clone();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dashboard.backup");
        let file_arg = file.to_str().unwrap();
        let (ok, out) = run_command(app.db.url(), &["backup", file_arg]).await;
        assert!(ok, "backup failed: {out}");
        stop.store(true, Ordering::Relaxed);
        sender.await.unwrap();

        let (ok, out) = run_command(app.db.url(), &["backup", file_arg]).await;
        assert!(
            !ok && out.contains("already exists"),
            "an existing file is kept: {out}"
        );
        let (ok, out) = run_command(app.db.url(), &["restore", file_arg]).await;
        assert!(
            !ok && out.contains("stop"),
            "the running database is not replaced: {out}"
        );

        let postgres = match app.db.store().backend() {
            dashboard_core::store::Backend::Sqlite => None,
            dashboard_core::store::Backend::Postgres => {
                Some(dashboard_testkit::TestPostgres::create().await)
            }
        };
        let target = match &postgres {
            Some(database) => database.url().to_owned(),
            None => format!("sqlite://{}/restored.db", dir.path().display()),
        };
        let (ok, out) = run_command(&target, &["restore", file_arg]).await;
        assert!(ok, "restore failed: {out}");

        let restored = dashboard_core::Store::connect(&target, 1).await.unwrap();
        let events = restored
            .list_webhook_events(&Default::default(), 100_000)
            .await
            .unwrap();
        let ids: std::collections::HashSet<_> =
            events.iter().filter_map(|e| e.event_id.clone()).collect();
        let missing: Vec<_> = before_backup
            .iter()
            .filter(|id| !ids.contains(*id))
            .collect();
        assert!(missing.is_empty(), "lost in the backup: {missing:?}");
        assert!(restored.migrations_current().await.unwrap());
        restored.close().await;
        if let Some(database) = postgres {
            database.remove().await;
        }
    }
);

/// Runs `sql` with `bind` on the test's own connection to the app's database.
async fn execute(store: &dashboard_core::Store, sql: &str, bind: i64) {
    use dashboard_core::store::Pool;
    match store.pool() {
        Pool::Sqlite(p) => sqlx::query(sql).bind(bind).execute(p).await.map(|_| ()),
        Pool::Postgres(p) => sqlx::query(sql).bind(bind).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

app_test!(
    readiness_fails_while_a_migration_is_missing_or_the_database_is_gone_and_says_which,
    |app| {
        let ready = || async {
            let res = app.get("/readyz").await;
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.unwrap())
        };
        assert_eq!(ready().await.0, 200);
        let store = app.db.store();
        // As while another instance is still migrating: the newest migration not recorded
        // as applied.
        let newest: i64 = {
            use dashboard_core::store::Pool;
            let sql = "SELECT MAX(version) FROM _sqlx_migrations";
            match store.pool() {
                Pool::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
                Pool::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
            }
            .unwrap()
        };
        execute(
            &store,
            "UPDATE _sqlx_migrations SET success = false WHERE version = $1",
            newest,
        )
        .await;
        let (status, body) = ready().await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["migrations_current"], false);
        assert!(
            body["reasons"][0]
                .as_str()
                .unwrap()
                .contains("migrations are not all applied")
        );
        execute(
            &store,
            "UPDATE _sqlx_migrations SET success = true WHERE version = $1",
            newest,
        )
        .await;
        assert_eq!(ready().await.0, 200);
        // The database gone (PostgreSQL: a server away from the app; an embedded SQLite
        // file cannot be): new connections refused and the app's own ended.
        if store.backend() == dashboard_core::store::Backend::Postgres {
            use sqlx::Connection;
            let name = app.db.url().rsplit('/').next().unwrap().to_owned();
            let admin_url = dashboard_testkit::replace_database(app.db.url(), "postgres");
            let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            for sql in [
                format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"),
                format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                ),
            ] {
                sqlx::query(&sql).execute(&mut admin).await.unwrap();
            }
            let (status, body) = ready().await;
            assert_eq!(status, 503, "{body}");
            assert_eq!(body["database"], false);
            assert_eq!(body["reasons"][0], "the database does not answer");
            assert_eq!(
                app.get("/healthz").await.status().as_u16(),
                200,
                "still alive"
            );
            sqlx::query(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"))
                .execute(&mut admin)
                .await
                .unwrap();
            admin.close().await.unwrap();
        }
    }
);

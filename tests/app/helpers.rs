//! `TestApp`: the real application on port 0 with a fresh database, and a browser-like
//! HTTP client (cookie jar, our Origin header, no automatic redirects).

use std::{net::SocketAddr, sync::Arc};

use dashboard_core::{
    config::{Config, DEFAULTS},
    store::Backend,
    testing::TestDatabase,
};
use figment::{
    Figment,
    providers::{Format, Toml},
};
use reqwest::{Response, cookie::Jar, header, redirect::Policy};
use tokio::{sync::oneshot, task::JoinHandle};

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin password for tests";

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub db: TestDatabase,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// The configuration every test app uses, on `database_url`, plus `extra` TOML. Nobody
/// must enrol a second factor unless a test says so (`[auth] require_mfa`).
pub fn test_config(database_url: &str, extra: &str) -> Config {
    let overrides = format!(
        "[server]\naddr = \"127.0.0.1:0\"\n[database]\nurl = \"{database_url}\"\nmax_connections = 4\n\
         [admin]\nusername = \"{ADMIN}\"\npassword = \"{ADMIN_PASSWORD}\"\n\
         [auth]\nrequire_mfa = \"off\"\n"
    );
    let figment = Figment::from(Toml::string(DEFAULTS))
        .merge(Toml::string(&overrides))
        .merge(Toml::string(extra));
    Config::from_figment(figment).expect("valid test configuration")
}

impl TestApp {
    /// A fresh database on `backend` and the app on it.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, "").await
    }

    /// Like [`TestApp::spawn`], with `extra` TOML settings on top of the test configuration.
    pub async fn spawn_with(backend: Backend, extra: &str) -> Self {
        let db = TestDatabase::new(backend).await;
        Self::spawn_on(db, Arc::new(Jar::default()), extra).await
    }

    /// The app on an existing database, sharing a cookie jar (to test restarts).
    pub async fn spawn_on(db: TestDatabase, jar: Arc<Jar>, extra: &str) -> Self {
        let config = test_config(db.url(), extra);
        let prepared = merchant_dashboard::server::prepare(config)
            .await
            .expect("app starts");
        let addr = prepared.listener.local_addr().expect("bound");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            merchant_dashboard::server::serve(prepared, async {
                let _ = stopped.await;
            })
            .await
            .expect("server runs");
        });
        let client = client_for(addr, jar.clone());
        Self {
            addr,
            client,
            jar,
            db,
            stop,
            task,
        }
    }

    /// Stops the server gracefully and hands back its database.
    pub async fn stop(self) -> (TestDatabase, Arc<Jar>) {
        let _ = self.stop.send(());
        self.task.await.expect("server stopped cleanly");
        (self.db, self.jar)
    }

    /// Stops the server and drops its database.
    pub async fn finish(self) {
        let (db, _) = self.stop().await;
        db.finish().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Calls a server function the way the hydrated app does.
    pub async fn call(&self, function: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(&format!("/api/{function}")))
            .header(header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .expect("server function call")
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.call("login", &[("username", username), ("password", password)])
            .await
    }

    /// Signs in as the admin and confirms the identity for sensitive actions (step-up), as
    /// an admin at work would have.
    pub async fn login_as_admin(&self) {
        let res = self.login(ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(res.status().as_u16(), 200, "admin login");
        assert!(
            res.headers().contains_key("location"),
            "admin login redirects"
        );
        self.confirm_identity(ADMIN_PASSWORD).await;
    }

    /// Confirms the signed-in user's identity for sensitive actions (no second factor).
    pub async fn confirm_identity(&self, password: &str) {
        let res = self
            .call("confirm_identity", &[("confirm_password", password)])
            .await;
        assert_eq!(res.status().as_u16(), 200, "identity confirmed");
    }

    /// Creates a user through the admin server function (the caller must be an admin).
    pub async fn create_user(&self, username: &str, password: &str, role: &str) {
        let res = self
            .call(
                "create_user",
                &[
                    ("username", username),
                    ("password", password),
                    ("role", role),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 200, "create_user {username}");
    }

    /// Another browser (its own cookies, our Origin, `user_agent`) signed in as `username`.
    pub async fn browser_signed_in(
        &self,
        username: &str,
        password: &str,
        user_agent: &str,
    ) -> reqwest::Client {
        let mut headers = header::HeaderMap::new();
        headers.insert(
            header::ORIGIN,
            format!("http://{}", self.addr)
                .parse()
                .expect("origin header"),
        );
        let client = reqwest::Client::builder()
            .cookie_provider(Arc::new(Jar::default()))
            .default_headers(headers)
            .user_agent(user_agent)
            .redirect(Policy::none())
            .build()
            .expect("client");
        let res = client
            .post(self.url("/api/login"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .expect("login");
        assert_eq!(res.status().as_u16(), 200, "{username} signs in");
        client
    }

    /// The session cookie currently in the jar, as a `Cookie` header value.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = self.url("/").parse().expect("url");
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
    }
}

/// A client that sends our Origin on every request, keeps cookies and shows redirects.
pub fn client_for(addr: SocketAddr, jar: Arc<Jar>) -> reqwest::Client {
    let mut headers = header::HeaderMap::new();
    headers.insert(
        header::ORIGIN,
        format!("http://{addr}").parse().expect("origin header"),
    );
    reqwest::Client::builder()
        .cookie_provider(jar)
        .default_headers(headers)
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// A client with no cookies and no Origin header.
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// Defines `on_sqlite` and `on_postgres` tests running `body` with a fresh [`TestApp`],
/// optionally with extra TOML settings.
#[macro_export]
macro_rules! app_test {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::app_test!($name, "", |$app| $body);
    };
    ($name:ident, $extra:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: &$crate::helpers::TestApp) $body

            #[tokio::test]
            async fn on_sqlite() {
                let app = $crate::helpers::TestApp::spawn_with(
                    dashboard_core::store::Backend::Sqlite,
                    $extra,
                )
                .await;
                run(&app).await;
                app.finish().await;
            }

            #[tokio::test]
            async fn on_postgres() {
                let app = $crate::helpers::TestApp::spawn_with(
                    dashboard_core::store::Backend::Postgres,
                    $extra,
                )
                .await;
                run(&app).await;
                app.finish().await;
            }
        }
    };
}

pub const SIM_MERCHANT: &str = "sim_merchant";
pub const SIM_API_KEY: &str = "sim_api_key";
pub const SIM_RESPONSE_KEY: &str = "sim response key for tests";
pub const HOOK_USER: &str = "juspay";
pub const HOOK_PASSWORD: &str = "hook password for tests";

/// A fresh simulator (fast clock) and the settings that point an app at it: Juspay calls,
/// webhook credentials, a quick reconciler. `extra` TOML goes on top.
pub async fn start_simulator() -> juspay_sim::RunningSimulator {
    juspay_sim::Simulator::start(juspay_sim::SimConfig {
        merchant_id: SIM_MERCHANT.to_owned(),
        api_key: SIM_API_KEY.to_owned(),
        response_key: SIM_RESPONSE_KEY.to_owned(),
        webhook_username: HOOK_USER.to_owned(),
        webhook_password: HOOK_PASSWORD.to_owned(),
        time_scale: 0.001,
        ..juspay_sim::SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// Settings for an app that talks to `sim`, with `reconciler` lines added to its
/// (quick) reconciler table.
pub fn simulator_settings(sim: &juspay_sim::RunningSimulator, reconciler: &str) -> String {
    format!(
        "[webhook]\npassword = \"{HOOK_PASSWORD}\"\n\
         [juspay]\nbase_url = \"{}\"\napi_key = \"{SIM_API_KEY}\"\nmerchant_id = \"{SIM_MERCHANT}\"\n\
         response_key = \"{SIM_RESPONSE_KEY}\"\ntimeout_seconds = 5\n\
         [reconciler]\nfirst_check_seconds = 1\nmax_interval_minutes = 1\n{reconciler}",
        sim.base_url()
    )
}

/// The app on a fresh database of `backend`, wired to a fresh simulator both ways.
pub async fn spawn_with_simulator(
    backend: Backend,
    extra: &str,
) -> (TestApp, juspay_sim::RunningSimulator) {
    let sim = start_simulator().await;
    let settings = format!("{}{extra}", simulator_settings(&sim, ""));
    let app = TestApp::spawn_with(backend, &settings).await;
    sim.handle()
        .set_webhook_url(Some(app.url("/webhooks/juspay")));
    (app, sim)
}

pub use dashboard_testkit::eventually;

/// Posts a Juspay webhook `body` with the right credentials, checks it is acknowledged and
/// waits until every stored event is processed.
pub async fn deliver_processed(app: &TestApp, body: &str) {
    let res = dashboard_testkit::post_webhook(
        &app.url("/webhooks/juspay"),
        Some((HOOK_USER, HOOK_PASSWORD)),
        body,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200, "acknowledged");
    let store = app.db.store();
    eventually("every event is processed", || async {
        let pending = dashboard_core::webhooks::store::WebhookFilter {
            outcome: Some(dashboard_status::Outcome::Pending),
            ..Default::default()
        };
        store
            .list_webhook_events(&pending, 10)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
}

/// Defines `on_sqlite` and `on_postgres` tests running `body` with an app wired to a
/// fresh simulator, optionally with extra TOML settings.
#[macro_export]
macro_rules! sim_test {
    ($name:ident, |$app:ident, $sim:ident| $body:block) => {
        $crate::sim_test!($name, "", |$app, $sim| $body);
    };
    ($name:ident, $extra:expr, |$app:ident, $sim:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run(
                $app: &$crate::helpers::TestApp,
                $sim: &juspay_sim::RunningSimulator,
            ) $body

            async fn on(backend: dashboard_core::store::Backend) {
                let (app, sim) = $crate::helpers::spawn_with_simulator(backend, $extra).await;
                run(&app, &sim).await;
                app.finish().await;
                sim.shutdown().await.expect("simulator stops");
            }

            #[tokio::test]
            async fn on_sqlite() {
                on(dashboard_core::store::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn on_postgres() {
                on(dashboard_core::store::Backend::Postgres).await;
            }
        }
    };
}

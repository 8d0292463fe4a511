//! A signed-in staff session on the app, shared by the tools that act as staff: the
//! server-function login (with our Origin header, keeping the `dashboard_session`
//! cookie) and calls of server functions the way the hydrated app makes them.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use reqwest::header::{ACCEPT, COOKIE, ORIGIN, SET_COOKIE};

/// The HTTP client of the staff tools: redirects are answers, not followed; 60 s a request.
pub fn staff_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")
}

/// A staff member's session on the app.
#[derive(Debug, Clone)]
pub struct Staff {
    pub http: reqwest::Client,
    pub base: String,
    pub origin: String,
    pub cookie: String,
}

/// Signs in with the server function; returns the `Cookie` header value carrying the
/// session.
pub async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let base = base.trim_end_matches('/');
    let response = http
        .post(format!("{base}/api/login"))
        .header(ACCEPT, "application/json")
        .header(ORIGIN, base)
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .context("POST /api/login")?;
    let status = response.status();
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dashboard_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    match cookie {
        Some(cookie) if status.is_success() || status.is_redirection() => Ok(cookie),
        _ => {
            let body = response.text().await.unwrap_or_default();
            bail!("login refused: HTTP {status}: {body}")
        }
    }
}

impl Staff {
    /// Signs in as `username` on the app at `base`.
    pub async fn sign_in(
        http: reqwest::Client,
        base: &str,
        username: &str,
        password: &str,
    ) -> anyhow::Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        let cookie = sign_in(&http, &base, username, password).await?;
        Ok(Self {
            http,
            origin: base.clone(),
            base,
            cookie,
        })
    }

    /// Signs in, trying again every half second while the app is still starting, until
    /// `deadline`.
    pub async fn sign_in_before(
        http: &reqwest::Client,
        base: &str,
        username: &str,
        password: &str,
        deadline: Instant,
    ) -> anyhow::Result<Self> {
        loop {
            match Self::sign_in(http.clone(), base, username, password).await {
                Ok(staff) => return Ok(staff),
                Err(error) if Instant::now() >= deadline => return Err(error),
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }

    /// `POST /api/{function}` with a form body, as the hydrated app calls a server function.
    pub async fn call(
        &self,
        function: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(format!("{}/api/{function}", self.base))
            .header(COOKIE, &self.cookie)
            .header(ORIGIN, &self.origin)
            .header(ACCEPT, "application/json")
            .form(form)
            .send()
            .await
    }

    /// `GET {path}` with the session.
    pub async fn get(&self, path: &str) -> reqwest::Result<reqwest::Response> {
        self.http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
    }
}

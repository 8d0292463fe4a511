//! Test scaffolding shared by the workspace's tests, so that each piece exists once:
//! waiting on a condition (never a fixed sleep followed by a count), a throwaway PostgreSQL
//! database that is dropped even when its test panics, and Juspay webhook bodies and their
//! delivery to a running app; generated inputs for fuzzing ([`fuzz`]).
//!
//! Invariant: nothing here knows the dashboard's own types, so every crate's tests (the
//! core's unit tests included) can use it without a dependency cycle.

pub mod fuzz;

use std::{future::Future, time::Duration};

/// Polls `check` every 5 ms until it holds or ten seconds pass; true when it held.
pub async fn holds_soon(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..2_000 {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

/// Polls `check` until it holds, for at most ten seconds; panics naming `what` if it never
/// does.
pub async fn wait_until(what: &str, check: impl FnMut() -> bool) {
    assert!(holds_soon(check).await, "timed out waiting until {what}");
}

/// Polls the asynchronous `check` every 50 ms until it holds, for at most fifteen seconds;
/// panics naming `what` if it never does.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// A fresh database on the PostgreSQL server at `TEST_POSTGRES_URL` (the test scripts start
/// a throwaway cluster and set it). Dropped by [`TestPostgres::remove`], or when the value
/// is dropped without it (a failed test), so no run leaves databases behind.
pub struct TestPostgres {
    admin_url: String,
    name: String,
    url: String,
    removed: bool,
}

impl TestPostgres {
    /// Creates the database; panics with the reason when no server is configured.
    pub async fn create() -> Self {
        let admin_url = std::env::var("TEST_POSTGRES_URL").expect(
            "TEST_POSTGRES_URL must point at a PostgreSQL server (scripts/test starts one)",
        );
        let name = format!("t_{}", random_suffix());
        run_admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
        let url = replace_database(&admin_url, &name);
        Self {
            admin_url,
            name,
            url,
            removed: false,
        }
    }

    /// The URL of the new database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database, ending any connection still open to it.
    pub async fn remove(mut self) {
        run_admin(&self.admin_url, &drop_statement(&self.name)).await;
        self.removed = true;
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        // The test's runtime may be unwinding from a panic: drop the database from a thread
        // with a runtime of its own.
        let (admin_url, statement) = (self.admin_url.clone(), drop_statement(&self.name));
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(run_admin(&admin_url, &statement));
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

fn drop_statement(name: &str) -> String {
    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
}

async fn run_admin(admin_url: &str, statement: &str) {
    use sqlx::{Connection, Executor};
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to the test PostgreSQL server");
    admin
        .execute(statement)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    let _ = admin.close().await;
}

fn random_suffix() -> String {
    use rand::{Rng, distributions::Alphanumeric};
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(|c| char::from(c).to_ascii_lowercase())
        .collect()
}

/// `url` with its database name replaced by `name`, keeping any query string.
pub fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(head, _)| head);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A Juspay webhook body: event `id` named `name`, created at a fixed time, carrying
/// `order` as `content.order`.
pub fn juspay_order_event(id: &str, name: &str, order: serde_json::Value) -> String {
    serde_json::json!({
        "id": id,
        "event_name": name,
        "date_created": "2026-11-23T07:00:00Z",
        "content": { "order": order },
    })
    .to_string()
}

/// Posts a Juspay webhook `body` to `url`, with Basic `credentials` when given.
pub async fn post_webhook(
    url: &str,
    credentials: Option<(&str, &str)>,
    body: &str,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some((user, password)) = credentials {
        request = request.basic_auth(user, Some(password));
    }
    request.send().await.expect("webhook delivery")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(
            replace_database(
                "postgres://u@127.0.0.1:5432/postgres?sslmode=disable",
                "t_x"
            ),
            "postgres://u@127.0.0.1:5432/t_x?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://u@h/postgres", "t_y"),
            "postgres://u@h/t_y"
        );
    }

    #[test]
    fn an_order_event_carries_its_order_as_content() {
        let body = juspay_order_event(
            "e1",
            "ORDER_SUCCEEDED",
            serde_json::json!({"order_id": "o"}),
        );
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["content"]["order"]["order_id"], "o");
        assert_eq!(parsed["event_name"], "ORDER_SUCCEEDED");
    }
}

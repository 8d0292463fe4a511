//! Fresh, migrated databases for tests on both backends. PostgreSQL tests need
//! `TEST_POSTGRES_URL` pointing at a server where the user may create databases
//! (`scripts/test` starts a throwaway cluster and sets it); each test gets its own
//! database, dropped when the test finishes.

use crate::store::{Backend, Store};

/// One test's database. Removed by [`TestDatabase::finish`], or, when a test panics before
/// it, when dropped: a failed run leaves no databases behind on the shared server.
pub struct TestDatabase {
    store: Store,
    url: String,
    cleanup: Cleanup,
    finished: bool,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A new database on `backend`, migrated.
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite().await,
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/test.db", dir.path().display());
        let store = Store::connect(&url, 4).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        Self {
            store,
            url,
            cleanup: Cleanup::Sqlite(dir),
            finished: false,
        }
    }

    pub async fn postgres() -> Self {
        let admin_url = std::env::var("TEST_POSTGRES_URL").expect(
            "TEST_POSTGRES_URL must point at a PostgreSQL server (scripts/test starts one)",
        );
        let name = format!("t_{}", random_suffix());
        let admin = Store::connect(&admin_url, 1)
            .await
            .expect("connect postgres");
        admin
            .execute_raw(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        admin.close().await;
        let url = replace_database(&admin_url, &name);
        let store = Store::connect(&url, 4).await.expect("open postgres");
        store.migrate().await.expect("migrate postgres");
        Self {
            store,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
            finished: false,
        }
    }

    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// The URL of this database, for booting an app on it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the pool and removes the database.
    pub async fn finish(mut self) {
        self.store.close().await;
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            drop_database(admin_url, name).await;
        }
        self.finished = true;
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        if self.finished {
            return;
        }
        // Dropped without `finish`: the test failed. The test's runtime may be unwinding,
        // so the database is dropped from a thread with a runtime of its own.
        let (admin_url, name) = (admin_url.clone(), name.clone());
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(drop_database(&admin_url, &name));
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop test database {}", self.url);
        }
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    let admin = Store::connect(admin_url, 1)
        .await
        .expect("connect postgres");
    // FORCE ends the test's own connections, still open when a test failed.
    admin
        .execute_raw(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop database");
    admin.close().await;
}

/// Polls `check` every 5 ms until it holds, for at most ten seconds; panics naming `what`
/// when it never does.
pub async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..2_000 {
        if check() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("timed out waiting until {what}");
}

fn random_suffix() -> String {
    use rand::{Rng, distributions::Alphanumeric};
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(|c| char::from(c).to_ascii_lowercase())
        .collect()
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(head, _)| head);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Defines one test module with an `on_sqlite` and an `on_postgres` test that run `body`
/// with a fresh [`TestDatabase`] each.
#[macro_export]
macro_rules! test_on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($db:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: &$crate::testing::TestDatabase) $body

            #[tokio::test]
            async fn on_sqlite() {
                let db = $crate::testing::TestDatabase::sqlite().await;
                run(&db).await;
                db.finish().await;
            }

            #[tokio::test]
            async fn on_postgres() {
                let db = $crate::testing::TestDatabase::postgres().await;
                run(&db).await;
                db.finish().await;
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_postgres_test_database_dropped_without_finishing_is_removed_from_the_server() {
        let db = TestDatabase::postgres().await;
        let name = db.url().rsplit('/').next().unwrap().to_owned();
        let admin_url = std::env::var("TEST_POSTGRES_URL").unwrap();
        let exists = || async {
            let admin = Store::connect(&admin_url, 1).await.unwrap();
            let crate::store::Pool::Postgres(pool) = admin.pool() else {
                unreachable!("a PostgreSQL URL")
            };
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
                    .bind(&name)
                    .fetch_one(pool)
                    .await
                    .unwrap();
            admin.close().await;
            count == 1
        };
        assert!(exists().await, "created");
        drop(db);
        assert!(!exists().await, "dropped as a failed test would drop it");
    }

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
}

//! Fresh, migrated databases for tests on both backends. PostgreSQL tests need
//! `TEST_POSTGRES_URL` pointing at a server where the user may create databases
//! (`scripts/test` starts a throwaway cluster and sets it); each test gets its own
//! database, dropped when the test finishes.

use dashboard_testkit::TestPostgres;

use crate::store::{Backend, Store};

pub use dashboard_testkit::wait_until;

/// One test's database. Removed by [`TestDatabase::finish`], or, when a test panics before
/// it, when dropped (a PostgreSQL database drops itself): a failed run leaves nothing
/// behind on the shared server.
pub struct TestDatabase {
    store: Store,
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(TestPostgres),
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
        }
    }

    pub async fn postgres() -> Self {
        let database = TestPostgres::create().await;
        let url = database.url().to_owned();
        let store = Store::connect(&url, 4).await.expect("open postgres");
        store.migrate().await.expect("migrate postgres");
        Self {
            store,
            url,
            cleanup: Cleanup::Postgres(database),
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
    pub async fn finish(self) {
        self.store.close().await;
        if let Cleanup::Postgres(database) = self.cleanup {
            database.remove().await;
        }
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

/// An order for a store test: `id` in INR from Juspay, created and updated `at`.
pub fn order_row(id: &str, at: i64, status: &str, amount: i64) -> crate::orders::model::OrderRow {
    crate::orders::model::OrderRow {
        order_id: id.into(),
        source: "juspay".into(),
        status: status.into(),
        amount,
        currency: "INR".into(),
        udfs: "{}".into(),
        created_at: at,
        updated_at: at,
        ..Default::default()
    }
}

/// An audit entry for a store test: `action` on `target` by the actor `test`.
pub fn audit_entry(action: &str, target: &str) -> crate::staff::audit::AuditEntry {
    crate::staff::audit::AuditEntry {
        actor: "test".into(),
        action: action.into(),
        target: target.into(),
        detail: String::new(),
        client_ip: "127.0.0.1".into(),
        trace_id: "trace".into(),
    }
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
}

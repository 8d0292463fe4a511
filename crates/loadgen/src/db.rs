//! Database connections opened by the app's own store (`dashboard_core::Store::connect`),
//! so that the ceiling measures the same durability the app pays for.

use anyhow::Context as _;
use dashboard_core::{Store, store::Pool};
use sqlx::{PgPool, SqlitePool};

/// The app's default `database.max_connections`.
pub const APP_POOL_SIZE: u32 = 8;

/// A pool on either backend.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on whichever pool is in use; `$p` is bound to the concrete pool.
macro_rules! on_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_db;

impl Db {
    /// Connects to `url` through the app's own store, so the options (WAL, `synchronous`,
    /// timeouts, pragmas) are exactly the app's.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let store = Store::connect(url, max_connections)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        Ok(match store.pool() {
            Pool::Sqlite(pool) => Self::Sqlite(pool.clone()),
            Pool::Postgres(pool) => Self::Postgres(pool.clone()),
        })
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await);
    }
}

//! Whole-database copies for backup and restore. SQLite's `VACUUM INTO` writes a compact,
//! consistent copy from one read transaction, so it runs while the dashboard serves and
//! never blocks its writers; a copy is checked (integrity and migrations table) before it
//! may replace a database.

use std::{path::Path, path::PathBuf, str::FromStr};

use sqlx::{ConnectOptions, Connection, sqlite::SqliteConnectOptions};

use super::{Pool, Store, StoreError};

impl Store {
    /// The file a `sqlite:` URL names (`None` for an in-memory or unparsable URL).
    pub fn sqlite_file(url: &str) -> Option<PathBuf> {
        let options = SqliteConnectOptions::from_str(url).ok()?;
        let file = options.get_filename();
        (!file.as_os_str().is_empty() && file != Path::new(":memory:")).then(|| file.to_owned())
    }

    /// Writes a consistent copy of this SQLite database to `target` (which must not exist).
    pub async fn copy_sqlite_into(&self, target: &Path) -> Result<(), StoreError> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(StoreError::Inconsistent(
                "a SQLite copy of a PostgreSQL store",
            ));
        };
        sqlx::query("VACUUM INTO $1")
            .bind(target.to_string_lossy().into_owned())
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Checks that `file` is a whole SQLite database of this product: it passes
    /// `PRAGMA quick_check` and has a migrations table.
    pub async fn check_sqlite_backup(file: &Path) -> Result<(), StoreError> {
        let mut conn = SqliteConnectOptions::new()
            .filename(file)
            .read_only(true)
            .connect()
            .await?;
        let check: String = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_one(&mut conn)
            .await?;
        let migrated: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(&mut conn)
        .await?;
        conn.close().await?;
        if check != "ok" {
            return Err(StoreError::Inconsistent(
                "the backup fails SQLite's integrity check",
            ));
        }
        if migrated == 0 {
            return Err(StoreError::Inconsistent(
                "the file is not a dashboard database",
            ));
        }
        Ok(())
    }

    /// PostgreSQL: how many other sessions are connected to this database (0 on SQLite).
    pub async fn count_other_sessions(&self) -> Result<i64, StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(0);
        };
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_one(pool)
        .await?)
    }
}

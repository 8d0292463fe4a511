//! Storage on SQLite (embedded default) or PostgreSQL (several instances sharing one
//! database), chosen at run time by the database URL. Every query is written once with
//! `$n` placeholders, which both dialects accept, and compiled for both pools by
//! [`on_pool!`]; dialect-specific schema lives in `migrations/sqlite` and
//! `migrations/postgres`, applied at start-up. Times are UTC epoch milliseconds.

use std::{collections::HashSet, str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
    migrate::Migrator,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use tokio::sync::{Mutex, OwnedMutexGuard};

mod copy;

/// SQLite log pages after which the committing writer checkpoints (SQLite's default is 1000).
const WAL_PAGES_BEFORE_WRITER_CHECKPOINT: &str = "20000";

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// A failure of the storage layer. Never shown to a browser as is.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("migration error")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not prepare the database folder")]
    Folder(#[source] std::io::Error),
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The database answered in a way our own statements rule out (a bug, not bad input).
    #[error("inconsistent answer: {0}")]
    Inconsistent(&'static str),
}

impl StoreError {
    /// The database refused text it cannot hold (PostgreSQL's text type has no NUL
    /// character): the input's fault, never worth a retry.
    pub fn is_unstorable_text(&self) -> bool {
        matches!(self, Self::Database(sqlx::Error::Database(db))
            if db.code().as_deref() == Some("22021"))
    }

    /// [`StoreError::is_unstorable_text`] anywhere in `cause`'s chain.
    pub fn caused_unstorable_text(cause: &(dyn std::error::Error + 'static)) -> bool {
        std::iter::successors(Some(cause), |e| e.source()).any(|e| {
            e.downcast_ref::<Self>()
                .is_some_and(Self::is_unstorable_text)
        })
    }

    /// Maps a unique-constraint violation to a conflict on `what`, without a racy pre-check.
    pub(crate) fn on_unique(err: sqlx::Error, what: &'static str) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(what),
            _ => Self::Database(err),
        }
    }
}

/// The two supported backends.
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code against whichever pool is in use; `$p` is bound to the concrete pool.
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// A parameter of a statement built at run time.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

/// A `WHERE` clause built from optional filters, with its numbered parameters.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    pub binds: Vec<Bind>,
    parts: Vec<String>,
}

impl Conditions {
    /// Adds a parameter and returns its placeholder (`$n`).
    pub fn param(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    /// Adds a condition, ANDed with the others.
    pub fn and(&mut self, condition: String) {
        self.parts.push(condition);
    }

    /// The conditions joined with AND (`TRUE` when there are none).
    pub fn clause(&self) -> String {
        if self.parts.is_empty() {
            "1 = 1".to_owned()
        } else {
            self.parts.join(" AND ")
        }
    }
}

/// `('A', 'B')`: an SQL list of known status spellings, for statements built from the
/// status types. Known spellings are letters and `_` only, which this checks, so nothing
/// can need quoting.
pub(crate) fn sql_list<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = values
        .into_iter()
        .inspect(|value| {
            debug_assert!(
                value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            );
        })
        .map(|value| format!("'{value}'"))
        .collect();
    format!("({})", quoted.join(", "))
}

/// An `INSERT … ON CONFLICT (key) DO UPDATE` of every column in `columns`.
pub(crate) fn upsert_sql(table: &str, columns: &[&str]) -> String {
    let placeholders: Vec<String> = (1..=columns.len()).map(|n| format!("${n}")).collect();
    let updates: Vec<String> = columns[1..]
        .iter()
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
        columns.join(", "),
        placeholders.join(", "),
        columns[0],
        updates.join(", ")
    )
}

pub(crate) fn select_sql(table: &str, columns: &str, key: &str) -> String {
    format!("SELECT {columns} FROM {table} WHERE {key} = $1")
}

impl Tx {
    /// Serialises writers of one order (or mandate) key until this transaction ends, so two
    /// instances applying reports about the same order cannot lose an update.
    pub async fn lock_key(&mut self, key: &str) -> Result<(), StoreError> {
        // On SQLite the transaction already holds the database's single write lock
        // (`Store::begin` uses BEGIN IMMEDIATE), which serialises every writer.
        if let Self::Postgres(t, held) = self {
            // A lock is held until the transaction ends: taking it again costs a round
            // trip and changes nothing.
            if !held.contains(key) {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(key)
                    .execute(&mut **t)
                    .await?;
                held.insert(key.to_owned());
            }
        }
        Ok(())
    }

    /// Takes the [`Self::lock_key`] locks of several keys, in the order given, in one
    /// statement. Callers pass them sorted, so two transactions that lock several of the
    /// same keys never each hold one the other waits for.
    pub async fn lock_keys(&mut self, keys: &[String]) -> Result<(), StoreError> {
        if let (Self::Postgres(t, held), false) = (&mut *self, keys.is_empty()) {
            // An aggregate over `unnest` reads the array in order.
            sqlx::query(
                "SELECT COUNT(pg_advisory_xact_lock(hashtext(k))) FROM unnest($1::text[]) AS k",
            )
            .bind(keys)
            .execute(&mut **t)
            .await?;
            held.extend(keys.iter().cloned());
        }
        Ok(())
    }
}

/// Declares, once, the columns a row type is upserted with: `$columns` lists them in order
/// and `$bind!(query, row)` binds the row's fields of the same names in the same order, so
/// the list and the binds cannot drift apart. (`$d` is a literal `$`, for the inner macro.)
macro_rules! row_columns {
    ($d:tt $vis:vis $columns:ident, $bind:ident, [$($col:ident),+ $(,)?]) => {
        $vis const $columns: &[&str] = &[$(stringify!($col)),+];
        macro_rules! $bind {
            ($d query:expr, $d row:expr) => { $d query $(.bind(&$d row.$col))+ };
        }
    };
}
pub(crate) use row_columns;

/// Binds every [`Bind`] of `$binds` to `$query`, in order.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                $crate::store::Bind::Int(n) => query.bind(*n),
                $crate::store::Bind::Text(t) => query.bind(t.as_str()),
            };
        }
        query
    }};
}
pub(crate) use bind_all;

/// An open transaction on either backend, for work that spans several store functions
/// (processing one webhook: apply its reports and record its outcome, all or nothing).
pub enum Tx {
    /// With this process's turn to write, held until the transaction ends.
    Sqlite(Transaction<'static, Sqlite>, OwnedMutexGuard<()>),
    /// With the keys [`Tx::lock_key`] has locked in it.
    Postgres(Transaction<'static, Postgres>, HashSet<String>),
}

/// Like [`on_pool!`] for an open [`Tx`]; `$t` is bound to the concrete transaction.
macro_rules! on_tx {
    ($tx:expr, $t:ident => $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite($t, _) => $body,
            $crate::store::Tx::Postgres($t, _) => $body,
        }
    };
}
pub(crate) use on_tx;

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(t, _turn) => t.commit().await?,
            Self::Postgres(t, _) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(t, _turn) => t.rollback().await?,
            Self::Postgres(t, _) => t.rollback().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(..) => Backend::Sqlite,
            Self::Postgres(..) => Backend::Postgres,
        }
    }
}

/// Handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    /// SQLite allows one writer at a time. Its own wait for the lock sleeps in growing
    /// steps (up to 100 ms each), so under concurrent writes a transaction could wait far
    /// longer than the lock was held; this process's writers instead take turns here, in
    /// arrival order, and meet SQLite's lock only when another process holds it.
    write_turn: Arc<Mutex<()>>,
}

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Store {
    /// Connects to `url` (creating the SQLite file and its folder when missing).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        Self::connect_limited(url, max_connections, None).await
    }

    /// [`Store::connect`], with SQLite's file capped at `sqlite_max_pages` pages when set: a
    /// write that would grow it further fails as on a full disk (how the chaos script shows
    /// that a full disk refuses webhooks with 503 and loses none).
    pub async fn connect_limited(
        url: &str,
        max_connections: u32,
        sqlite_max_pages: Option<u32>,
    ) -> Result<Self, StoreError> {
        let pool = if url.starts_with("sqlite:") {
            let mut options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit that gates an acknowledgement is on disk, even in WAL mode.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(5))
                // Triggers make every order write open a statement journal; on disk (the
                // default) that is a temporary file written per statement, which took a
                // bulk insert of orders four times as long.
                .pragma("temp_store", "memory")
                // Checkpoints run in the background (`Store::checkpoint`), off the commit
                // that gates an acknowledgement; this only bounds the log should they stop.
                .pragma("wal_autocheckpoint", WAL_PAGES_BEFORE_WRITER_CHECKPOINT)
                .foreign_keys(true);
            if let Some(pages) = sqlite_max_pages {
                options = options.pragma("max_page_count", pages.to_string());
            }
            if let Some(parent) = options.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(StoreError::Folder)?;
            }
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    // A connection to a local file cannot go stale; the check before each
                    // use (on by default) is an extra round trip to its thread per query.
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await?,
            )
        } else {
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?,
            )
        };
        Ok(Self {
            pool,
            write_turn: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens a transaction for reading and writing. On SQLite it waits for this process's
    /// turn to write, then takes the write lock at once (`BEGIN IMMEDIATE`, waiting up to
    /// the busy timeout for other processes): a deferred transaction that reads first and
    /// writes later fails outright with "database is locked" whenever another connection
    /// committed in between.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => {
                let turn = Arc::clone(&self.write_turn).lock_owned().await;
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?, HashSet::new()),
        })
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    fn migrator(&self) -> &'static Migrator {
        match self.pool {
            Pool::Sqlite(_) => &SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies the pending migrations of this backend. Two instances starting together may
    /// both call this: on PostgreSQL the migrator holds an advisory lock, so the second
    /// waits and then finds nothing to do. SQLite has no such lock: the second may run a
    /// migration the first is applying and fail on it (its transaction rolls back), so it
    /// tries again, each try skipping what is recorded by then, until the schema is current.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        const TRIES: u32 = 50;
        let mut tries = 0;
        loop {
            let err = match on_pool!(self, p => self.migrator().run(p).await) {
                Ok(()) => return Ok(()),
                Err(err) => err,
            };
            tries += 1;
            if self.backend() == Backend::Postgres || tries == TRIES {
                return Err(err.into());
            }
            tracing::info!(error = %crate::report::Chain(&err), "another process is migrating; trying again");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ())).is_ok()
    }

    /// True when every migration this build knows has been applied successfully.
    pub async fn migrations_current(&self) -> Result<bool, StoreError> {
        let applied: Vec<i64> = on_pool!(self, p => {
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
                .fetch_all(p)
                .await
        })?;
        let known: Vec<i64> = self.migrator().iter().map(|m| m.version).collect();
        Ok(known.iter().all(|v| applied.contains(v)))
    }

    /// Runs one statement that takes no parameters (administrative SQL such as
    /// `CREATE DATABASE`, which cannot be prepared).
    pub async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        use sqlx::Executor;
        on_pool!(self, p => p.execute(sql).await.map(|_| ()))?;
        Ok(())
    }

    /// Copies what SQLite's write-ahead log holds into the database file (run in the
    /// background five times a second). Left to SQLite, the writer whose commit fills the
    /// log does it, and an acknowledgement waits for it. Most of the log is copied while
    /// writers go on; the little they added meanwhile is copied in this process's write
    /// turn, so the copy completes and the next writer starts the log afresh instead of
    /// growing it. When the first copy already took the whole log (nothing was written
    /// meanwhile, as on an idle server) the write turn is left alone. Returns the log pages
    /// copied; PostgreSQL has nothing to do.
    pub async fn checkpoint(&self) -> Result<i64, StoreError> {
        let Pool::Sqlite(p) = &self.pool else {
            return Ok(0);
        };
        const PASSIVE: &str = "PRAGMA wal_checkpoint(PASSIVE)";
        let (_, log, first): (i64, i64, i64) = sqlx::query_as(PASSIVE).fetch_one(p).await?;
        if first >= log {
            return Ok(first);
        }
        let _turn = self.write_turn.lock().await;
        let (_, _, all): (i64, i64, i64) = sqlx::query_as(PASSIVE).fetch_one(p).await?;
        Ok(first.max(all))
    }

    /// Closes every connection; used at shutdown.
    pub async fn close(&self) {
        on_pool!(self, p => p.close().await);
    }
}

#[cfg(test)]
mod tests {
    use super::{Backend, Store};

    /// A fresh database nobody has migrated yet: its URL, and what removes it.
    async fn unmigrated(
        backend: Backend,
    ) -> (
        String,
        Option<dashboard_testkit::TestPostgres>,
        tempfile::TempDir,
    ) {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => (
                format!("sqlite://{}/fresh.db", dir.path().display()),
                None,
                dir,
            ),
            Backend::Postgres => {
                let database = dashboard_testkit::TestPostgres::create().await;
                (database.url().to_owned(), Some(database), dir)
            }
        }
    }

    async fn two_instances_migrating_at_once_both_start_on_a_current_schema(backend: Backend) {
        let (url, database, _dir) = unmigrated(backend).await;
        let a = Store::connect(&url, 2).await.unwrap();
        let b = Store::connect(&url, 2).await.unwrap();
        let (first, second) = tokio::join!(a.migrate(), b.migrate());
        first.unwrap();
        second.unwrap();
        assert!(a.migrations_current().await.unwrap());
        a.close().await;
        b.close().await;
        if let Some(database) = database {
            database.remove().await;
        }
    }

    #[tokio::test]
    async fn two_instances_migrating_at_once_both_start_on_sqlite() {
        two_instances_migrating_at_once_both_start_on_a_current_schema(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn two_instances_migrating_at_once_both_start_on_postgres() {
        two_instances_migrating_at_once_both_start_on_a_current_schema(Backend::Postgres).await;
    }

    /// Amounts stored in hundredths before migration 10 are converted to each currency's
    /// minor unit, the per-currency totals rebuilt, and the table of exponents equals the
    /// code's.
    async fn stored_hundredths_become_minor_units_of_each_currency(backend: Backend) {
        let (url, database, _dir) = unmigrated(backend).await;
        let store = Store::connect(&url, 2).await.unwrap();
        let full = store.migrator();
        let before = sqlx::migrate::Migrator {
            migrations: full
                .iter()
                .filter(|m| m.version < 10)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        on_pool!(store, p => before.run(p).await).unwrap();
        for (id, amount, refunded, currency) in [
            ("jpy", 50_000_i64, 20_000_i64, "JPY"),
            ("kwd", 1_000, 0, "KWD"),
            ("inr", 12_345, 0, "INR"),
            ("clf", 150, 0, "clf"),
        ] {
            on_pool!(store, p => sqlx::query(
                "INSERT INTO orders (order_id, source, status, amount, currency, amount_refunded, \
                 created_at, updated_at) VALUES ($1, 'juspay', 'CHARGED', $2, $3, $4, 1, 1)")
                .bind(id).bind(amount).bind(currency).bind(refunded)
                .execute(p).await.map(|_| ()))
            .unwrap();
        }
        on_pool!(store, p => sqlx::query(
            "INSERT INTO refunds (unique_request_id, order_id, amount, currency, status, \
             created_at, updated_at) VALUES ('r1', 'jpy', 20000, 'JPY', 'SUCCESS', 1, 1)")
            .execute(p).await.map(|_| ()))
        .unwrap();
        store.migrate().await.unwrap();
        let amounts: Vec<(String, i64, i64)> = on_pool!(store, p => sqlx::query_as(
            "SELECT order_id, amount, amount_refunded FROM orders ORDER BY order_id")
            .fetch_all(p).await)
        .unwrap();
        assert_eq!(
            amounts,
            [
                ("clf".to_owned(), 15_000, 0),
                ("inr".to_owned(), 12_345, 0),
                ("jpy".to_owned(), 500, 200),
                ("kwd".to_owned(), 10_000, 0),
            ]
        );
        let refund: i64 = on_pool!(store, p => sqlx::query_scalar(
            "SELECT amount FROM refunds WHERE unique_request_id = 'r1'").fetch_one(p).await)
        .unwrap();
        assert_eq!(refund, 200);
        let totals: Vec<(String, i64)> = on_pool!(store, p => sqlx::query_as(
            "SELECT currency, CAST(SUM(amount) AS BIGINT) FROM order_totals GROUP BY currency \
             ORDER BY currency").fetch_all(p).await)
        .unwrap();
        assert_eq!(
            totals,
            [
                ("INR".to_owned(), 12_345),
                ("JPY".to_owned(), 500),
                ("KWD".to_owned(), 10_000),
                ("clf".to_owned(), 15_000),
            ]
        );
        let table: Vec<(String, i64)> = on_pool!(store, p => sqlx::query_as(
            "SELECT code, CAST(exponent AS BIGINT) FROM currency_exponents ORDER BY code")
            .fetch_all(p).await)
        .unwrap();
        let code: Vec<(String, i64)> = crate::money::UNCOMMON_EXPONENTS
            .iter()
            .map(|(c, e)| (c.clone(), i64::from(*e)))
            .collect();
        assert_eq!(
            table, code,
            "the migration's table is ISO 4217's as the code reads it"
        );
        store.close().await;
        if let Some(database) = database {
            database.remove().await;
        }
    }

    #[tokio::test]
    async fn stored_hundredths_become_minor_units_of_each_currency_on_sqlite() {
        stored_hundredths_become_minor_units_of_each_currency(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn stored_hundredths_become_minor_units_of_each_currency_on_postgres() {
        stored_hundredths_become_minor_units_of_each_currency(Backend::Postgres).await;
    }

    crate::test_on_both_backends! {
        async fn a_fresh_database_is_reachable_with_current_migrations(db) {
            let store = db.store();
            assert!(store.ping().await);
            assert!(store.migrations_current().await.unwrap());
            store.migrate().await.unwrap();
            assert!(store.migrations_current().await.unwrap());
        }
    }

    /// A SQLite setting, so a SQLite-only test: PostgreSQL's temporary data is the server's.
    #[tokio::test]
    async fn every_sqlite_connection_keeps_temporary_data_in_memory_and_leaves_checkpoints_to_the_background()
     {
        let db = crate::testing::TestDatabase::sqlite().await;
        let store = db.store();
        let super::Pool::Sqlite(pool) = store.pool() else {
            unreachable!("a SQLite test database");
        };
        // Hold several connections at once so the check covers more than one.
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut conn = pool.acquire().await.unwrap();
            let mode: i64 = sqlx::query_scalar("PRAGMA temp_store")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            assert_eq!(mode, 2, "2 is MEMORY");
            let pages: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            assert_eq!(pages.to_string(), super::WAL_PAGES_BEFORE_WRITER_CHECKPOINT);
            held.push(conn);
        }
        drop(held);
        db.finish().await;
    }

    crate::test_on_both_backends! {
        async fn a_checkpoint_copies_the_whole_log_into_the_database_file(db) {
            let store = db.store();
            for at in 0..3 {
                store.count_login_attempt("ip:ana", at, 60_000).await.unwrap();
            }
            let copied = store.checkpoint().await.unwrap();
            if store.backend() == Backend::Sqlite {
                let crate::store::Pool::Sqlite(pool) = store.pool() else {
                    unreachable!("a SQLite store");
                };
                let (busy, log, done): (i64, i64, i64) =
                    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                        .fetch_one(pool)
                        .await
                        .unwrap();
                assert_eq!(busy, 0);
                assert!(copied > 0, "the writes were in the log");
                assert_eq!(done, log, "nothing was left behind");
            } else {
                assert_eq!(copied, 0, "PostgreSQL manages its own log");
            }
        }
    }

    crate::test_on_both_backends! {
        async fn a_checkpoint_with_nothing_new_to_copy_does_not_wait_for_the_writer(db) {
            let store = db.store();
            store.count_login_attempt("ip:ana", 1, 60_000).await.unwrap();
            store.checkpoint().await.unwrap();
            // A writer holds this process's write turn; the log holds nothing uncopied.
            let writer = store.begin().await.unwrap();
            let copied = tokio::time::timeout(
                std::time::Duration::from_secs(2),
                store.checkpoint(),
            )
            .await
            .expect("the checkpoint did not wait for the writer's turn")
            .unwrap();
            writer.rollback().await.unwrap();
            if store.backend() == Backend::Sqlite {
                // A passive checkpoint reports the log it found, all of it already copied.
                assert!(copied > 0, "the earlier write is still in the (copied) log");
            } else {
                assert_eq!(copied, 0);
            }
        }
    }

    crate::test_on_both_backends! {
            async fn sqlite_writers_take_turns_in_arrival_order_while_postgres_writers_overlap(db) {
                use std::sync::{Arc, Mutex};
                let store = db.store();
                let first = store.begin().await.unwrap();
                let began = Arc::new(Mutex::new(Vec::new()));
                let mut writers = Vec::new();
                // Three more writers (the test pool has four connections), queued in order.
                for writer in 0..3 {
                    let (writer_store, began) = (store.clone(), began.clone());
                    let mut task = Box::pin(async move {
                        let tx = writer_store.begin().await.unwrap();
                        began.lock().unwrap().push(writer);
                        tx.commit().await.unwrap();
                    });
                    // Polled once here, the writer joins the queue for its turn (a fair one)
                    // before the next writer exists: arrival order without a timed gap.
    let waiting = std::future::poll_fn(|cx| {
                        std::task::Poll::Ready(task.as_mut().poll(cx).is_pending())
                    })
                    .await;
                    if waiting {
                        writers.push(tokio::spawn(task));
                    } else {
                        assert_eq!(store.backend(), Backend::Postgres, "writer {writer} waits its turn");
                    }
                }
                if store.backend() == Backend::Postgres {
                    // No turn to wait for: each writer opens its transaction at once.
                    crate::testing::wait_until("every writer began", || began.lock().unwrap().len() == 3).await;
                }
                let began_while_first_open = began.lock().unwrap().len();
                first.commit().await.unwrap();
                for writer in writers {
                    writer.await.unwrap();
                }
                match store.backend() {
                    Backend::Sqlite => {
                        assert_eq!(began_while_first_open, 0, "no writer began before the first ended");
                        assert_eq!(*began.lock().unwrap(), vec![0, 1, 2], "turns in arrival order");
                    }
                    Backend::Postgres => {
                        assert_eq!(began_while_first_open, 3, "PostgreSQL writers do not wait for a turn");
                    }
                }
            }
        }
}

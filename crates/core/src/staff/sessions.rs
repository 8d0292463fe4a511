//! Server-side sessions for tower-sessions, kept in the product database (so they survive a
//! restart and are shared by every instance): one store type that delegates to the SQLite
//! or PostgreSQL store of `tower-sessions-sqlx-store`, matching the pool in use.

use async_trait::async_trait;
use tower_sessions::{
    ExpiredDeletion, SessionStore,
    session::{Id, Record},
    session_store,
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::store::{Pool, Store, StoreError};

/// Sessions in the same database as everything else.
#[derive(Debug, Clone)]
pub enum DbSessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl DbSessionStore {
    /// Creates the session table when missing.
    pub async fn open(store: &Store) -> Result<Self, StoreError> {
        let sessions = match store.pool() {
            Pool::Sqlite(p) => {
                let s = SqliteStore::new(p.clone());
                s.migrate().await?;
                Self::Sqlite(s)
            }
            Pool::Postgres(p) => {
                let s = PostgresStore::new(p.clone());
                s.migrate().await?;
                Self::Postgres(s)
            }
        };
        Ok(sessions)
    }

    /// Removes expired sessions; run periodically.
    pub async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.delete_expired().await,
            Self::Postgres(s) => s.delete_expired().await,
        }
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.create(record).await,
            Self::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.save(record).await,
            Self::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite(s) => s.load(id).await,
            Self::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.delete(id).await,
            Self::Postgres(s) => s.delete(id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use time::{Duration, OffsetDateTime};

    use super::*;

    crate::test_on_both_backends! {
        async fn a_saved_session_loads_back_and_deletes(db) {
            let sessions = DbSessionStore::open(&db.store()).await.unwrap();
            let mut record = Record {
                id: Id::default(),
                data: HashMap::from([("k".to_owned(), serde_json::json!(42))]),
                expiry_date: OffsetDateTime::now_utc() + Duration::hours(1),
            };
            sessions.create(&mut record).await.unwrap();
            let loaded = sessions.load(&record.id).await.unwrap().unwrap();
            assert_eq!(loaded.data["k"], 42);
            sessions.delete(&record.id).await.unwrap();
            assert!(sessions.load(&record.id).await.unwrap().is_none());
            sessions.delete_expired().await.unwrap();
        }
    }
}

//! Failed-login bookkeeping shared by every instance through the database, so throttling
//! holds behind a load balancer. Keys are `account:<username>` or `ip:<address>`.

use super::{Store, StoreError, on_pool};

impl Store {
    pub async fn record_login_failure(&self, key: &str, at: i64) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(at)
                .execute(p)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Failures recorded for `key` at or after `since`, and the oldest of them.
    pub async fn recent_login_failures(
        &self,
        key: &str,
        since: i64,
    ) -> Result<(i64, Option<i64>), StoreError> {
        let row: (i64, Option<i64>) = on_pool!(self, p => {
            sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = $1 AND at >= $2")
                .bind(key)
                .bind(since)
                .fetch_one(p)
                .await
        })?;
        Ok(row)
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("DELETE FROM login_failures WHERE key = $1")
                .bind(key)
                .execute(p)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Forgets failures older than `before`, keeping the table small.
    pub async fn prune_login_failures(&self, before: i64) -> Result<u64, StoreError> {
        let done = on_pool!(self, p => {
            sqlx::query("DELETE FROM login_failures WHERE at < $1")
                .bind(before)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    crate::test_on_both_backends! {
        async fn failures_are_counted_per_key_within_the_window_and_cleared(db) {
            let store = db.store();
            store.record_login_failure("account:ana", 1_000).await.unwrap();
            store.record_login_failure("account:ana", 2_000).await.unwrap();
            store.record_login_failure("account:ana", 3_000).await.unwrap();
            store.record_login_failure("ip:10.0.0.1", 3_000).await.unwrap();
            assert_eq!(
                store.recent_login_failures("account:ana", 2_000).await.unwrap(),
                (2, Some(2_000))
            );
            assert_eq!(store.recent_login_failures("account:bob", 0).await.unwrap(), (0, None));
            assert_eq!(store.prune_login_failures(1_500).await.unwrap(), 1);
            store.clear_login_failures("account:ana").await.unwrap();
            assert_eq!(store.recent_login_failures("account:ana", 0).await.unwrap().0, 0);
            assert_eq!(store.recent_login_failures("ip:10.0.0.1", 0).await.unwrap().0, 1);
        }
    }
}

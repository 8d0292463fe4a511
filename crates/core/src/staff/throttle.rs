//! Sign-in throttling counters shared by every instance through the database, so throttling
//! holds behind a load balancer. One row per key and fixed window; keys are
//! `pair:<username>:<address>`, `ip:<address>` and `account:<username>`.
//!
//! Invariant: [`Store::count_login_attempt`] is one atomic upsert that returns the new
//! count, so of any number of parallel attempts exactly one sees each count.

use crate::store::{Store, StoreError, on_pool};

/// A key's counter in its current window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginCount {
    /// Attempts counted in the window (0 when the window has passed).
    pub failures: i64,
    /// When the window started (epoch ms).
    pub window_start: i64,
    /// When the last attempt was counted (epoch ms).
    pub last_at: i64,
}

impl Store {
    /// Counts one attempt for `key` at `now` and returns the count including it. A window
    /// that started `window_ms` or more before `now` is replaced by a new one.
    pub async fn count_login_attempt(
        &self,
        key: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<LoginCount, StoreError> {
        let (failures, window_start): (i64, i64) = on_pool!(self, p => {
            sqlx::query_as(
                "INSERT INTO login_throttle (key, window_start, failures, last_at) \
                 VALUES ($1, $2, 1, $2) \
                 ON CONFLICT (key) DO UPDATE SET \
                   failures = CASE WHEN login_throttle.window_start <= $3 THEN 1 \
                                   ELSE login_throttle.failures + 1 END, \
                   window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 \
                                       ELSE login_throttle.window_start END, \
                   last_at = $2 \
                 RETURNING failures, window_start",
            )
            .bind(key)
            .bind(now)
            .bind(now - window_ms)
            .fetch_one(p)
            .await
        })?;
        Ok(LoginCount {
            failures,
            window_start,
            last_at: now,
        })
    }

    /// Takes back one attempt counted for `key` (it was refused before any guess, or it
    /// succeeded).
    pub async fn uncount_login_attempt(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(
                "UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0",
            )
            .bind(key)
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// The counter of `key` in the window that is current at `now`.
    pub async fn login_count(
        &self,
        key: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<LoginCount, StoreError> {
        let row: Option<(i64, i64, i64)> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT failures, window_start, last_at FROM login_throttle WHERE key = $1",
            )
            .bind(key)
            .fetch_optional(p)
            .await
        })?;
        Ok(match row {
            Some((failures, window_start, last_at)) if window_start > now - window_ms => {
                LoginCount {
                    failures,
                    window_start,
                    last_at,
                }
            }
            _ => LoginCount::default(),
        })
    }

    pub async fn clear_login_attempts(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("DELETE FROM login_throttle WHERE key = $1")
                .bind(key)
                .execute(p)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Forgets counters whose window started before `before`, keeping the table small.
    pub async fn prune_login_attempts(&self, before: i64) -> Result<u64, StoreError> {
        let done = on_pool!(self, p => {
            sqlx::query("DELETE FROM login_throttle WHERE window_start < $1")
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
        async fn attempts_are_counted_per_key_within_a_window_taken_back_and_pruned(db) {
            let store = db.store();
            let count = |at| store.count_login_attempt("ip:10.0.0.1", at, 1_000);
            assert_eq!(count(100).await.unwrap().failures, 1);
            assert_eq!(count(200).await.unwrap().failures, 2);
            store.uncount_login_attempt("ip:10.0.0.1").await.unwrap();
            let now = store.login_count("ip:10.0.0.1", 300, 1_000).await.unwrap();
            assert_eq!((now.failures, now.window_start, now.last_at), (1, 100, 200));
            let next_window = count(1_100).await.unwrap();
            assert_eq!((next_window.failures, next_window.window_start), (1, 1_100));
            assert_eq!(store.login_count("ip:other", 0, 1_000).await.unwrap().failures, 0);
            assert_eq!(store.login_count("ip:10.0.0.1", 5_000, 1_000).await.unwrap().failures, 0);
            store.count_login_attempt("account:ana", 50, 1_000).await.unwrap();
            assert_eq!(store.prune_login_attempts(1_000).await.unwrap(), 1);
            store.clear_login_attempts("ip:10.0.0.1").await.unwrap();
            assert_eq!(store.login_count("ip:10.0.0.1", 1_200, 1_000).await.unwrap().failures, 0);
        }
    }

    crate::test_on_both_backends! {
        async fn parallel_attempts_each_see_a_different_count(db) {
            let store = db.store();
            let mut attempts = tokio::task::JoinSet::new();
            for _ in 0..20 {
                let store = store.clone();
                attempts.spawn(async move {
                    store.count_login_attempt("pair:ana:1.1.1.1", 10, 60_000).await.unwrap().failures
                });
            }
            let mut seen: Vec<i64> = attempts.join_all().await;
            seen.sort_unstable();
            assert_eq!(seen, (1..=20).collect::<Vec<_>>());
        }
    }
}

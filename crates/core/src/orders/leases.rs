//! Reconciler leases: which unresolved orders are due for a status check, handed to one
//! instance at a time.
//!
//! Invariant: two instances never hold a lease on the same order at once.

use crate::store::{Backend, Store, StoreError, Tx, on_pool, on_tx};

/// An order leased for a status check.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LeasedOrder {
    pub order_id: String,
    pub check_count: i64,
    pub created_at: i64,
}

impl Tx {
    /// Ends a check of a leased order: counts it, sets the next check (`None`: no more
    /// polling), marks it stale when given, and releases the lease. A no-op if the lease
    /// was lost to another instance meanwhile.
    pub async fn finish_order_check(
        &mut self,
        order_id: &str,
        owner: &str,
        next_check_at: Option<i64>,
        stale_at: Option<i64>,
    ) -> Result<(), StoreError> {
        on_tx!(self, t => sqlx::query(
            "UPDATE orders SET check_count = check_count + 1, lease_owner = NULL, \
             lease_until = NULL, stale_at = COALESCE($1, stale_at), next_check_at = $2 \
             WHERE order_id = $3 AND lease_owner = $4")
            .bind(stale_at)
            .bind(next_check_at)
            .bind(order_id)
            .bind(owner)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }

    /// Makes the order due for a check by `at` at the latest (a refund is pending).
    pub async fn schedule_order_check(
        &mut self,
        order_id: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, t => sqlx::query(
            "UPDATE orders SET next_check_at = $1, stale_at = NULL \
             WHERE order_id = $2 AND (next_check_at IS NULL OR next_check_at > $1)")
            .bind(at)
            .bind(order_id)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }
}

impl Store {
    /// Leases up to `limit` orders whose check is due, for `lease_ms`. Two instances never
    /// hold the same order: the update re-checks the lease on the row it changes, and on
    /// PostgreSQL rows another instance is leasing are skipped.
    pub async fn lease_due_orders(
        &self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<LeasedOrder>, StoreError> {
        let skip_locked = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE orders SET lease_owner = $1, lease_until = $2 \
             WHERE order_id IN (SELECT order_id FROM orders WHERE next_check_at <= $3 \
               AND (lease_until IS NULL OR lease_until < $3) \
               ORDER BY next_check_at LIMIT $4{skip_locked}) \
             AND next_check_at <= $3 AND (lease_until IS NULL OR lease_until < $3) \
             RETURNING order_id, check_count, created_at"
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, LeasedOrder>(&sql)
            .bind(owner)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }
}

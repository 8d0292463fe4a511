//! An order's timeline: one entry per report, poll answer or staff action that touched the
//! order, saying where it came from, the status before and after, and the outcome.
//!
//! Invariant: entries are only added, never changed, in the transaction of the change they
//! explain.

use serde::{Deserialize, Serialize};

use crate::{
    reports::Via,
    store::{Store, StoreError, Tx, on_pool, on_tx},
};

/// One entry of an order's timeline (`order_events`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrderEvent {
    pub id: i64,
    pub order_id: String,
    pub at: i64,
    pub via: String,
    pub webhook_event_id: Option<i64>,
    pub reported_status: Option<String>,
    pub status_before: Option<String>,
    pub status_after: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub trace_id: Option<String>,
}

/// Where a report came from, for the timeline.
#[derive(Debug, Clone, Default)]
pub struct ReportContext {
    pub via: Option<Via>,
    pub at: i64,
    pub webhook_event_id: Option<i64>,
    pub trace_id: Option<String>,
    /// Juspay's time of the report (a webhook's `date_created`), when known.
    pub reported_at: Option<i64>,
    /// Wait before the reconciler first checks an order left unresolved.
    pub first_check_ms: i64,
}

impl ReportContext {
    pub(crate) fn via(&self) -> Via {
        self.via.unwrap_or(Via::Webhook)
    }
}

const ORDER_EVENT_COLUMNS: &str = "id, order_id, at, via, webhook_event_id, reported_status, \
     status_before, status_after, outcome, detail, trace_id";

impl Tx {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_order_event(
        &mut self,
        order_id: &str,
        ctx: &ReportContext,
        reported_status: Option<&str>,
        status_before: Option<&str>,
        status_after: Option<&str>,
        outcome: &str,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO order_events (order_id, at, via, webhook_event_id, reported_status, \
             status_before, status_after, outcome, detail, trace_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(order_id)
            .bind(ctx.at)
            .bind(ctx.via().as_str())
            .bind(ctx.webhook_event_id)
            .bind(reported_status)
            .bind(status_before)
            .bind(status_after)
            .bind(outcome)
            .bind(detail)
            .bind(&ctx.trace_id)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }

    /// Adds a timeline entry that is not a snapshot (a refused status request, a staff
    /// action that failed at Juspay).
    pub async fn note_order_event(
        &mut self,
        order_id: &str,
        ctx: &ReportContext,
        outcome: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.insert_order_event(order_id, ctx, None, None, None, outcome, Some(detail))
            .await
    }
}

impl Store {
    /// The order's timeline entries, oldest first.
    pub async fn list_order_events(&self, order_id: &str) -> Result<Vec<OrderEvent>, StoreError> {
        let sql = format!(
            "SELECT {ORDER_EVENT_COLUMNS} FROM order_events WHERE order_id = $1 ORDER BY id"
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, OrderEvent>(&sql)
            .bind(order_id).fetch_all(p).await)?;
        Ok(rows)
    }
}

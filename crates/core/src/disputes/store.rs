//! Disputes in the database. A row changes only through [`Tx::apply_dispute_report`],
//! which locks the dispute, plans with [`crate::disputes::snapshot`], writes the change,
//! its `dispute.*` event and a line in its order's timeline in the caller's transaction.

use dashboard_status::DisputeStatus;
use serde::{Deserialize, Serialize};

use crate::{
    disputes::{
        model::DisputeRow,
        snapshot::{DisputeReport, plan_dispute},
    },
    orders::timeline::ReportContext,
    reports::Effect,
    store::{
        Bind, Conditions, Store, StoreError, Tx, bind_all, on_pool, on_tx, row_columns, select_sql,
        sql_list, upsert_sql,
    },
};

row_columns!($ pub(crate) DISPUTE_COLUMNS, bind_dispute, [
    dispute_id,
    order_id,
    txn_id,
    gateway,
    amount,
    currency,
    status,
    stage,
    reason,
    respond_by,
    juspay_created_at,
    resolved_at,
    decision,
    decided_at,
    last_report,
    created_at,
    updated_at,
]);

/// What a dispute report did.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedDispute {
    pub dispute_id: String,
    pub effect: Effect,
    pub status_before: Option<DisputeStatus>,
    pub status_after: DisputeStatus,
}

impl Tx {
    async fn load_dispute(&mut self, dispute_id: &str) -> Result<Option<DisputeRow>, StoreError> {
        let sql = select_sql("disputes", &DISPUTE_COLUMNS.join(", "), "dispute_id");
        let row = on_tx!(self, t => sqlx::query_as::<_, DisputeRow>(&sql)
            .bind(dispute_id).fetch_optional(&mut **t).await)?;
        Ok(row)
    }

    /// Applies what Juspay reported about a dispute. `Ok(None)` when the report cannot
    /// make a dispute (unknown and without a status).
    pub async fn apply_dispute_report(
        &mut self,
        report: &DisputeReport,
        ctx: &ReportContext,
    ) -> Result<Option<AppliedDispute>, StoreError> {
        self.lock_key(&format!("dispute:{}", report.dispute_id))
            .await?;
        let current = self.load_dispute(&report.dispute_id).await?;
        let Ok(plan) = plan_dispute(current.as_ref(), report, ctx.at) else {
            return Ok(None);
        };
        if current.as_ref() != Some(&plan.row) {
            let sql = upsert_sql("disputes", DISPUTE_COLUMNS);
            on_tx!(self, t => bind_dispute!(sqlx::query(&sql), &plan.row)
                .execute(&mut **t).await.map(|_| ()))?;
            self.emit_events(&crate::outbound::events::dispute_events(
                current.as_ref(),
                &plan.row,
            ))
            .await?;
        }
        if let (Some(order_id), Effect::Created | Effect::Applied) =
            (&plan.row.order_id, &plan.effect)
        {
            let detail = format!(
                "dispute {} {}{}",
                plan.row.dispute_id,
                plan.row.status.label(),
                plan.row
                    .amount
                    .map(|a| format!(
                        " for {}",
                        crate::money::format_minor(
                            a,
                            plan.row
                                .currency
                                .as_deref()
                                .unwrap_or(juspay::DEFAULT_CURRENCY)
                        )
                    ))
                    .unwrap_or_default()
            );
            self.insert_order_event(
                order_id,
                ctx,
                Some(plan.row.status.as_str()),
                plan.status_before.as_ref().map(DisputeStatus::as_str),
                Some(plan.row.status.as_str()),
                &format!("dispute_{}", plan.effect.outcome()),
                Some(&detail),
            )
            .await?;
        }
        Ok(Some(AppliedDispute {
            dispute_id: report.dispute_id.clone(),
            effect: plan.effect,
            status_before: plan.status_before,
            status_after: plan.row.status,
        }))
    }
}

impl Store {
    /// An order's disputes, oldest first.
    pub async fn list_disputes_of_order(
        &self,
        order_id: &str,
    ) -> Result<Vec<DisputeRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM disputes WHERE order_id = $1 ORDER BY created_at, dispute_id",
            DISPUTE_COLUMNS.join(", ")
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, DisputeRow>(&sql)
            .bind(order_id).fetch_all(p).await)?;
        Ok(rows)
    }

    pub async fn find_dispute(&self, dispute_id: &str) -> Result<Option<DisputeRow>, StoreError> {
        let sql = select_sql("disputes", &DISPUTE_COLUMNS.join(", "), "dispute_id");
        let row = on_pool!(self, p => sqlx::query_as::<_, DisputeRow>(&sql)
            .bind(dispute_id).fetch_optional(p).await)?;
        Ok(row)
    }
}

/// Which disputes to list; every field narrows (combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeFilter {
    /// Any of these statuses (all when empty).
    pub statuses: Vec<DisputeStatus>,
    pub order_id: Option<String>,
    /// Opened here at or after / before (epoch ms).
    pub from: Option<i64>,
    pub until: Option<i64>,
}

impl Store {
    /// Disputes matching `filter`, newest first, after the keyset cursor `before`
    /// (`created_at`, `dispute_id`) of the previous page.
    pub async fn list_disputes(
        &self,
        filter: &DisputeFilter,
        before: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<DisputeRow>, StoreError> {
        let mut c = Conditions::default();
        if !filter.statuses.is_empty() {
            let params: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| c.param(Bind::Text(s.as_str().to_owned())))
                .collect();
            c.and(format!("status IN ({})", params.join(", ")));
        }
        if let Some(order_id) = &filter.order_id {
            let p = c.param(Bind::Text(order_id.clone()));
            c.and(format!("order_id = {p}"));
        }
        if let Some(from) = filter.from {
            let p = c.param(Bind::Int(from));
            c.and(format!("created_at >= {p}"));
        }
        if let Some(until) = filter.until {
            let p = c.param(Bind::Int(until));
            c.and(format!("created_at < {p}"));
        }
        if let Some((at, id)) = before {
            let a = c.param(Bind::Int(at));
            let i = c.param(Bind::Text(id));
            c.and(format!(
                "(created_at < {a} OR (created_at = {a} AND dispute_id < {i}))"
            ));
        }
        let limit_param = c.param(Bind::Int(limit));
        let sql = format!(
            "SELECT {} FROM disputes WHERE {} ORDER BY created_at DESC, dispute_id DESC \
             LIMIT {limit_param}",
            DISPUTE_COLUMNS.join(", "),
            c.clause()
        );
        let rows = on_pool!(self, p => bind_all!(sqlx::query_as::<_, DisputeRow>(&sql), &c.binds)
            .fetch_all(p).await)?;
        Ok(rows)
    }

    /// Disputes that wait on the merchant (Juspay asks for a response, no decision
    /// recorded), the nearest respond-by time first, those without one last.
    pub async fn list_disputes_awaiting_response(
        &self,
        limit: i64,
    ) -> Result<Vec<DisputeRow>, StoreError> {
        let waiting: Vec<&str> = DisputeStatus::KNOWN
            .iter()
            .filter(|s| s.needs_response())
            .map(DisputeStatus::as_str)
            .collect();
        let sql = format!(
            "SELECT {} FROM disputes WHERE status IN {} AND decision IS NULL \
             ORDER BY CASE WHEN respond_by IS NULL THEN 1 ELSE 0 END, respond_by, created_at \
             LIMIT $1",
            DISPUTE_COLUMNS.join(", "),
            sql_list(waiting)
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, DisputeRow>(&sql)
            .bind(limit).fetch_all(p).await)?;
        Ok(rows)
    }
}

/// Disputes opened in a window on the payments of one gateway or method, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DisputeCount {
    /// `gateway` or `method`.
    pub dimension: String,
    pub key: String,
    pub currency: String,
    pub disputes: i64,
    /// Minor units of `currency`.
    pub amount: i64,
}

impl Store {
    /// Disputes first seen in `[from, until)`, by their order's gateway and by its payment
    /// method, per currency (amounts are never summed across currencies).
    pub async fn dispute_counts(
        &self,
        from: i64,
        until: i64,
    ) -> Result<Vec<DisputeCount>, StoreError> {
        let mut rows = Vec::new();
        for (dimension, column) in [("gateway", "gateway"), ("method", "payment_method")] {
            let sql = format!(
                "SELECT '{dimension}' AS dimension, COALESCE(o.{column}, '(none)') AS key, \
                 COALESCE(d.currency, o.currency) AS currency, COUNT(*) AS disputes, \
                 CAST(COALESCE(SUM(d.amount), 0) AS BIGINT) AS amount \
                 FROM disputes d JOIN orders o ON o.order_id = d.order_id \
                 WHERE d.created_at >= $1 AND d.created_at < $2 \
                 GROUP BY 1, 2, 3 ORDER BY 4 DESC, 2, 3"
            );
            let found = on_pool!(self, p => sqlx::query_as::<_, DisputeCount>(&sql)
                .bind(from).bind(until).fetch_all(p).await)?;
            rows.extend(found);
        }
        Ok(rows)
    }
}

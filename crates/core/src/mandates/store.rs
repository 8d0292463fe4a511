//! Mandates as Juspay last confirmed them and their history. A row changes only through
//! [`Tx::apply_mandate_report`], which locks the mandate, plans with [`crate::mandates::snapshot`] and
//! records the change in the mandate's history in the caller's transaction.

use dashboard_status::MandateStatus;
use serde::{Deserialize, Serialize};

use crate::{
    mandates::{model::MandateRow, snapshot::MandateReport},
    orders::timeline::ReportContext,
    reports::{Effect, ReportError},
    store::{Store, StoreError, Tx, on_pool, on_tx, row_columns, select_sql, upsert_sql},
};

row_columns!($ pub(crate) MANDATE_COLUMNS, bind_mandate, [
    mandate_id,
    order_id,
    customer_id,
    status,
    mandate_type,
    frequency,
    amount_rule,
    max_amount,
    currency,
    start_date,
    end_date,
    rule_type,
    rule_value,
    revokable_by_customer,
    block_fund,
    payment_method_type,
    payment_method,
    payer_vpa,
    status_reported_at,
    created_at,
    updated_at,
    confirmed_at,
    confirmed_via,
]);

/// One entry of a mandate's history (`mandate_events`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct MandateEvent {
    pub id: i64,
    pub mandate_id: String,
    pub at: i64,
    pub via: String,
    pub webhook_event_id: Option<i64>,
    pub kind: String,
    pub reported_status: Option<String>,
    pub status_before: Option<String>,
    pub status_after: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub order_id: Option<String>,
}

/// Which mandates to list; every field optional, combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateFilter {
    /// Statuses; a mandate with any of them matches (empty: no filter).
    pub status: Vec<MandateStatus>,
    pub customer_id: Option<String>,
    pub frequency: Option<String>,
    pub amount_rule: Option<String>,
    /// Mandate id, customer id or registering order id, exactly.
    pub search: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
}

/// What applying a mandate report did.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedMandate {
    pub mandate_id: String,
    pub effect: Effect,
    pub status_before: Option<MandateStatus>,
    pub status_after: MandateStatus,
}

impl Tx {
    pub(crate) async fn load_mandate(
        &mut self,
        mandate_id: &str,
    ) -> Result<Option<MandateRow>, StoreError> {
        let sql = select_sql("mandates", &MANDATE_COLUMNS.join(", "), "mandate_id");
        let row = on_tx!(self, t => sqlx::query_as::<_, MandateRow>(&sql)
            .bind(mandate_id).fetch_optional(&mut **t).await)?;
        Ok(row)
    }

    pub(crate) async fn save_mandate(&mut self, row: &MandateRow) -> Result<(), StoreError> {
        let sql = upsert_sql("mandates", MANDATE_COLUMNS);
        on_tx!(self, t => bind_mandate!(sqlx::query(&sql), row)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }

    /// Records a mandate timeline entry (status change, notification, staff action).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_mandate_event(
        &mut self,
        mandate_id: &str,
        ctx: &ReportContext,
        kind: &str,
        reported_status: Option<&str>,
        status_before: Option<&str>,
        status_after: Option<&str>,
        outcome: &str,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO mandate_events (mandate_id, at, via, webhook_event_id, kind, \
             reported_status, status_before, status_after, outcome, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(mandate_id)
            .bind(ctx.at)
            .bind(ctx.via().as_str())
            .bind(ctx.webhook_event_id)
            .bind(kind)
            .bind(reported_status)
            .bind(status_before)
            .bind(status_after)
            .bind(outcome)
            .bind(detail)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }

    /// Records a debit of the mandate and the order that carries it.
    pub async fn insert_mandate_execution(
        &mut self,
        mandate_id: &str,
        ctx: &ReportContext,
        order_id: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO mandate_events (mandate_id, at, via, kind, outcome, detail, order_id) \
             VALUES ($1, $2, $3, 'execution', 'staff', $4, $5)")
            .bind(mandate_id)
            .bind(ctx.at)
            .bind(ctx.via().as_str())
            .bind(detail)
            .bind(order_id)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }

    /// Applies what Juspay reported about a mandate and records it in its history.
    pub async fn apply_mandate_report(
        &mut self,
        report: &MandateReport,
        ctx: &ReportContext,
    ) -> Result<Result<AppliedMandate, ReportError>, StoreError> {
        self.lock_key(&format!("mandate:{}", report.mandate_id))
            .await?;
        let current = self.load_mandate(&report.mandate_id).await?;
        let plan = match crate::mandates::snapshot::plan_mandate(
            current.as_ref(),
            report,
            ctx.reported_at,
            ctx.via(),
            ctx.at,
        ) {
            Ok(plan) => plan,
            Err(err) => return Ok(Err(err)),
        };
        if current.as_ref() != Some(&plan.row) {
            self.save_mandate(&plan.row).await?;
            self.emit_events(&crate::outbound::events::mandate_events(
                current.as_ref(),
                &plan.row,
            ))
            .await?;
        }
        if plan.effect != Effect::Unchanged {
            self.insert_mandate_event(
                &report.mandate_id,
                ctx,
                "status",
                report.status.as_ref().map(|s| s.as_str()),
                plan.status_before.as_ref().map(MandateStatus::as_str),
                Some(plan.row.status.as_str()),
                plan.effect.outcome().as_str(),
                plan.effect.detail().as_deref(),
            )
            .await?;
        }
        Ok(Ok(AppliedMandate {
            mandate_id: report.mandate_id.clone(),
            effect: plan.effect,
            status_before: plan.status_before,
            status_after: plan.row.status,
        }))
    }
}

impl Store {
    /// The mandate's history, oldest first.
    pub async fn list_mandate_events(
        &self,
        mandate_id: &str,
    ) -> Result<Vec<MandateEvent>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, MandateEvent>(
            "SELECT id, mandate_id, at, via, webhook_event_id, kind, reported_status, \
             status_before, status_after, outcome, detail, order_id \
             FROM mandate_events WHERE mandate_id = $1 ORDER BY id")
            .bind(mandate_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Mandates matching `filter`, newest first, at most `limit`.
    pub async fn list_mandates(
        &self,
        filter: &MandateFilter,
        limit: i64,
    ) -> Result<Vec<MandateRow>, StoreError> {
        use crate::store::{Bind, Conditions, bind_all};
        let mut w = Conditions::default();
        if !filter.status.is_empty() {
            let statuses: Vec<String> = filter
                .status
                .iter()
                .map(|s| w.param(Bind::Text(s.as_str().to_owned())))
                .collect();
            w.and(format!("status IN ({})", statuses.join(", ")));
        }
        for (column, value) in [
            ("customer_id", &filter.customer_id),
            ("frequency", &filter.frequency),
            ("amount_rule", &filter.amount_rule),
        ] {
            if let Some(value) = value {
                let p = w.param(Bind::Text(value.clone()));
                w.and(format!("{column} = {p}"));
            }
        }
        if let Some(search) = &filter.search {
            let p = w.param(Bind::Text(search.clone()));
            w.and(format!(
                "(mandate_id = {p} OR customer_id = {p} OR order_id = {p})"
            ));
        }
        for (condition, value) in [
            ("created_at >=", filter.from),
            ("created_at <", filter.until),
        ] {
            if let Some(value) = value {
                let p = w.param(Bind::Int(value));
                w.and(format!("{condition} {p}"));
            }
        }
        let limit = w.param(Bind::Int(limit));
        let sql = format!(
            "SELECT {} FROM mandates WHERE {} ORDER BY created_at DESC, mandate_id DESC LIMIT {limit}",
            MANDATE_COLUMNS.join(", "),
            w.clause()
        );
        let rows = on_pool!(self, p => {
            bind_all!(sqlx::query_as::<_, MandateRow>(&sql), &w.binds).fetch_all(p).await
        })?;
        Ok(rows)
    }

    pub async fn find_mandate(&self, mandate_id: &str) -> Result<Option<MandateRow>, StoreError> {
        let sql = select_sql("mandates", &MANDATE_COLUMNS.join(", "), "mandate_id");
        let row = on_pool!(self, p => sqlx::query_as::<_, MandateRow>(&sql)
            .bind(mandate_id).fetch_optional(p).await)?;
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::test_on_both_backends! {
        async fn several_picked_statuses_list_mandates_with_any_of_them(db) {
            let store = db.store();
            let mut tx = store.begin().await.unwrap();
            for (i, (id, status)) in [("m1", "ACTIVE"), ("m2", "PAUSED"), ("m3", "REVOKED")]
                .into_iter()
                .enumerate()
            {
                let at = 1_000 * (i as i64 + 1);
                let row = MandateRow {
                    mandate_id: id.into(),
                    status: MandateStatus::from(status),
                    created_at: at,
                    updated_at: at,
                    ..MandateRow::default()
                };
                tx.save_mandate(&row).await.unwrap();
            }
            tx.commit().await.unwrap();
            let listed = |statuses: &[&str]| {
                let filter = MandateFilter {
                    status: statuses.iter().map(|s| MandateStatus::from(*s)).collect(),
                    ..MandateFilter::default()
                };
                let store = store.clone();
                async move {
                    let rows = store.list_mandates(&filter, 10).await.unwrap();
                    rows.into_iter().map(|r| r.mandate_id).collect::<Vec<_>>()
                }
            };
            assert_eq!(listed(&["ACTIVE", "REVOKED"]).await, ["m3", "m1"]);
            assert_eq!(listed(&["PAUSED"]).await, ["m2"]);
            assert_eq!(listed(&[]).await, ["m3", "m2", "m1"]);
        }
    }
}

//! Refunds as Juspay last confirmed them, with our own request bookkeeping. Rows change
//! through the order report that carries them ([`Tx::apply_order_report`]) or the refund
//! action's own writes, always inside the order's lock.

use dashboard_status::{RefundRequestState, RefundStatus};
use serde::{Deserialize, Serialize};

use crate::{
    orders::timeline::ReportContext,
    refunds::{model::RefundRow, snapshot::RefundReport},
    reports::Effect,
    store::{
        Bind, Conditions, Store, StoreError, Tx, bind_all, on_pool, on_tx, row_columns, select_sql,
        sql_list, upsert_sql,
    },
};

row_columns!($ REFUND_COLUMNS, bind_refund, [
    unique_request_id,
    order_id,
    juspay_refund_id,
    reference,
    arn,
    amount,
    currency,
    status,
    error_code,
    error_message,
    initiated_by,
    request_state,
    reason,
    requested_by,
    attempts,
    created_at,
    updated_at,
    confirmed_at,
    confirmed_via,
]);

/// Every column of `refunds`, for `SELECT`s elsewhere in the store.
pub(crate) const REFUND_COLUMN_LIST: &str = "unique_request_id, order_id, juspay_refund_id, \
     reference, arn, amount, currency, status, error_code, error_message, initiated_by, \
     request_state, reason, requested_by, attempts, created_at, updated_at, confirmed_at, \
     confirmed_via";

impl Tx {
    pub async fn load_refund(&mut self, key: &str) -> Result<Option<RefundRow>, StoreError> {
        let sql = select_sql("refunds", &REFUND_COLUMNS.join(", "), "unique_request_id");
        let row = on_tx!(self, t => sqlx::query_as::<_, RefundRow>(&sql)
            .bind(key).fetch_optional(&mut **t).await)?;
        Ok(row)
    }

    pub async fn save_refund(&mut self, row: &RefundRow) -> Result<(), StoreError> {
        let sql = upsert_sql("refunds", REFUND_COLUMNS);
        on_tx!(self, t => bind_refund!(sqlx::query(&sql), row)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }

    /// Applies one refund of an order report; `None` when the report is too thin to record.
    pub(crate) async fn apply_refund_report(
        &mut self,
        report: &RefundReport,
        ctx: &ReportContext,
    ) -> Result<Option<(String, Effect, RefundStatus)>, StoreError> {
        let current = self.load_refund(&report.unique_request_id).await?;
        let Ok(plan) =
            crate::refunds::snapshot::plan_refund(current.as_ref(), report, ctx.via(), ctx.at)
        else {
            return Ok(None);
        };
        if current.as_ref() != Some(&plan.row) {
            self.save_refund(&plan.row).await?;
            self.emit_events(&crate::outbound::events::refund_events(
                current.as_ref(),
                &plan.row,
            ))
            .await?;
        }
        if matches!(plan.effect, Effect::Created | Effect::Applied) {
            let detail = format!(
                "refund {} of {}",
                report.unique_request_id,
                crate::money::format_minor(plan.row.amount, &plan.row.currency)
            );
            self.insert_order_event(
                &report.order_id,
                ctx,
                report.status.as_ref().map(|s| s.as_str()),
                plan.status_before.as_ref().map(RefundStatus::as_str),
                Some(plan.row.status.as_str()),
                &format!("refund_{}", plan.effect.outcome()),
                Some(&detail),
            )
            .await?;
        }
        Ok(Some((
            report.unique_request_id.clone(),
            plan.effect,
            plan.row.status,
        )))
    }

    /// The order's refunds, inside this transaction.
    pub async fn list_refunds_in_tx(
        &mut self,
        order_id: &str,
    ) -> Result<Vec<RefundRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM refunds WHERE order_id = $1 ORDER BY created_at, unique_request_id",
            REFUND_COLUMNS.join(", ")
        );
        let rows = on_tx!(self, t => sqlx::query_as::<_, RefundRow>(&sql)
            .bind(order_id).fetch_all(&mut **t).await)?;
        Ok(rows)
    }

    /// Whether a refund of the order is still waiting for its outcome.
    pub async fn has_open_refunds(&mut self, order_id: &str) -> Result<bool, StoreError> {
        let open = self.list_refunds_in_tx(order_id).await?.iter().any(|r| {
            r.status.is_open()
                || r.request_state
                    .as_ref()
                    .is_some_and(RefundRequestState::needs_retry)
        });
        Ok(open)
    }
}

impl Store {
    pub async fn list_refunds_of_order(
        &self,
        order_id: &str,
    ) -> Result<Vec<RefundRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM refunds WHERE order_id = $1 ORDER BY created_at, unique_request_id",
            REFUND_COLUMNS.join(", ")
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, RefundRow>(&sql)
            .bind(order_id).fetch_all(p).await)?;
        Ok(rows)
    }

    pub async fn find_refund(
        &self,
        unique_request_id: &str,
    ) -> Result<Option<RefundRow>, StoreError> {
        let sql = select_sql("refunds", &REFUND_COLUMNS.join(", "), "unique_request_id");
        let row = on_pool!(self, p => sqlx::query_as::<_, RefundRow>(&sql)
            .bind(unique_request_id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Our refunds whose outcome is unknown, or whose sending started before
    /// `sending_before` and never finished (an interrupted process).
    pub async fn list_refunds_to_resend(
        &self,
        sending_before: i64,
    ) -> Result<Vec<RefundRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM refunds WHERE request_state = $2 \
             OR (request_state = $3 AND updated_at < $1) ORDER BY updated_at LIMIT 100",
            REFUND_COLUMNS.join(", ")
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, RefundRow>(&sql)
            .bind(sending_before)
            .bind(RefundRequestState::Unknown)
            .bind(RefundRequestState::Sending)
            .fetch_all(p).await)?;
        Ok(rows)
    }
}

/// Which refunds to list; every field optional, combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundFilter {
    /// Statuses; a refund with any of them matches (empty: no filter).
    pub status: Vec<RefundStatusFilter>,
    pub order_id: Option<String>,
    /// Inclusive bounds in major units with [`crate::money::FILTER_DECIMALS`] decimals,
    /// compared with each refund's amount in its own currency.
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    /// Requested at or after / before (epoch ms).
    pub from: Option<i64>,
    pub until: Option<i64>,
}

/// The refunds list's status filter: one Juspay refund status, or ours whose outcome
/// Juspay has not told us yet (the request is being retried).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefundStatusFilter {
    Is(RefundStatus),
    OutcomeUnknown,
}

impl RefundStatusFilter {
    /// `unknown` (any case) is [`Self::OutcomeUnknown`]; anything else a refund status.
    pub fn parse(text: &str) -> Self {
        match RefundRequestState::from(text) {
            RefundRequestState::Unknown => Self::OutcomeUnknown,
            _ => Self::Is(RefundStatus::from(text)),
        }
    }
}

fn refund_conditions(filter: &RefundFilter) -> Conditions {
    let mut w = Conditions::default();
    let either: Vec<String> = filter
        .status
        .iter()
        .map(|status| match status {
            RefundStatusFilter::OutcomeUnknown => format!(
                "request_state IN {}",
                sql_list(
                    RefundRequestState::KNOWN
                        .iter()
                        .filter(|state| state.needs_retry())
                        .map(RefundRequestState::as_str)
                )
            ),
            RefundStatusFilter::Is(status) => {
                format!(
                    "status = {}",
                    w.param(Bind::Text(status.as_str().to_owned()))
                )
            }
        })
        .collect();
    if !either.is_empty() {
        w.and(format!("({})", either.join(" OR ")));
    }
    if let Some(order_id) = &filter.order_id {
        let p = w.param(Bind::Text(order_id.clone()));
        w.and(format!("order_id = {p}"));
    }
    let scaled = format!("amount * {}", crate::money::filter_scale_sql());
    for (condition, value) in [
        (format!("{scaled} >="), filter.amount_min),
        (format!("{scaled} <="), filter.amount_max),
        ("created_at >=".to_owned(), filter.from),
        ("created_at <".to_owned(), filter.until),
    ] {
        if let Some(value) = value {
            let p = w.param(Bind::Int(value));
            w.and(format!("{condition} {p}"));
        }
    }
    w
}

impl Store {
    /// Refunds matching `filter`, newest first, at most `limit` requested before
    /// `before` (keyset on `(created_at, unique_request_id)`).
    pub async fn list_refunds(
        &self,
        filter: &RefundFilter,
        before: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<RefundRow>, StoreError> {
        let mut w = refund_conditions(filter);
        if let Some((at, id)) = before {
            let at = w.param(Bind::Int(at));
            let id = w.param(Bind::Text(id));
            w.and(format!(
                "(created_at < {at} OR (created_at = {at} AND unique_request_id < {id}))"
            ));
        }
        let limit = w.param(Bind::Int(limit));
        let sql = format!(
            "SELECT {} FROM refunds WHERE {} ORDER BY created_at DESC, unique_request_id DESC LIMIT {limit}",
            REFUND_COLUMN_LIST,
            w.clause()
        );
        let rows = on_pool!(self, p => {
            bind_all!(sqlx::query_as::<_, RefundRow>(&sql), &w.binds)
                .fetch_all(p)
                .await
        })?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refund_column_list_names_every_refund_column_in_order() {
        assert_eq!(
            REFUND_COLUMNS.join(", "),
            REFUND_COLUMN_LIST
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        );
    }

    crate::test_on_both_backends! {
        async fn several_picked_statuses_list_refunds_with_any_of_them(db) {
            let store = db.store();
            let order = crate::testing::order_row("o1", 1_000, "CHARGED", 10_000);
            let refund = |key: &str, at: i64, status: &str, state: Option<RefundRequestState>| RefundRow {
                unique_request_id: key.into(),
                order_id: "o1".into(),
                amount: 100,
                currency: "INR".into(),
                status: status.into(),
                request_state: state,
                created_at: at,
                updated_at: at,
                ..RefundRow::default()
            };
            let mut tx = store.begin().await.unwrap();
            tx.insert_order_for_test(&order).await.unwrap();
            for row in [
                refund("ok", 2_000, "SUCCESS", Some(RefundRequestState::Sent)),
                refund("bad", 3_000, "FAILURE", Some(RefundRequestState::Sent)),
                refund("lost", 4_000, "PENDING", Some(RefundRequestState::Unknown)),
                refund("wait", 5_000, "PENDING", Some(RefundRequestState::Sent)),
            ] {
                tx.save_refund(&row).await.unwrap();
            }
            tx.commit().await.unwrap();
            let listed = |status: Vec<RefundStatusFilter>| {
                let store = store.clone();
                async move {
                    let filter = RefundFilter { status, ..RefundFilter::default() };
                    let rows = store.list_refunds(&filter, None, 10).await.unwrap();
                    rows.into_iter().map(|r| r.unique_request_id).collect::<Vec<_>>()
                }
            };
            let is = |s: &str| RefundStatusFilter::Is(RefundStatus::from(s));
            assert_eq!(listed(vec![is("SUCCESS"), is("FAILURE")]).await, ["bad", "ok"]);
            assert_eq!(
                listed(vec![RefundStatusFilter::OutcomeUnknown, is("SUCCESS")]).await,
                ["lost", "ok"],
                "our unknown outcome and a Juspay status together"
            );
            assert_eq!(listed(vec![]).await, ["wait", "lost", "bad", "ok"]);
        }
    }
}

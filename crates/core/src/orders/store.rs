//! Orders as Juspay last confirmed them. A row changes only through
//! [`Tx::apply_order_report`], which locks the order, plans with [`crate::orders::snapshot`] and
//! writes the plan, the refunds and mandate it carries, and its timeline entry in the
//! caller's transaction. A dry run is the same code with the transaction rolled back.

use dashboard_status::{OrderStatus, RefundStatus};

use crate::{
    mandates::store::AppliedMandate,
    orders::{model::OrderRow, snapshot::OrderReport, timeline::ReportContext},
    reports::{Effect, ReportError},
    store::{Store, StoreError, Tx, on_pool, on_tx, row_columns, select_sql, upsert_sql},
};

// Columns the snapshot function owns; the reconciler's lease columns are left to it.
row_columns!($ ORDER_COLUMNS, bind_order, [
    order_id,
    source,
    juspay_id,
    status,
    status_id,
    amount,
    currency,
    amount_refunded,
    amount_captured,
    customer_id,
    customer_email,
    customer_phone,
    description,
    payment_link,
    payment_method_type,
    payment_method,
    auth_type,
    card_brand,
    card_last_four,
    payer_vpa,
    gateway,
    gateway_id,
    gateway_reference_id,
    txn_id,
    txn_uuid,
    epg_txn_id,
    rrn,
    auth_id_code,
    error_code,
    error_message,
    udfs,
    amount_mismatch,
    juspay_created_at,
    created_at,
    updated_at,
    confirmed_at,
    confirmed_via,
    paid_at,
    paid_via,
    terminal_at,
    next_check_at,
    stale_at,
]);

/// What applying an order report did.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedOrder {
    pub effect: Effect,
    pub status_before: Option<OrderStatus>,
    pub status_after: OrderStatus,
    pub changed: Vec<&'static str>,
    /// Refunds in the report: (unique request id, effect, status after).
    pub refunds: Vec<(String, Effect, RefundStatus)>,
    pub mandate: Option<AppliedMandate>,
}

pub(crate) const ORDER_ROW_COLUMNS: &str = "order_id, source, juspay_id, status, status_id, amount, currency, \
     amount_refunded, amount_captured, customer_id, customer_email, customer_phone, description, \
     payment_link, payment_method_type, payment_method, auth_type, card_brand, card_last_four, payer_vpa, \
     gateway, gateway_id, gateway_reference_id, txn_id, txn_uuid, epg_txn_id, rrn, auth_id_code, \
     error_code, error_message, udfs, amount_mismatch, juspay_created_at, created_at, \
     updated_at, confirmed_at, confirmed_via, paid_at, paid_via, terminal_at, next_check_at, \
     check_count, lease_owner, lease_until, stale_at";

impl Tx {
    pub async fn load_order(&mut self, order_id: &str) -> Result<Option<OrderRow>, StoreError> {
        let sql = select_sql("orders", ORDER_ROW_COLUMNS, "order_id");
        let row = on_tx!(self, t => sqlx::query_as::<_, OrderRow>(&sql)
            .bind(order_id).fetch_optional(&mut **t).await)?;
        Ok(row)
    }

    pub(crate) async fn save_order(&mut self, row: &OrderRow) -> Result<(), StoreError> {
        let sql = upsert_sql("orders", ORDER_COLUMNS);
        on_tx!(self, t => bind_order!(sqlx::query(&sql), row)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }

    /// THE order-snapshot function: applies what Juspay reported about an order — its
    /// status, details, refunds and mandate — and records a timeline entry. An `Err` inside
    /// the `Ok` means the report itself cannot be applied (nothing was written).
    pub async fn apply_order_report(
        &mut self,
        report: &OrderReport,
        ctx: &ReportContext,
    ) -> Result<Result<AppliedOrder, ReportError>, StoreError> {
        self.lock_key(&format!("order:{}", report.order_id)).await?;
        let current = self.load_order(&report.order_id).await?;
        let plan = match crate::orders::snapshot::plan_order(
            current.as_ref(),
            report,
            ctx.via(),
            ctx.at,
            ctx.first_check_ms,
        ) {
            Ok(plan) => plan,
            Err(err) => return Ok(Err(err)),
        };
        if current.as_ref() != Some(&plan.row) {
            self.save_order(&plan.row).await?;
            self.emit_order_events(current.as_ref(), &plan.row).await?;
        }
        let reported = report.status.as_ref().map(|s| s.as_str());
        let detail = match (&plan.effect, plan.changed.is_empty()) {
            (Effect::Applied, false) => Some(format!("changed: {}", plan.changed.join(", "))),
            (effect, _) => effect.detail(),
        };
        self.insert_order_event(
            &report.order_id,
            ctx,
            reported,
            plan.status_before.as_ref().map(OrderStatus::as_str),
            Some(plan.row.status.as_str()),
            plan.effect.outcome().as_str(),
            detail.as_deref(),
        )
        .await?;
        let mut refunds = Vec::new();
        for refund in &report.refunds {
            if let Some(applied) = self.apply_refund_report(refund, ctx).await? {
                refunds.push(applied);
            }
        }
        let mandate = match &report.mandate {
            Some(mandate) => self.apply_mandate_report(mandate, ctx).await?.ok(),
            None => None,
        };
        for dispute in &report.disputes {
            self.apply_dispute_report(dispute, ctx).await?;
        }
        Ok(Ok(AppliedOrder {
            effect: plan.effect,
            status_before: plan.status_before,
            status_after: plan.row.status,
            changed: plan.changed,
            refunds,
            mandate,
        }))
    }

    /// Stores a row as given, bypassing the snapshot rules: only for seeding test and
    /// benchmark data, never for what Juspay reports.
    #[cfg(any(test, feature = "test-support"))]
    pub async fn insert_order_for_test(&mut self, row: &OrderRow) -> Result<(), StoreError> {
        self.save_order(row).await
    }
}

impl Store {
    /// Applies an order report in its own transaction.
    pub async fn apply_order_report(
        &self,
        report: &OrderReport,
        ctx: &ReportContext,
    ) -> Result<Result<AppliedOrder, ReportError>, StoreError> {
        let mut tx = self.begin().await?;
        let applied = tx.apply_order_report(report, ctx).await?;
        tx.commit().await?;
        Ok(applied)
    }

    pub async fn find_order(&self, order_id: &str) -> Result<Option<OrderRow>, StoreError> {
        let sql = select_sql("orders", ORDER_ROW_COLUMNS, "order_id");
        let row = on_pool!(self, p => sqlx::query_as::<_, OrderRow>(&sql)
            .bind(order_id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// The newest `limit` orders made from the payment-link form: their ids start with
    /// `prefix_` (a range on the primary key, so only those rows are read).
    pub async fn list_link_orders(
        &self,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<OrderRow>, StoreError> {
        // `_` is followed by a backtick in code-point order: [prefix_, prefix`) holds every
        // id that starts with `prefix_` and nothing else. PostgreSQL compares in code-point
        // order only under the C collation, which a database's default may not be.
        let (low, high) = (format!("{prefix}_"), format!("{prefix}`"));
        let id = match self.backend() {
            crate::store::Backend::Sqlite => "order_id",
            crate::store::Backend::Postgres => "order_id COLLATE \"C\"",
        };
        let sql = format!(
            "SELECT {ORDER_ROW_COLUMNS} FROM orders WHERE {id} >= $1 AND {id} < $2 \
             ORDER BY created_at DESC, order_id DESC LIMIT $3"
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, OrderRow>(&sql)
            .bind(&low).bind(&high).bind(limit).fetch_all(p).await)?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::mandates::model::MandateRow;
    use crate::refunds::model::RefundRow;
    use crate::store::Backend;

    /// The field names of a row type, read from its serde form.
    fn fields_of<T: Default + serde::Serialize>() -> BTreeSet<String> {
        match serde_json::to_value(T::default()).unwrap() {
            serde_json::Value::Object(map) => map.keys().cloned().collect(),
            other => panic!("not a struct: {other}"),
        }
    }

    fn names(list: &str) -> BTreeSet<String> {
        list.split(',').map(|c| c.trim().to_owned()).collect()
    }

    async fn columns_of(store: &Store, table: &str) -> BTreeSet<String> {
        let sql = match store.backend() {
            Backend::Sqlite => "SELECT name FROM pragma_table_info($1)",
            Backend::Postgres => {
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_name = $1 AND table_schema = current_schema()"
            }
        };
        let names: Vec<String> =
            on_pool!(store, p => sqlx::query_scalar(sql).bind(table).fetch_all(p).await).unwrap();
        names.into_iter().collect()
    }

    crate::test_on_both_backends! {
        async fn every_row_type_names_exactly_its_tables_columns_in_its_column_lists(db) {
            let store = db.store();
            let lease = names("check_count, lease_owner, lease_until");
            let order_fields = fields_of::<OrderRow>();
            assert_eq!(columns_of(&store, "orders").await, order_fields);
            assert_eq!(names(ORDER_ROW_COLUMNS), order_fields);
            let upserted: BTreeSet<String> = ORDER_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
            assert_eq!(upserted, &order_fields - &lease, "all but the reconciler's lease columns");
            let refund_fields = fields_of::<RefundRow>();
            assert_eq!(columns_of(&store, "refunds").await, refund_fields);
            assert_eq!(names(crate::refunds::store::REFUND_COLUMN_LIST), refund_fields);
            let mandate_fields = fields_of::<MandateRow>();
            assert_eq!(columns_of(&store, "mandates").await, mandate_fields);
            let listed: BTreeSet<String> =
                crate::mandates::store::MANDATE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
            assert_eq!(listed, mandate_fields);
        }
    }

    crate::test_on_both_backends! {
        async fn link_orders_are_exactly_those_with_the_prefix_newest_first(db) {
            let store = db.store();
            for (id, at) in [("pl_a", 3), ("pl_b", 1), ("pl`x", 2), ("plx_c", 4), ("ord_1", 5), ("pl_c", 2)] {
                let row = OrderRow {
                    order_id: id.into(),
                    source: "juspay".into(),
                    status: "NEW".into(),
                    currency: "INR".into(),
                    udfs: "{}".into(),
                    created_at: at,
                    updated_at: at,
                    ..OrderRow::default()
                };
                let mut tx = store.begin().await.unwrap();
                tx.insert_order_for_test(&row).await.unwrap();
                tx.commit().await.unwrap();
            }
            let ids = |rows: Vec<OrderRow>| rows.into_iter().map(|r| r.order_id).collect::<Vec<_>>();
            assert_eq!(ids(store.list_link_orders("pl", 10).await.unwrap()), ["pl_a", "pl_c", "pl_b"]);
            assert_eq!(ids(store.list_link_orders("pl", 2).await.unwrap()), ["pl_a", "pl_c"]);
        }
    }
}

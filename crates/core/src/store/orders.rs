//! Orders, refunds and mandates as Juspay last confirmed them, and the timeline entries that
//! explain each change. Rows change only through [`Tx::apply_order_report`] and
//! [`Tx::apply_mandate_report`], which lock the order (or mandate), plan with
//! [`crate::snapshot`] and write the plan with its timeline entry in the caller's
//! transaction. A dry run is the same code with the transaction rolled back.

use dashboard_status::{MandateStatus, OrderStatus, RefundRequestState, RefundStatus};

pub use crate::records::{MandateRow, OrderRow, RefundRow};
use serde::{Deserialize, Serialize};

use super::{Backend, Store, StoreError, Tx, on_pool, on_tx};
use crate::snapshot::{self, Effect, MandateReport, OrderReport, RefundReport, ReportError, Via};

/// Columns the snapshot function owns; the reconciler's lease columns are left to it.
const ORDER_COLUMNS: [&str; 41] = [
    "order_id",
    "source",
    "juspay_id",
    "status",
    "status_id",
    "amount",
    "currency",
    "amount_refunded",
    "customer_id",
    "customer_email",
    "customer_phone",
    "description",
    "payment_link",
    "payment_method_type",
    "payment_method",
    "auth_type",
    "card_brand",
    "card_last_four",
    "payer_vpa",
    "gateway",
    "gateway_id",
    "gateway_reference_id",
    "txn_id",
    "txn_uuid",
    "epg_txn_id",
    "rrn",
    "auth_id_code",
    "error_code",
    "error_message",
    "udfs",
    "amount_mismatch",
    "juspay_created_at",
    "created_at",
    "updated_at",
    "confirmed_at",
    "confirmed_via",
    "paid_at",
    "paid_via",
    "terminal_at",
    "next_check_at",
    "stale_at",
];

const REFUND_COLUMNS: [&str; 19] = [
    "unique_request_id",
    "order_id",
    "juspay_refund_id",
    "reference",
    "arn",
    "amount",
    "currency",
    "status",
    "error_code",
    "error_message",
    "initiated_by",
    "request_state",
    "reason",
    "requested_by",
    "attempts",
    "created_at",
    "updated_at",
    "confirmed_at",
    "confirmed_via",
];

/// Every column of `refunds`, for `SELECT`s elsewhere in the store.
pub(crate) const REFUND_COLUMN_LIST: &str = "unique_request_id, order_id, juspay_refund_id, \
     reference, arn, amount, currency, status, error_code, error_message, initiated_by, \
     request_state, reason, requested_by, attempts, created_at, updated_at, confirmed_at, \
     confirmed_via";

const MANDATE_COLUMNS: [&str; 23] = [
    "mandate_id",
    "order_id",
    "customer_id",
    "status",
    "mandate_type",
    "frequency",
    "amount_rule",
    "max_amount",
    "currency",
    "start_date",
    "end_date",
    "rule_type",
    "rule_value",
    "revokable_by_customer",
    "block_fund",
    "payment_method_type",
    "payment_method",
    "payer_vpa",
    "status_reported_at",
    "created_at",
    "updated_at",
    "confirmed_at",
    "confirmed_via",
];

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
    pub status: Option<MandateStatus>,
    pub customer_id: Option<String>,
    pub frequency: Option<String>,
    pub amount_rule: Option<String>,
    /// Mandate id, customer id or registering order id, exactly.
    pub search: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
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
    fn via(&self) -> Via {
        self.via.unwrap_or(Via::Webhook)
    }
}

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

/// What applying a mandate report did.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedMandate {
    pub mandate_id: String,
    pub effect: Effect,
    pub status_before: Option<MandateStatus>,
    pub status_after: MandateStatus,
}

/// An `INSERT … ON CONFLICT (key) DO UPDATE` of every column in `columns`.
fn upsert_sql(table: &str, columns: &[&str]) -> String {
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

fn select_sql(table: &str, columns: &str, key: &str) -> String {
    format!("SELECT {columns} FROM {table} WHERE {key} = $1")
}

pub(crate) const ORDER_ROW_COLUMNS: &str = "order_id, source, juspay_id, status, status_id, amount, currency, \
     amount_refunded, customer_id, customer_email, customer_phone, description, \
     payment_link, payment_method_type, payment_method, auth_type, card_brand, card_last_four, payer_vpa, \
     gateway, gateway_id, gateway_reference_id, txn_id, txn_uuid, epg_txn_id, rrn, auth_id_code, \
     error_code, error_message, udfs, amount_mismatch, juspay_created_at, created_at, \
     updated_at, confirmed_at, confirmed_via, paid_at, paid_via, terminal_at, next_check_at, \
     check_count, lease_owner, lease_until, stale_at";

const ORDER_EVENT_COLUMNS: &str = "id, order_id, at, via, webhook_event_id, reported_status, \
     status_before, status_after, outcome, detail, trace_id";

impl Tx {
    /// Serialises writers of one order (or mandate) key until this transaction ends, so two
    /// instances applying reports about the same order cannot lose an update.
    pub async fn lock_key(&mut self, key: &str) -> Result<(), StoreError> {
        // On SQLite the transaction already holds the database's single write lock
        // (`Store::begin` uses BEGIN IMMEDIATE), which serialises every writer.
        if self.backend() == Backend::Postgres {
            on_tx!(self, t => sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(key).execute(&mut **t).await.map(|_| ()))?;
        }
        Ok(())
    }

    pub async fn load_order(&mut self, order_id: &str) -> Result<Option<OrderRow>, StoreError> {
        let sql = select_sql("orders", ORDER_ROW_COLUMNS, "order_id");
        let row = on_tx!(self, t => sqlx::query_as::<_, OrderRow>(&sql)
            .bind(order_id).fetch_optional(&mut **t).await)?;
        Ok(row)
    }

    async fn save_order(&mut self, row: &OrderRow) -> Result<(), StoreError> {
        let sql = upsert_sql("orders", &ORDER_COLUMNS);
        on_tx!(self, t => sqlx::query(&sql)
            .bind(&row.order_id)
            .bind(&row.source)
            .bind(&row.juspay_id)
            .bind(&row.status)
            .bind(row.status_id)
            .bind(row.amount)
            .bind(&row.currency)
            .bind(row.amount_refunded)
            .bind(&row.customer_id)
            .bind(&row.customer_email)
            .bind(&row.customer_phone)
            .bind(&row.description)
            .bind(&row.payment_link)
            .bind(&row.payment_method_type)
            .bind(&row.payment_method)
            .bind(&row.auth_type)
            .bind(&row.card_brand)
            .bind(&row.card_last_four)
            .bind(&row.payer_vpa)
            .bind(&row.gateway)
            .bind(row.gateway_id)
            .bind(&row.gateway_reference_id)
            .bind(&row.txn_id)
            .bind(&row.txn_uuid)
            .bind(&row.epg_txn_id)
            .bind(&row.rrn)
            .bind(&row.auth_id_code)
            .bind(&row.error_code)
            .bind(&row.error_message)
            .bind(&row.udfs)
            .bind(&row.amount_mismatch)
            .bind(row.juspay_created_at)
            .bind(row.created_at)
            .bind(row.updated_at)
            .bind(row.confirmed_at)
            .bind(&row.confirmed_via)
            .bind(row.paid_at)
            .bind(&row.paid_via)
            .bind(row.terminal_at)
            .bind(row.next_check_at)
            .bind(row.stale_at)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_order_event(
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

    pub async fn load_refund(&mut self, key: &str) -> Result<Option<RefundRow>, StoreError> {
        let sql = select_sql("refunds", &REFUND_COLUMNS.join(", "), "unique_request_id");
        let row = on_tx!(self, t => sqlx::query_as::<_, RefundRow>(&sql)
            .bind(key).fetch_optional(&mut **t).await)?;
        Ok(row)
    }

    pub async fn save_refund(&mut self, row: &RefundRow) -> Result<(), StoreError> {
        let sql = upsert_sql("refunds", &REFUND_COLUMNS);
        on_tx!(self, t => sqlx::query(&sql)
            .bind(&row.unique_request_id)
            .bind(&row.order_id)
            .bind(&row.juspay_refund_id)
            .bind(&row.reference)
            .bind(&row.arn)
            .bind(row.amount)
            .bind(&row.currency)
            .bind(&row.status)
            .bind(&row.error_code)
            .bind(&row.error_message)
            .bind(&row.initiated_by)
            .bind(&row.request_state)
            .bind(&row.reason)
            .bind(&row.requested_by)
            .bind(row.attempts)
            .bind(row.created_at)
            .bind(row.updated_at)
            .bind(row.confirmed_at)
            .bind(&row.confirmed_via)
            .execute(&mut **t).await.map(|_| ()))?;
        Ok(())
    }

    async fn load_mandate(&mut self, mandate_id: &str) -> Result<Option<MandateRow>, StoreError> {
        let sql = select_sql("mandates", &MANDATE_COLUMNS.join(", "), "mandate_id");
        let row = on_tx!(self, t => sqlx::query_as::<_, MandateRow>(&sql)
            .bind(mandate_id).fetch_optional(&mut **t).await)?;
        Ok(row)
    }

    async fn save_mandate(&mut self, row: &MandateRow) -> Result<(), StoreError> {
        let sql = upsert_sql("mandates", &MANDATE_COLUMNS);
        on_tx!(self, t => sqlx::query(&sql)
            .bind(&row.mandate_id)
            .bind(&row.order_id)
            .bind(&row.customer_id)
            .bind(&row.status)
            .bind(&row.mandate_type)
            .bind(&row.frequency)
            .bind(&row.amount_rule)
            .bind(row.max_amount)
            .bind(&row.currency)
            .bind(row.start_date)
            .bind(row.end_date)
            .bind(&row.rule_type)
            .bind(row.rule_value)
            .bind(row.revokable_by_customer)
            .bind(row.block_fund)
            .bind(&row.payment_method_type)
            .bind(&row.payment_method)
            .bind(&row.payer_vpa)
            .bind(row.status_reported_at)
            .bind(row.created_at)
            .bind(row.updated_at)
            .bind(row.confirmed_at)
            .bind(&row.confirmed_via)
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
        let plan = match snapshot::plan_order(
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
        Ok(Ok(AppliedOrder {
            effect: plan.effect,
            status_before: plan.status_before,
            status_after: plan.row.status,
            changed: plan.changed,
            refunds,
            mandate,
        }))
    }

    /// Applies one refund of an order report; `None` when the report is too thin to record.
    async fn apply_refund_report(
        &mut self,
        report: &RefundReport,
        ctx: &ReportContext,
    ) -> Result<Option<(String, Effect, RefundStatus)>, StoreError> {
        let current = self.load_refund(&report.unique_request_id).await?;
        let Ok(plan) = snapshot::plan_refund(current.as_ref(), report, ctx.via(), ctx.at) else {
            return Ok(None);
        };
        if current.as_ref() != Some(&plan.row) {
            self.save_refund(&plan.row).await?;
        }
        if matches!(plan.effect, Effect::Created | Effect::Applied) {
            let detail = format!(
                "refund {} of {} {}",
                report.unique_request_id, plan.row.amount, plan.row.currency
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

    /// Applies what Juspay reported about a mandate and records it in its history.
    pub async fn apply_mandate_report(
        &mut self,
        report: &MandateReport,
        ctx: &ReportContext,
    ) -> Result<Result<AppliedMandate, ReportError>, StoreError> {
        self.lock_key(&format!("mandate:{}", report.mandate_id))
            .await?;
        let current = self.load_mandate(&report.mandate_id).await?;
        let plan = match snapshot::plan_mandate(
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

    /// Stores a row as given, bypassing the snapshot rules: only for seeding test and
    /// benchmark data, never for what Juspay reports.
    #[cfg(any(test, feature = "test-support"))]
    pub async fn insert_order_for_test(&mut self, row: &OrderRow) -> Result<(), StoreError> {
        self.save_order(row).await
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

    /// The order's timeline entries, oldest first.
    pub async fn list_order_events(&self, order_id: &str) -> Result<Vec<OrderEvent>, StoreError> {
        let sql = format!(
            "SELECT {ORDER_EVENT_COLUMNS} FROM order_events WHERE order_id = $1 ORDER BY id"
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, OrderEvent>(&sql)
            .bind(order_id).fetch_all(p).await)?;
        Ok(rows)
    }

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
        use super::{Bind, Conditions, bind_all};
        let mut w = Conditions::default();
        let status = filter.status.as_ref().map(|s| s.as_str().to_owned());
        for (column, value) in [
            ("status", &status),
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
}

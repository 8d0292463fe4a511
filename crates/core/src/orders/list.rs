//! Finding orders: filters, one search box, keyset pages newest first, the count and
//! amount total of the filtered set, and an export cursor that walks the whole set.
//!
//! Invariants: the list, the totals and the export apply the same conditions (one
//! builder), so the CSV is exactly the filtered list; totals of a filter by status only come
//! from counters that triggers keep equal to counting (migration 0005), so the unfiltered
//! list costs the same at any size; pages are keyed on `(created_at, order_id)`, so they
//! stay stable while new orders arrive.

use dashboard_status::{OrderGroup, OrderStatus};
use serde::{Deserialize, Serialize};
use sqlx::{postgres::PgRow, sqlite::SqliteRow};

use crate::{
    orders::{model::OrderRow, store::ORDER_ROW_COLUMNS},
    store::{Bind, Conditions, Store, StoreError, bind_all, on_pool, sql_list},
};

/// Which orders to list; every field is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFilter {
    /// Paid, pending, failed, refunded (fully or partly), cancelled.
    pub group: Option<OrderGroup>,
    /// Juspay's exact statuses, e.g. `PENDING_VBV`; an order with any of them matches.
    /// Each list below reads the same way: empty is no filter, several values are OR.
    pub status: Vec<String>,
    pub payment_method_type: Vec<String>,
    pub payment_method: Vec<String>,
    pub gateway: Vec<String>,
    /// The order's error codes, e.g. `DECLINED`.
    pub error_code: Vec<String>,
    /// Inclusive bounds in major units with [`crate::money::FILTER_DECIMALS`] decimals
    /// (100.50 is 1_005_000), compared with each order's amount in its own currency.
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    /// Created at or after (epoch ms).
    pub from: Option<i64>,
    /// Created before (epoch ms).
    pub until: Option<i64>,
    /// Customer id, email or phone, exactly.
    pub customer: Option<String>,
    /// Merchant order id, Juspay order id, txn id, customer email or phone.
    pub search: Option<String>,
    /// Only stale orders (unresolved past the reconciler's horizon).
    pub stale: bool,
    /// Only orders whose payment we first learned of this way (`poll`: a missed webhook).
    pub paid_via: Option<String>,
    /// Only orders Juspay reported paid with another amount or currency (flagged, not
    /// marked paid here).
    pub flagged: bool,
    /// ISO 4217 codes, e.g. `INR`.
    pub currency: Vec<String>,
    /// Where the order came from: `juspay` or `jpsl`.
    pub source: Option<String>,
}

/// Where the previous page ended: its last row's creation time and order id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCursor {
    pub created_at: i64,
    pub order_id: String,
}

impl OrderCursor {
    /// `created_at:order_id`, as it travels in the page address.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.created_at, self.order_id)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (at, id) = text.split_once(':')?;
        Some(Self {
            created_at: at.parse().ok()?,
            order_id: id.to_owned(),
        })
    }
}

/// What one line of the orders list shows. A page reads these few columns rather than all
/// of `orders`: decoding 41 columns of 51 rows was the largest part of serving the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrderLine {
    pub order_id: String,
    pub source: String,
    pub status: OrderStatus,
    pub amount: i64,
    pub currency: String,
    pub amount_refunded: i64,
    pub payment_method_type: Option<String>,
    pub payment_method: Option<String>,
    pub gateway: Option<String>,
    /// The customer's email, else phone, else id.
    pub customer: Option<String>,
    /// Juspay's amount or currency differed from ours.
    pub flagged: bool,
    pub stale: bool,
    pub created_at: i64,
}

/// A shape the filtered orders can be read in: whole rows (the export) or list lines.
pub trait ListedOrder:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
    /// The select list (plain columns or aliased expressions of `orders`).
    const COLUMNS: &'static str;

    /// The order's page key: creation time and order id.
    fn key(&self) -> (i64, &str);

    /// Where a page ending with this order stops.
    fn cursor(&self) -> OrderCursor {
        let (created_at, order_id) = self.key();
        OrderCursor {
            created_at,
            order_id: order_id.to_owned(),
        }
    }
}

impl ListedOrder for OrderRow {
    const COLUMNS: &'static str = ORDER_ROW_COLUMNS;

    fn key(&self) -> (i64, &str) {
        (self.created_at, &self.order_id)
    }
}

impl ListedOrder for OrderLine {
    const COLUMNS: &'static str = "order_id, source, status, amount, currency, amount_refunded, \
        payment_method_type, payment_method, gateway, \
        COALESCE(customer_email, customer_phone, customer_id) AS customer, \
        amount_mismatch IS NOT NULL AS flagged, stale_at IS NOT NULL AS stale, created_at";

    fn key(&self) -> (i64, &str) {
        (self.created_at, &self.order_id)
    }
}

/// Count and sum of the filtered orders in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrderTotal {
    pub currency: String,
    pub count: i64,
    pub amount: i64,
}

/// The SQL condition for `group`; `refunded` is the expression that is true when some money
/// was returned (a column of `orders` or of `order_totals`).
fn group_condition(group: OrderGroup, refunded: &str) -> String {
    let statuses_of = |group: OrderGroup| sql_list(group.statuses().map(OrderStatus::as_str));
    match group {
        // Any money returned counts, a partial refund included.
        OrderGroup::Refunded => format!(
            "(status IN {} OR {refunded})",
            statuses_of(OrderGroup::Refunded)
        ),
        // Every status listed in another group is not Other; unknown ones are.
        OrderGroup::Other => format!(
            "status NOT IN {}",
            sql_list(
                OrderGroup::ALL
                    .into_iter()
                    .filter(|g| *g != OrderGroup::Other)
                    .flat_map(OrderGroup::statuses)
                    .map(OrderStatus::as_str)
            )
        ),
        group => format!("status IN {}", statuses_of(group)),
    }
}

/// Whether `filter` only narrows by status group, exact status and currency, so the
/// counters of `order_totals` (migration 0005) answer its totals without reading the orders.
fn counted_by_status(filter: &OrderFilter) -> bool {
    *filter
        == OrderFilter {
            group: filter.group,
            status: filter.status.clone(),
            currency: filter.currency.clone(),
            ..OrderFilter::default()
        }
}

/// `column IN (…)` over `values` as bound parameters; nothing when `values` is empty.
fn and_any_of(w: &mut Conditions, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    let params: Vec<String> = values
        .iter()
        .map(|value| w.param(Bind::Text(value.clone())))
        .collect();
    w.and(format!("{column} IN ({})", params.join(", ")));
}

fn conditions_of(filter: &OrderFilter) -> Conditions {
    let mut w = Conditions::default();
    if let Some(group) = filter.group {
        w.and(group_condition(group, "amount_refunded > 0"));
    }
    for (column, values) in [
        ("status", &filter.status),
        ("payment_method_type", &filter.payment_method_type),
        ("payment_method", &filter.payment_method),
        ("gateway", &filter.gateway),
        ("error_code", &filter.error_code),
        ("currency", &filter.currency),
    ] {
        and_any_of(&mut w, column, values);
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
    if let Some(customer) = &filter.customer {
        let p = w.param(Bind::Text(customer.clone()));
        let email = w.param(Bind::Text(customer.to_lowercase()));
        w.and(format!(
            "(customer_id = {p} OR customer_email = {email} OR customer_phone = {p})"
        ));
    }
    if let Some(search) = &filter.search {
        // Exact matches on indexed columns: cheap at any size, and what staff paste.
        let p = w.param(Bind::Text(search.clone()));
        let email = w.param(Bind::Text(search.to_lowercase()));
        w.and(format!(
            "(order_id = {p} OR juspay_id = {p} OR txn_id = {p} OR customer_email = {email} \
             OR customer_phone = {p})"
        ));
    }
    if filter.stale {
        w.and("stale_at IS NOT NULL".to_owned());
    }
    if let Some(via) = &filter.paid_via {
        let p = w.param(Bind::Text(via.clone()));
        w.and(format!("paid_via = {p}"));
    }
    if filter.flagged {
        w.and("amount_mismatch IS NOT NULL".to_owned());
    }
    if let Some(source) = &filter.source {
        let p = w.param(Bind::Text(source.clone()));
        w.and(format!("source = {p}"));
    }
    w
}

/// What the order filters can offer, read from counters and roll-ups, never from a scan of
/// the orders: the statuses present with their order counts (the `order_totals` counters),
/// and the method types, methods, gateways and error codes of payments that reached an
/// outcome (the hourly roll-ups). A pending order's gateway appears once it ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFacets {
    pub statuses: Vec<(OrderStatus, i64)>,
    pub method_types: Vec<String>,
    pub methods: Vec<String>,
    pub gateways: Vec<String>,
    pub error_codes: Vec<String>,
    /// Currencies of stored orders, with their order counts.
    pub currencies: Vec<(String, i64)>,
}

/// At most this many values per filter: a menu longer than this is no help.
const FACET_VALUES_MAX: usize = 200;

/// The order filters' values, read at most once per `ttl`: reading them walks every row of
/// the hourly roll-ups (tens of milliseconds on SQLite at a million orders), and a menu a
/// minute behind loses nothing: a value typed into the address is always honoured.
pub struct FacetCache {
    ttl: std::time::Duration,
    last: std::sync::Mutex<Option<(std::time::Instant, OrderFacets)>>,
}

impl FacetCache {
    pub fn new(ttl: std::time::Duration) -> Self {
        Self {
            ttl,
            last: std::sync::Mutex::new(None),
        }
    }

    /// The values read within `ttl`, else read now (two callers missing at once both read).
    pub async fn facets(&self, store: &Store) -> Result<OrderFacets, StoreError> {
        if let Ok(last) = self.last.lock()
            && let Some((at, facets)) = last.as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(facets.clone());
        }
        let facets = store.order_facets().await?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some((std::time::Instant::now(), facets.clone()));
        }
        Ok(facets)
    }
}

impl Store {
    /// The values the order filters offer now.
    pub async fn order_facets(&self) -> Result<OrderFacets, StoreError> {
        let statuses: Vec<(OrderStatus, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT status, CAST(SUM(orders) AS BIGINT) FROM order_totals \
             GROUP BY status HAVING SUM(orders) > 0 ORDER BY status")
            .fetch_all(p).await)?;
        let currencies: Vec<(String, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT currency, CAST(SUM(orders) AS BIGINT) FROM order_totals \
             GROUP BY currency HAVING SUM(orders) > 0 ORDER BY currency")
            .fetch_all(p).await)?;
        let keys: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT DISTINCT dimension, key FROM outcome_hours WHERE key <> '(none)' \
             ORDER BY dimension, key")
            .fetch_all(p).await)?;
        let of = |dimension: &str| -> Vec<String> {
            keys.iter()
                .filter(|(d, _)| d == dimension)
                .map(|(_, key)| key.clone())
                .take(FACET_VALUES_MAX)
                .collect()
        };
        Ok(OrderFacets {
            statuses,
            method_types: of("method_type"),
            methods: of("method"),
            gateways: of("gateway"),
            error_codes: of("error_code"),
            currencies,
        })
    }

    /// Orders matching `filter`, newest first, at most `limit` after `after`, read as `R`.
    pub async fn list_orders<R: ListedOrder>(
        &self,
        filter: &OrderFilter,
        after: Option<&OrderCursor>,
        limit: i64,
    ) -> Result<Vec<R>, StoreError> {
        // Several statuses (a group's, or several picked) are read as one newest-first page
        // per status (each an ordered range of `orders_status`), merged: a single
        // `status IN (…)` lets SQLite's planner sort every matching order before it can cut
        // the page. A group's statuses are constants written into the text; picked ones are
        // bound.
        let (statuses, mut w): (Vec<String>, Conditions) = match (filter.group, &filter.status) {
            (_, picked) if picked.len() > 1 => (
                picked.clone(),
                conditions_of(&OrderFilter {
                    status: Vec::new(),
                    ..filter.clone()
                }),
            ),
            (Some(group), picked)
                if picked.is_empty()
                    && !matches!(group, OrderGroup::Refunded | OrderGroup::Other) =>
            {
                (
                    group.statuses().map(|s| sql_list([s.as_str()])).collect(),
                    conditions_of(&OrderFilter {
                        group: None,
                        ..filter.clone()
                    }),
                )
            }
            _ => (Vec::new(), conditions_of(filter)),
        };
        let picked = filter.status.len() > 1;
        let status_conditions: Vec<String> = statuses
            .into_iter()
            .map(|status| {
                if picked {
                    format!("status = {}", w.param(Bind::Text(status)))
                } else {
                    format!("status IN {status}")
                }
            })
            .collect();
        if let Some(cursor) = after {
            let at = w.param(Bind::Int(cursor.created_at));
            let id = w.param(Bind::Text(cursor.order_id.clone()));
            w.and(format!(
                "(created_at < {at} OR (created_at = {at} AND order_id < {id}))"
            ));
        }
        // The limit is written into the text, not bound: PostgreSQL then plans a group's
        // dozen subqueries once per connection and reuses the plan (with a bound limit it
        // re-planned them on every call, 7 ms at 1 M orders, five times the execution).
        let newest = format!(
            "ORDER BY created_at DESC, order_id DESC LIMIT {}",
            limit.max(0)
        );
        let sql = if status_conditions.is_empty() {
            format!(
                "SELECT {} FROM orders WHERE {} {newest}",
                R::COLUMNS,
                w.clause()
            )
        } else {
            let pages: Vec<String> = status_conditions
                .iter()
                .enumerate()
                .map(|(i, status)| {
                    format!(
                        "SELECT * FROM (SELECT {} FROM orders \
                         WHERE {status} AND {} {newest}) AS page{i}",
                        R::COLUMNS,
                        w.clause()
                    )
                })
                .collect();
            format!(
                "SELECT * FROM ({}) AS pages {newest}",
                pages.join(" UNION ALL ")
            )
        };
        let rows = on_pool!(self, p => {
            bind_all!(sqlx::query_as::<_, R>(&sql), &w.binds)
                .fetch_all(p)
                .await
        })?;
        Ok(rows)
    }

    /// Count and amount of the orders matching `filter`, per currency: from the maintained
    /// counters when the filter is by status only, else by counting the matching orders.
    pub async fn total_orders(&self, filter: &OrderFilter) -> Result<Vec<OrderTotal>, StoreError> {
        if counted_by_status(filter) {
            return self.total_orders_from_counters(filter).await;
        }
        self.count_orders(filter).await
    }

    async fn total_orders_from_counters(
        &self,
        filter: &OrderFilter,
    ) -> Result<Vec<OrderTotal>, StoreError> {
        let mut w = Conditions::default();
        if let Some(group) = filter.group {
            w.and(group_condition(group, "refunded = 1"));
        }
        and_any_of(&mut w, "status", &filter.status);
        and_any_of(&mut w, "currency", &filter.currency);
        let sql = format!(
            "SELECT currency, CAST(SUM(orders) AS BIGINT) AS count, \
             CAST(SUM(amount) AS BIGINT) AS amount \
             FROM order_totals WHERE {} GROUP BY currency HAVING SUM(orders) > 0 \
             ORDER BY currency",
            w.clause()
        );
        let rows = on_pool!(self, p => {
            bind_all!(sqlx::query_as::<_, OrderTotal>(&sql), &w.binds)
                .fetch_all(p)
                .await
        })?;
        Ok(rows)
    }

    /// Count and amount of the orders matching `filter`, per currency, read from the orders.
    async fn count_orders(&self, filter: &OrderFilter) -> Result<Vec<OrderTotal>, StoreError> {
        let w = conditions_of(filter);
        let sql = format!(
            "SELECT currency, COUNT(*) AS count, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS amount \
             FROM orders WHERE {} GROUP BY currency ORDER BY currency",
            w.clause()
        );
        let rows = on_pool!(self, p => {
            bind_all!(sqlx::query_as::<_, OrderTotal>(&sql), &w.binds)
                .fetch_all(p)
                .await
        })?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::model::OrderRow;
    use crate::testing::order_row;

    async fn seed(store: &Store, rows: &[OrderRow]) {
        for row in rows {
            let mut tx = store.begin().await.unwrap();
            tx.insert_order_for_test(row).await.unwrap();
            tx.commit().await.unwrap();
        }
    }

    fn ids(rows: &[OrderRow]) -> Vec<&str> {
        rows.iter().map(|r| r.order_id.as_str()).collect()
    }

    crate::test_on_both_backends! {
        async fn the_filters_offer_the_statuses_present_and_the_gateways_of_ended_payments(db) {
            let store = db.store();
            assert_eq!(store.order_facets().await.unwrap(), OrderFacets::default(), "empty");
            let ended = |id: &str, status: &str, gateway: &str, method: &str| OrderRow {
                gateway: Some(gateway.into()),
                payment_method_type: Some(method.into()),
                error_code: (status == "AUTHORIZATION_FAILED").then(|| "DECLINED".into()),
                terminal_at: Some(2_000),
                ..order_row(id, 1_000, status, 100)
            };
            seed(&store, &[
                ended("a", "CHARGED", "RAZORPAY", "UPI"),
                ended("b", "CHARGED", "PAYU", "CARD"),
                ended("c", "AUTHORIZATION_FAILED", "PAYU", "CARD"),
                OrderRow { gateway: Some("CCAVENUE".into()), ..order_row("d", 1_000, "PENDING_VBV", 100) },
            ]).await;
            let facets = store.order_facets().await.unwrap();
            assert_eq!(
                facets.statuses,
                [
                    (OrderStatus::AuthorizationFailed, 1),
                    (OrderStatus::Charged, 2),
                    (OrderStatus::PendingVbv, 1),
                ]
            );
            assert_eq!(facets.gateways, ["PAYU", "RAZORPAY"], "a pending order's gateway waits for its outcome");
            assert_eq!(facets.method_types, ["CARD", "UPI"]);
            assert_eq!(facets.error_codes, ["DECLINED"]);

            // Through the cache: the same values until it expires, then the new ones.
            let cache = FacetCache::new(std::time::Duration::from_secs(3600));
            assert_eq!(cache.facets(&store).await.unwrap(), facets);
            seed(&store, &[ended("e", "CHARGED", "HDFC", "NB")]).await;
            assert_eq!(cache.facets(&store).await.unwrap(), facets, "kept for its time");
            let fresh = FacetCache::new(std::time::Duration::ZERO);
            assert!(fresh.facets(&store).await.unwrap().gateways.contains(&"HDFC".to_owned()));
        }
    }

    crate::test_on_both_backends! {
        async fn filters_search_pages_and_totals_agree(db) {
            let store = db.store();
            let mut paid = order_row("o1", 1_000, "CHARGED", 500);
            paid.customer_email = Some("ana@example.com".into());
            paid.payment_method_type = Some("UPI".into());
            let mut refunded = order_row("o2", 2_000, "CHARGED", 700);
            refunded.amount_refunded = 100;
            refunded.txn_id = Some("txn-22".into());
            let pending = order_row("o3", 3_000, "PENDING_VBV", 300);
            let mut failed = order_row("o4", 3_000, "AUTHORIZATION_FAILED", 900);
            failed.gateway = Some("RAZORPAY".into());
            failed.error_code = Some("DECLINED".into());
            failed.amount_mismatch = Some("Juspay reported 800 INR".into());
            let mut stale = order_row("o5", 4_000, "NEW", 50);
            stale.stale_at = Some(9_000);
            seed(&store, &[paid, refunded, pending, failed, stale]).await;

            let all = store.list_orders(&OrderFilter::default(), None, 10).await.unwrap();
            assert_eq!(ids(&all), ["o5", "o4", "o3", "o2", "o1"], "newest first, ties by id");

            let by_group = |group| OrderFilter { group: Some(group), ..OrderFilter::default() };
            let paid_rows = store.list_orders(&by_group(OrderGroup::Paid), None, 10).await.unwrap();
            assert_eq!(ids(&paid_rows), ["o2", "o1"]);
            let refunded_rows = store.list_orders(&by_group(OrderGroup::Refunded), None, 10).await.unwrap();
            assert_eq!(ids(&refunded_rows), ["o2"]);
            let pending_rows = store.list_orders(&by_group(OrderGroup::Pending), None, 10).await.unwrap();
            assert_eq!(ids(&pending_rows), ["o5", "o3"]);
            let first: Vec<OrderRow> = store.list_orders(&by_group(OrderGroup::Pending), None, 1).await.unwrap();
            let cursor = OrderCursor { created_at: first[0].created_at, order_id: first[0].order_id.clone() };
            let next = store.list_orders(&by_group(OrderGroup::Pending), Some(&cursor), 1).await.unwrap();
            assert_eq!((ids(&first), ids(&next)), (vec!["o5"], vec!["o3"]), "a group pages by its cursor");
            let failed_rows = store.list_orders(&by_group(OrderGroup::Failed), None, 10).await.unwrap();
            assert_eq!(ids(&failed_rows), ["o4"]);

            for (search, expected) in [("o3", "o3"), ("txn-22", "o2"), ("ANA@example.com", "o1")] {
                let filter = OrderFilter { search: Some(search.into()), ..OrderFilter::default() };
                let found = store.list_orders(&filter, None, 10).await.unwrap();
                assert_eq!(ids(&found), [expected], "search {search}");
            }
            let filter = OrderFilter { amount_min: Some(30_000), amount_max: Some(70_000), ..OrderFilter::default() };
            assert_eq!(ids(&store.list_orders(&filter, None, 10).await.unwrap()), ["o3", "o2", "o1"]);
            let filter = OrderFilter { gateway: vec!["RAZORPAY".into()], ..OrderFilter::default() };
            assert_eq!(ids(&store.list_orders(&filter, None, 10).await.unwrap()), ["o4"]);
            let filter = OrderFilter { error_code: vec!["DECLINED".into()], ..OrderFilter::default() };
            assert_eq!(ids(&store.list_orders(&filter, None, 10).await.unwrap()), ["o4"]);
            let filter = OrderFilter { stale: true, ..OrderFilter::default() };
            assert_eq!(ids(&store.list_orders(&filter, None, 10).await.unwrap()), ["o5"]);

            // Several values picked in one filter are OR; different filters still AND.
            let picked = OrderFilter {
                status: vec!["PENDING_VBV".into(), "AUTHORIZATION_FAILED".into(), "NEW".into()],
                ..OrderFilter::default()
            };
            assert_eq!(ids(&store.list_orders(&picked, None, 10).await.unwrap()), ["o5", "o4", "o3"]);
            let first: Vec<OrderRow> = store.list_orders(&picked, None, 2).await.unwrap();
            let cursor = OrderCursor { created_at: first[1].created_at, order_id: first[1].order_id.clone() };
            let next: Vec<OrderRow> = store.list_orders(&picked, Some(&cursor), 2).await.unwrap();
            assert_eq!((ids(&first), ids(&next)), (vec!["o5", "o4"], vec!["o3"]), "picked statuses page by the cursor");
            let narrowed = OrderFilter { gateway: vec!["RAZORPAY".into(), "PAYU".into()], ..picked.clone() };
            assert_eq!(ids(&store.list_orders(&narrowed, None, 10).await.unwrap()), ["o4"]);
            assert_eq!(
                store.total_orders(&picked).await.unwrap(),
                [OrderTotal { currency: "INR".into(), count: 3, amount: 1_250 }]
            );
            let filter = OrderFilter { from: Some(2_000), until: Some(4_000), ..OrderFilter::default() };
            assert_eq!(ids(&store.list_orders(&filter, None, 10).await.unwrap()), ["o4", "o3", "o2"]);

            let first: Vec<OrderRow> = store.list_orders(&OrderFilter::default(), None, 2).await.unwrap();
            let cursor = OrderCursor { created_at: first[1].created_at, order_id: first[1].order_id.clone() };
            let second = store.list_orders(&OrderFilter::default(), Some(&cursor), 2).await.unwrap();
            assert_eq!(ids(&second), ["o3", "o2"], "the page after the cursor, the tie kept in order");
            assert_eq!(OrderCursor::decode(&cursor.encode()), Some(cursor));

            let totals = store.total_orders(&by_group(OrderGroup::Paid)).await.unwrap();
            assert_eq!(totals, [OrderTotal { currency: "INR".into(), count: 2, amount: 1_200 }]);

            // List lines are the same orders in the same order, with their derived fields.
            for filter in [OrderFilter::default(), by_group(OrderGroup::Pending)] {
                let rows: Vec<OrderRow> = store.list_orders(&filter, None, 10).await.unwrap();
                let lines: Vec<OrderLine> = store.list_orders(&filter, None, 10).await.unwrap();
                let line_ids: Vec<&str> = lines.iter().map(|l| l.order_id.as_str()).collect();
                assert_eq!(line_ids, ids(&rows));
                assert_eq!(lines.iter().map(ListedOrder::cursor).collect::<Vec<_>>(),
                           rows.iter().map(ListedOrder::cursor).collect::<Vec<_>>());
            }
            let lines: Vec<OrderLine> = store.list_orders(&OrderFilter::default(), None, 10).await.unwrap();
            let line = |id: &str| lines.iter().find(|l| l.order_id == id).unwrap();
            assert_eq!(line("o1").customer.as_deref(), Some("ana@example.com"));
            assert_eq!(line("o1").payment_method_type.as_deref(), Some("UPI"));
            assert_eq!(line("o2").amount_refunded, 100);
            assert_eq!((line("o5").stale, line("o4").stale), (true, false));
            assert_eq!((line("o4").flagged, line("o1").flagged), (true, false));

            // Currency and source are filters too, and the currencies a menu offers.
            let mut dollars = order_row("o6", 5_000, "CHARGED", 70);
            dollars.currency = "USD".into();
            dollars.source = "jpsl".into();
            seed(&store, &[dollars]).await;
            let usd = OrderFilter { currency: vec!["USD".into()], ..OrderFilter::default() };
            assert_eq!(ids(&store.list_orders(&usd, None, 10).await.unwrap()), ["o6"]);
            let jpsl = OrderFilter { source: Some("jpsl".into()), ..OrderFilter::default() };
            assert_eq!(ids(&store.list_orders(&jpsl, None, 10).await.unwrap()), ["o6"]);
            assert_eq!(
                store.total_orders(&usd).await.unwrap(),
                [OrderTotal { currency: "USD".into(), count: 1, amount: 70 }]
            );
            let facets = store.order_facets().await.unwrap();
            assert_eq!(facets.currencies, [("INR".to_owned(), 5), ("USD".to_owned(), 1)]);
            assert_eq!(line("o4").gateway.as_deref(), Some("RAZORPAY"));
        }
    }

    crate::test_on_both_backends! {
        async fn totals_by_status_come_from_counters_that_match_counting_the_orders(db) {
            let store = db.store();
            let mut usd = order_row("u1", 1_000, "CHARGED", 2_500);
            usd.currency = "USD".into();
            let mut partly = order_row("p1", 1_100, "CHARGED", 900);
            partly.amount_refunded = 300;
            let mut other = order_row("x1", 1_200, "SOMETHING_NEW", 40);
            other.currency = "EUR".into();
            seed(&store, &[
                order_row("n1", 1_000, "NEW", 100),
                order_row("n2", 1_001, "NEW", 200),
                order_row("v1", 1_002, "PENDING_VBV", 300),
                order_row("f1", 1_003, "AUTHORIZATION_FAILED", 400),
                order_row("r1", 1_004, "AUTO_REFUNDED", 500),
                usd, partly, other,
            ]).await;
            // Changes after the first insert: paid, partly refunded, amount updated before
            // payment, currency corrected, and one order removed.
            let mut paid = order_row("n1", 1_000, "CHARGED", 100);
            let mut refunded = order_row("v1", 1_002, "CHARGED", 300);
            refunded.amount_refunded = 50;
            let mut updated = order_row("n2", 1_001, "NEW", 250);
            updated.currency = "USD".into();
            paid.updated_at = 2_000;
            seed(&store, &[paid, refunded, updated]).await;
            on_pool!(store, p => sqlx::query("DELETE FROM orders WHERE order_id = $1")
                .bind("f1").execute(p).await.map(|done| done.rows_affected())).unwrap();

            let mut filters = vec![OrderFilter::default()];
            for group in OrderGroup::ALL {
                filters.push(OrderFilter { group: Some(group), ..OrderFilter::default() });
                filters.push(OrderFilter {
                    group: Some(group),
                    status: vec!["CHARGED".into()],
                    ..OrderFilter::default()
                });
            }
            for status in ["NEW", "CHARGED", "AUTHORIZATION_FAILED", "PENDING_VBV", "MISSING"] {
                filters.push(OrderFilter { status: vec![status.into()], ..OrderFilter::default() });
            }
            // Several statuses and currencies picked at once read the same counters.
            let picked = |statuses: &[&str], currencies: &[&str]| OrderFilter {
                status: statuses.iter().map(|s| s.to_string()).collect(),
                currency: currencies.iter().map(|c| c.to_string()).collect(),
                ..OrderFilter::default()
            };
            filters.push(picked(&["NEW", "CHARGED"], &[]));
            filters.push(picked(&[], &["USD", "EUR"]));
            filters.push(picked(&["CHARGED", "SOMETHING_NEW"], &["EUR", "INR"]));
            filters.push(OrderFilter { group: Some(OrderGroup::Paid), ..picked(&[], &["USD"]) });
            for filter in &filters {
                assert!(counted_by_status(filter));
                assert_eq!(
                    store.total_orders(filter).await.unwrap(),
                    store.count_orders(filter).await.unwrap(),
                    "{filter:?}"
                );
            }
            let total = |currency: &str, count, amount| OrderTotal { currency: currency.into(), count, amount };
            let by_group = |group| OrderFilter { group: Some(group), ..OrderFilter::default() };
            assert_eq!(
                store.total_orders(&OrderFilter::default()).await.unwrap(),
                [total("EUR", 1, 40), total("INR", 4, 1_800), total("USD", 2, 2_750)]
            );
            assert_eq!(
                store.total_orders(&by_group(OrderGroup::Refunded)).await.unwrap(),
                [total("INR", 3, 1_700)],
                "fully and partly refunded"
            );
            assert_eq!(store.total_orders(&by_group(OrderGroup::Failed)).await.unwrap(), [], "removed");
            assert_eq!(store.total_orders(&by_group(OrderGroup::Other)).await.unwrap(), [total("EUR", 1, 40)]);
            let gateway = OrderFilter { gateway: vec!["RAZORPAY".into()], ..OrderFilter::default() };
            assert!(!counted_by_status(&gateway), "other filters count the orders");
        }
    }
}

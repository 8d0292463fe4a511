//! One search for everything staff paste: an order, refund, mandate, dispute, webhook
//! event or customer found by any of its identifiers — ids, e-mail, phone, VPA, txn id,
//! gateway reference, RRN, ARN.
//!
//! Invariant: every match is exact on an indexed column (e-mails compared lower-cased, as
//! they are stored), so a search costs a few index lookups at any table size.

use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError, on_pool};

/// What a hit is; its page follows from the kind and the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HitKind {
    Order,
    Refund,
    Mandate,
    Dispute,
    Webhook,
    /// A customer id, e-mail or phone that orders carry: the hit lists their orders.
    Customer,
}

impl HitKind {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "order" => Self::Order,
            "refund" => Self::Refund,
            "mandate" => Self::Mandate,
            "dispute" => Self::Dispute,
            "webhook" => Self::Webhook,
            "customer" => Self::Customer,
            _ => return None,
        })
    }
}

/// One thing the search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub kind: HitKind,
    pub id: String,
    pub status: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    /// The order it belongs to (refunds, disputes, webhooks, mandates).
    pub order_id: Option<String>,
    pub at: i64,
}

#[derive(sqlx::FromRow)]
struct HitRow {
    kind: String,
    id: String,
    status: Option<String>,
    amount: Option<i64>,
    currency: Option<String>,
    order_id: Option<String>,
    at: i64,
}

/// Each branch is limited on its own, so one busy customer cannot hide the other kinds.
const SEARCH_SQL: &str = "\
SELECT * FROM (SELECT 'order' AS kind, order_id AS id, status, amount, currency, \
  CAST(NULL AS TEXT) AS order_id, created_at AS at FROM orders \
  WHERE order_id = $1 OR juspay_id = $1 OR txn_id = $1 OR payer_vpa = $1 \
  OR gateway_reference_id = $1 OR rrn = $1 ORDER BY created_at DESC LIMIT $3) AS o \
UNION ALL SELECT * FROM (SELECT 'customer' AS kind, CAST($1 AS TEXT) AS id, \
  CAST(NULL AS TEXT) AS status, CAST(NULL AS BIGINT) AS amount, CAST(NULL AS TEXT) AS currency, \
  CAST(NULL AS TEXT) AS order_id, MAX(created_at) AS at FROM orders \
  WHERE customer_id = $1 OR customer_email = $2 OR customer_phone = $1 HAVING COUNT(*) > 0) AS c \
UNION ALL SELECT * FROM (SELECT 'refund' AS kind, unique_request_id AS id, status, amount, \
  currency, order_id, created_at AS at FROM refunds \
  WHERE unique_request_id = $1 OR juspay_refund_id = $1 OR arn = $1 OR order_id = $1 \
  ORDER BY created_at DESC LIMIT $3) AS r \
UNION ALL SELECT * FROM (SELECT 'mandate' AS kind, mandate_id AS id, status, max_amount AS amount, \
  currency, order_id, created_at AS at FROM mandates \
  WHERE mandate_id = $1 OR order_id = $1 OR customer_id = $1 OR payer_vpa = $1 \
  ORDER BY created_at DESC LIMIT $3) AS m \
UNION ALL SELECT * FROM (SELECT 'dispute' AS kind, dispute_id AS id, status, amount, currency, \
  order_id, created_at AS at FROM disputes \
  WHERE dispute_id = $1 OR order_id = $1 OR txn_id = $1 ORDER BY created_at DESC LIMIT $3) AS d \
UNION ALL SELECT * FROM (SELECT 'webhook' AS kind, CAST(id AS TEXT) AS id, event_name AS status, \
  CAST(NULL AS BIGINT) AS amount, CAST(NULL AS TEXT) AS currency, order_id, received_at AS at \
  FROM webhook_events WHERE dedup_key = $1 OR event_id = $1 ORDER BY received_at DESC LIMIT $3) AS w \
ORDER BY at DESC";

impl Store {
    /// Everything `term` names exactly, newest first, at most `per_kind` of each kind.
    /// Webhook events are found by their Juspay event id only: an order's deliveries are
    /// on its page.
    pub async fn search_everything(
        &self,
        term: &str,
        per_kind: i64,
    ) -> Result<Vec<Hit>, StoreError> {
        let term = term.trim();
        if term.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<HitRow> = on_pool!(self, p => sqlx::query_as(SEARCH_SQL)
            .bind(term)
            .bind(term.to_lowercase())
            .bind(per_kind)
            .fetch_all(p)
            .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(Hit {
                    kind: HitKind::parse(&r.kind)?,
                    id: r.id,
                    status: r.status,
                    amount: r.amount,
                    currency: r.currency,
                    order_id: r.order_id,
                    at: r.at,
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{orders::model::OrderRow, refunds::model::RefundRow};

    fn found(hits: &[Hit]) -> Vec<(HitKind, &str)> {
        hits.iter().map(|h| (h.kind, h.id.as_str())).collect()
    }

    crate::test_on_both_backends! {
        async fn any_identifier_finds_its_order_refund_or_customer_exactly(db) {
            let store = db.store();
            let order = OrderRow {
                rrn: Some("RRN123".into()),
                payer_vpa: Some("ana@upi".into()),
                gateway_reference_id: Some("GREF-7".into()),
                customer_email: Some("ana@example.com".into()),
                ..crate::testing::order_row("o1", 1_000, "CHARGED", 10_000)
            };
            let refund = RefundRow {
                unique_request_id: "rf_1".into(),
                order_id: "o1".into(),
                arn: Some("ARN9".into()),
                amount: 500,
                currency: "INR".into(),
                status: "PENDING".into(),
                created_at: 2_000,
                updated_at: 2_000,
                ..RefundRow::default()
            };
            let mut tx = store.begin().await.unwrap();
            tx.insert_order_for_test(&order).await.unwrap();
            tx.save_refund(&refund).await.unwrap();
            tx.commit().await.unwrap();

            for term in ["RRN123", "ana@upi", "GREF-7", " o1 "] {
                let hits = store.search_everything(term, 20).await.unwrap();
                assert!(found(&hits).contains(&(HitKind::Order, "o1")), "{term}: {hits:?}");
            }
            let hits = store.search_everything("o1", 20).await.unwrap();
            assert_eq!(found(&hits), [(HitKind::Refund, "rf_1"), (HitKind::Order, "o1")], "newest first");
            assert_eq!(hits[1].amount, Some(10_000));
            let hits = store.search_everything("ARN9", 20).await.unwrap();
            assert_eq!(found(&hits), [(HitKind::Refund, "rf_1")]);
            assert_eq!(hits[0].order_id.as_deref(), Some("o1"));
            let hits = store.search_everything("ANA@example.com", 20).await.unwrap();
            assert_eq!(found(&hits), [(HitKind::Customer, "ANA@example.com")]);
            assert!(store.search_everything("o", 20).await.unwrap().is_empty(), "exact, not a prefix");
            assert!(store.search_everything("  ", 20).await.unwrap().is_empty());
        }
    }
}

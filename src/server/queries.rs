//! Filters as they travel in a page address (all text, all optional) and their reading
//! into the store's filters, naming the field of any value that cannot be read so the form
//! can show it beside that field.

use dashboard_core::{
    clock::Zone,
    disputes::store::DisputeFilter,
    money::parse_filter_bound,
    orders::list::OrderFilter,
    refunds::store::{RefundFilter, RefundStatusFilter},
    staff::audit::AuditFilter,
};

use dashboard_status::{DisputeStatus, OrderGroup};
use serde::{Deserialize, Serialize};

/// The filters as they travel in a page address: all text, all optional. Read with
/// [`OrderQuery::to_filter`], which names the field of a value it cannot read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderQuery {
    pub group: Option<String>,
    /// This and the other picker fields hold one value or several separated by commas
    /// (`CHARGED,PENDING_VBV`), as the pickers' repeated fields are joined.
    pub status: Option<String>,
    pub method_type: Option<String>,
    pub method: Option<String>,
    pub gateway: Option<String>,
    pub error_code: Option<String>,
    /// Major units, e.g. `100.50`.
    pub min: Option<String>,
    pub max: Option<String>,
    /// Days in the reader's zone, `2026-11-23`.
    pub from: Option<String>,
    pub to: Option<String>,
    pub customer: Option<String>,
    pub q: Option<String>,
    /// `1` for stale orders only.
    pub stale: Option<String>,
    /// `poll`: orders whose payment a poll found (the webhook was missed).
    pub via: Option<String>,
    /// `1` for orders flagged by the amount check.
    pub flagged: Option<String>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// `juspay` or `jpsl`.
    pub source: Option<String>,
}

/// A filter value that cannot be read: the field and a message for the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

/// A text filter from the address: trimmed, and absent when empty (an empty box is no
/// filter).
pub fn filter_text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// At most this many values in one picker filter.
const PICKED_MAX: usize = 100;

/// A picker filter from the address: its comma-separated values trimmed, empty ones
/// dropped, each written as `case` writes it, repeats removed, in the order given.
pub fn picked(
    field: &'static str,
    value: &Option<String>,
    case: fn(&str) -> String,
) -> Result<Vec<String>, FieldError> {
    let mut values: Vec<String> = Vec::new();
    for v in value.as_deref().unwrap_or("").split(',').map(str::trim) {
        let v = case(v);
        if !v.is_empty() && !values.contains(&v) {
            values.push(v);
        }
    }
    if values.len() > PICKED_MAX {
        return Err(FieldError {
            field,
            message: "Pick at most 100 values.",
        });
    }
    Ok(values)
}

/// The first millisecond of the day `value` names (`2026-11-23`) in the reader's `zone`.
pub fn day_start(
    zone: &Zone,
    field: &'static str,
    value: &Option<String>,
) -> Result<Option<i64>, FieldError> {
    day_bounds(zone, field, value).map(|bounds| bounds.map(|(start, _)| start))
}

/// The first millisecond after the day `value` names in `zone`: a filter "to" a day
/// includes all of that day.
pub fn day_end(
    zone: &Zone,
    field: &'static str,
    value: &Option<String>,
) -> Result<Option<i64>, FieldError> {
    day_bounds(zone, field, value).map(|bounds| bounds.map(|(_, end)| end))
}

fn day_bounds(
    zone: &Zone,
    field: &'static str,
    value: &Option<String>,
) -> Result<Option<(i64, i64)>, FieldError> {
    match filter_text(value) {
        None => Ok(None),
        Some(t) => zone.day_bounds(&t).map(Some).ok_or(FieldError {
            field,
            message: "Use a date like 2026-11-23.",
        }),
    }
}

impl OrderQuery {
    /// The filter, dates read as days in the reader's `zone`.
    pub fn to_filter(&self, zone: &Zone) -> Result<OrderFilter, FieldError> {
        let text = filter_text;
        let upper = |v: &str| v.to_ascii_uppercase();
        let kept = |v: &str| v.to_owned();
        let amount = |field: &'static str, v: &Option<String>| match text(v) {
            None => Ok(None),
            Some(t) => parse_filter_bound(&t).map(Some).ok_or(FieldError {
                field,
                message: "Use an amount like 100 or 100.50.",
            }),
        };
        let group = match text(&self.group) {
            None => None,
            Some(g) => Some(OrderGroup::parse(&g).ok_or(FieldError {
                field: "group",
                message: "Choose one of the listed groups.",
            })?),
        };
        Ok(OrderFilter {
            group,
            status: picked("status", &self.status, upper)?,
            payment_method_type: picked("method_type", &self.method_type, upper)?,
            payment_method: picked("method", &self.method, kept)?,
            gateway: picked("gateway", &self.gateway, upper)?,
            error_code: picked("error_code", &self.error_code, kept)?,
            amount_min: amount("min", &self.min)?,
            amount_max: amount("max", &self.max)?,
            from: day_start(zone, "from", &self.from)?,
            until: day_end(zone, "to", &self.to)?,
            customer: text(&self.customer),
            search: text(&self.q),
            stale: text(&self.stale).is_some_and(|s| s != "0"),
            paid_via: text(&self.via).map(|v| v.to_ascii_lowercase()),
            flagged: text(&self.flagged).is_some_and(|s| s != "0"),
            currency: picked("currency", &self.currency, upper)?,
            source: text(&self.source).map(|s| s.to_ascii_lowercase()),
        })
    }
}

/// Refund filters as they travel in the page address (all text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundQuery {
    pub status: Option<String>,
    pub order: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl RefundQuery {
    pub fn to_filter(&self, zone: &Zone) -> Result<RefundFilter, FieldError> {
        let orders = OrderQuery {
            min: self.min.clone(),
            max: self.max.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            ..OrderQuery::default()
        }
        .to_filter(zone)?;
        let text = filter_text;
        Ok(RefundFilter {
            status: picked("status", &self.status, |s| s.to_owned())?
                .iter()
                .map(|s| RefundStatusFilter::parse(s))
                .collect(),
            order_id: text(&self.order),
            amount_min: orders.amount_min,
            amount_max: orders.amount_max,
            from: orders.from,
            until: orders.until,
        })
    }
}

/// The dispute filters as they travel in a page address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeQuery {
    pub status: Option<String>,
    pub order: Option<String>,
    /// Days in the reader's zone, `2026-11-23`: opened here on or after / on or before.
    pub from: Option<String>,
    pub to: Option<String>,
}

impl DisputeQuery {
    pub fn to_filter(&self, zone: &Zone) -> Result<DisputeFilter, FieldError> {
        let days = OrderQuery {
            from: self.from.clone(),
            to: self.to.clone(),
            ..OrderQuery::default()
        }
        .to_filter(zone)?;
        Ok(DisputeFilter {
            statuses: picked("status", &self.status, |s| s.to_ascii_uppercase())?
                .iter()
                .map(|s| DisputeStatus::from(s.as_str()))
                .collect(),
            order_id: filter_text(&self.order),
            from: days.from,
            until: days.until,
        })
    }
}

/// The audit filters as they travel in a page address: all text, all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub user: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    /// First day shown, in the reader's zone (`2026-11-23`).
    pub from: Option<String>,
    /// Last day shown.
    pub to: Option<String>,
}

impl AuditQuery {
    /// The filter, or the field whose value cannot be read.
    pub fn to_filter(&self, zone: &Zone) -> Result<AuditFilter, FieldError> {
        // The days are read as the order list reads them (the last day included).
        let days = OrderQuery {
            from: self.from.clone(),
            to: self.to.clone(),
            ..OrderQuery::default()
        }
        .to_filter(zone)?;
        Ok(AuditFilter {
            actor: filter_text(&self.user).map(|u| u.to_ascii_lowercase()),
            action: filter_text(&self.action),
            target: filter_text(&self.object),
            from: days.from,
            until: days.until,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dashboard_core::clock::parse_utc_date;

    /// India is 5 h 30 min ahead of UTC, all year.
    const IST_AHEAD_MS: i64 = 19_800_000;

    fn ist() -> Zone {
        Zone::named("Asia/Kolkata").unwrap()
    }

    #[test]
    fn address_filters_are_read_with_the_bad_field_named() {
        let query = OrderQuery {
            group: Some("paid".into()),
            status: Some(" charged , pending_vbv,,CHARGED".into()),
            gateway: Some("razorpay".into()),
            min: Some("1,000.50".into()),
            to: Some("2026-11-23".into()),
            q: Some("".into()),
            ..OrderQuery::default()
        };
        let filter = query.to_filter(&ist()).unwrap();
        assert_eq!(filter.group, Some(OrderGroup::Paid));
        assert_eq!(
            filter.status,
            ["CHARGED", "PENDING_VBV"],
            "picked values, trimmed, upper case, each once"
        );
        assert_eq!(filter.gateway, ["RAZORPAY"]);
        assert!(filter.error_code.is_empty());
        assert_eq!(
            filter.amount_min,
            Some(10_005_000),
            "four decimals of a major unit"
        );
        assert_eq!(
            filter.until,
            parse_utc_date("2026-11-24").map(|d| d - IST_AHEAD_MS),
            "the end of that day in the reader's zone"
        );
        assert_eq!(filter.search, None, "an empty box is no filter");
        let bad = OrderQuery {
            max: Some("lots".into()),
            ..OrderQuery::default()
        };
        assert_eq!(bad.to_filter(&ist()).unwrap_err().field, "max");
        let bad = OrderQuery {
            group: Some("gold".into()),
            ..OrderQuery::default()
        };
        assert_eq!(bad.to_filter(&ist()).unwrap_err().field, "group");
        let many = (0..=PICKED_MAX)
            .map(|i| format!("S{i}"))
            .collect::<Vec<_>>();
        let bad = OrderQuery {
            status: Some(many.join(",")),
            ..OrderQuery::default()
        };
        assert_eq!(bad.to_filter(&ist()).unwrap_err().field, "status");
    }

    #[test]
    fn several_dispute_statuses_are_read_from_one_field() {
        let query = DisputeQuery {
            status: Some("received, under_review".into()),
            ..DisputeQuery::default()
        };
        assert_eq!(
            query.to_filter(&ist()).unwrap().statuses,
            [DisputeStatus::Received, DisputeStatus::UnderReview]
        );
    }

    #[test]
    fn the_audit_address_reads_into_a_filter_with_the_bad_field_named() {
        let query = AuditQuery {
            user: Some(" Ana ".into()),
            to: Some("2026-11-23".into()),
            object: Some(String::new()),
            ..AuditQuery::default()
        };
        let filter = query.to_filter(&ist()).unwrap();
        assert_eq!(filter.actor.as_deref(), Some("ana"));
        assert_eq!(
            filter.until,
            parse_utc_date("2026-11-24").map(|d| d - IST_AHEAD_MS),
            "the end of that day in the reader's zone"
        );
        assert_eq!(filter.target, None);
        let bad = AuditQuery {
            from: Some("yesterday".into()),
            ..AuditQuery::default()
        };
        assert_eq!(bad.to_filter(&ist()).unwrap_err().field, "from");
    }
}

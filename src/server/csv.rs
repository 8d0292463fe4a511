//! CSV exports of orders, refunds, disputes and the audit log. Amounts are in major units with their
//! currency in its own column, times in ISO 8601 UTC, and every cell is neutralised so
//! a spreadsheet opens it as text.

use dashboard_core::{
    clock::format_iso_utc, disputes::model::DisputeRow, money::format_decimal,
    orders::model::OrderRow, refunds::model::RefundRow, staff::audit::AuditRecord,
};

/// Columns of the CSV export, in order. Amounts are in major units with their currency in
/// its own column, times in ISO 8601 UTC, so a spreadsheet reads them as they are.
pub const CSV_HEADER: [&str; 19] = [
    "order_id",
    "juspay_id",
    "created_utc",
    "status",
    "amount",
    "amount_minor",
    "amount_refunded",
    "amount_refunded_minor",
    "currency",
    "payment_method_type",
    "payment_method",
    "gateway",
    "txn_id",
    "customer_id",
    "customer_email",
    "customer_phone",
    "error_code",
    "amount_mismatch",
    "last_confirmed",
];

/// A cell as a spreadsheet may safely open it: one that starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return would be read as a formula (OWASP's CSV injection rule), so it
/// gets a leading `'`, which spreadsheets show as text. Every exported cell passes here:
/// customer e-mails, phones and error codes come from outside.
pub fn neutralise_csv_cell(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// CSV lines for `rows` (with the header line first when `header`).
pub fn orders_csv(rows: &[OrderRow], header: bool) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut write = |record: Vec<String>| {
        // Writing to a Vec cannot fail for I/O; a record is always complete.
        let _ = writer.write_record(record.into_iter().map(neutralise_csv_cell));
    };
    if header {
        write(CSV_HEADER.iter().map(|h| (*h).to_owned()).collect());
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    for r in rows {
        write(vec![
            r.order_id.clone(),
            text(&r.juspay_id),
            format_iso_utc(r.created_at),
            r.status.to_string(),
            format_decimal(r.amount, &r.currency),
            r.amount.to_string(),
            format_decimal(r.amount_refunded, &r.currency),
            r.amount_refunded.to_string(),
            r.currency.clone(),
            text(&r.payment_method_type),
            text(&r.payment_method),
            text(&r.gateway),
            text(&r.txn_id),
            text(&r.customer_id),
            text(&r.customer_email),
            text(&r.customer_phone),
            text(&r.error_code),
            text(&r.amount_mismatch),
            match (r.confirmed_at, &r.confirmed_via) {
                (Some(at), Some(via)) => format!("{} via {via}", format_iso_utc(at)),
                _ => String::new(),
            },
        ]);
    }
    writer.into_inner().unwrap_or_default()
}

/// CSV lines for disputes (with the header line first when `header`).
pub fn disputes_csv(rows: &[DisputeRow], header: bool) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if header {
        let _ = writer.write_record([
            "dispute_id",
            "order_id",
            "opened_utc",
            "status",
            "stage",
            "amount",
            "amount_minor",
            "currency",
            "reason",
            "gateway",
            "respond_by_utc",
            "decision",
            "resolved_utc",
        ]);
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let time = |t: Option<i64>| t.map(format_iso_utc).unwrap_or_default();
    for d in rows {
        let currency = text(&d.currency);
        let record = [
            d.dispute_id.clone(),
            text(&d.order_id),
            format_iso_utc(d.juspay_created_at.unwrap_or(d.created_at)),
            d.status.to_string(),
            d.stage.to_string(),
            d.amount
                .map(|a| format_decimal(a, &currency))
                .unwrap_or_default(),
            d.amount.map(|a| a.to_string()).unwrap_or_default(),
            currency.clone(),
            text(&d.reason),
            text(&d.gateway),
            time(d.respond_by),
            d.decision
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            time(d.resolved_at),
        ];
        let _ = writer.write_record(record.map(neutralise_csv_cell));
    }
    writer.into_inner().unwrap_or_default()
}

/// CSV lines for refunds (with the header line first when `header`).
pub fn refunds_csv(rows: &[RefundRow], header: bool) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if header {
        let _ = writer.write_record([
            "unique_request_id",
            "order_id",
            "requested_utc",
            "amount",
            "amount_minor",
            "currency",
            "status",
            "request_state",
            "reason",
            "requested_by",
            "error_code",
            "arn",
        ]);
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    for r in rows {
        let record = [
            r.unique_request_id.clone(),
            r.order_id.clone(),
            format_iso_utc(r.created_at),
            format_decimal(r.amount, &r.currency),
            r.amount.to_string(),
            r.currency.clone(),
            r.status.to_string(),
            r.request_state
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            text(&r.reason),
            text(&r.requested_by),
            text(&r.error_code),
            text(&r.arn),
        ];
        let _ = writer.write_record(record.map(neutralise_csv_cell));
    }
    writer.into_inner().unwrap_or_default()
}

/// CSV lines for audit rows (with the header line first when `header`); every cell
/// neutralised for spreadsheets.
pub fn audit_csv(rows: &[AuditRecord], header: bool) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if header {
        let _ = writer.write_record([
            "at_utc",
            "actor",
            "action",
            "object",
            "detail",
            "client_ip",
            "trace_id",
        ]);
    }
    for r in rows {
        let record = [
            format_iso_utc(r.at),
            r.actor.clone(),
            r.action.clone(),
            r.target.clone(),
            r.detail.clone(),
            r.client_ip.clone(),
            r.trace_id.clone(),
        ];
        // Writing to a Vec cannot fail for I/O; a record is always complete.
        let _ = writer.write_record(record.map(neutralise_csv_cell));
    }
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str, at: i64, status: &str, amount: i64) -> OrderRow {
        OrderRow {
            order_id: id.into(),
            status: status.into(),
            amount,
            currency: "INR".into(),
            created_at: at,
            ..OrderRow::default()
        }
    }

    #[test]
    fn csv_lines_quote_what_needs_quoting_and_show_major_and_minor_units_per_currency() {
        let mut row = order("o,1", 0, "CHARGED", 123_456);
        row.customer_email = Some("a\"b@example.com".into());
        let mut yen = order("o-2", 0, "CHARGED", 500);
        yen.currency = "JPY".into();
        let mut dinar = order("o-3", 0, "CHARGED", 1_005);
        dinar.currency = "KWD".into();
        let text = String::from_utf8(orders_csv(&[row, yen, dinar], true)).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap().split(',').count(), CSV_HEADER.len());
        let line = lines.next().unwrap();
        assert!(
            line.starts_with("\"o,1\",,1970-01-01T00:00:00.000Z,CHARGED,1234.56,123456,0.00,0,INR"),
            "{line}"
        );
        assert!(line.contains("\"a\"\"b@example.com\""), "{line}");
        assert!(lines.next().unwrap().contains(",500,500,0,0,JPY,"));
        assert!(lines.next().unwrap().contains(",1.005,1005,0.000,0,KWD,"));
    }

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_exported_as_text() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(
                neutralise_csv_cell(formula.to_owned()),
                format!("'{formula}")
            );
        }
        for plain in ["ana@example.com", "1+1", "", "'quoted"] {
            assert_eq!(neutralise_csv_cell(plain.to_owned()), plain);
        }
        let mut row = order("o-1", 0, "CHARGED", 100);
        row.customer_phone = Some("=HYPERLINK(\"http://evil.example\")".into());
        let text = String::from_utf8(orders_csv(&[row], false)).unwrap();
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
            "{text}"
        );
    }

    #[test]
    fn audit_rows_export_as_neutral_csv() {
        let row = AuditRecord {
            id: 1,
            at: 0,
            actor: "ana".into(),
            action: "order.refund".into(),
            target: "ord_1".into(),
            detail: "=cmd".into(),
            client_ip: "10.0.0.1".into(),
            trace_id: "t".into(),
        };
        let text = String::from_utf8(audit_csv(&[row], true)).unwrap();
        assert!(text.starts_with("at_utc,actor,action,object"), "{text}");
        assert!(text.contains(",'=cmd,10.0.0.1,t"), "{text}");
    }
}

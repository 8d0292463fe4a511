-- Health figures read a time window through covering indexes, so their cost follows the
-- window's rows, never the table's size: outcomes by terminal time, the reconciliation gap
-- and pending orders by creation time, webhook delivery and lag by receipt time.
CREATE INDEX orders_outcomes ON orders
    (terminal_at, status, payment_method_type, payment_method, gateway, error_code,
     created_at, juspay_created_at);
CREATE INDEX orders_gap ON orders
    (created_at, status, terminal_at, paid_via, stale_at, amount_mismatch);
DROP INDEX webhook_events_received_at;
CREATE INDEX webhook_events_delivery ON webhook_events
    (received_at, auth_verdict, outcome, duplicate_count, lag_ms);

-- An alert is a health condition that held when the evaluator last looked. At most one
-- alert per key is open (resolved_at NULL); it is acknowledged by a person and resolved by
-- the evaluator when the condition clears. A later recurrence opens a new row.
CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- what the condition is about, e.g. 'success_rate:gateway:RAZORPAY'
    alert_key     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    message       TEXT    NOT NULL,
    opened_at     BIGINT  NOT NULL,
    last_seen_at  BIGINT  NOT NULL,
    acked_at      BIGINT,
    acked_by      TEXT,
    resolved_at   BIGINT
);
CREATE UNIQUE INDEX alerts_open_key ON alerts (alert_key) WHERE resolved_at IS NULL;
CREATE INDEX alerts_opened ON alerts (opened_at);

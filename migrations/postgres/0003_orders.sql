-- Local state built from Juspay's reports (webhooks, polls, syncs, action responses) through
-- one order-snapshot function. Money is integer minor units with its currency; times are UTC
-- epoch milliseconds. `*_via` columns say how we learned a fact: webhook, poll, sync, action.

-- Processing of stored webhooks: attempts, the next retry after a transient failure, and
-- when the final outcome was recorded.
ALTER TABLE webhook_events ADD COLUMN process_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_events ADD COLUMN next_attempt_at BIGINT;
ALTER TABLE webhook_events ADD COLUMN processed_at BIGINT;
CREATE INDEX webhook_events_pending ON webhook_events (outcome, next_attempt_at, id);
-- Staff actions on one order (or mandate), for its timeline.
CREATE INDEX audit_log_target ON audit_log (target, id);

CREATE TABLE orders (
    order_id              TEXT    PRIMARY KEY,
    source                TEXT    NOT NULL,
    juspay_id             TEXT,
    status                TEXT    NOT NULL,
    status_id             BIGINT,
    amount                BIGINT  NOT NULL,
    currency              TEXT    NOT NULL,
    amount_refunded       BIGINT  NOT NULL DEFAULT 0,
    customer_id           TEXT,
    customer_email        TEXT,
    customer_phone        TEXT,
    description           TEXT,
    -- Juspay's hosted payment page for this order, when it gave one
    payment_link          TEXT,
    payment_method_type   TEXT,
    payment_method        TEXT,
    auth_type             TEXT,
    card_brand            TEXT,
    card_last_four        TEXT,
    payer_vpa             TEXT,
    gateway               TEXT,
    gateway_id            BIGINT,
    gateway_reference_id  TEXT,
    txn_id                TEXT,
    txn_uuid              TEXT,
    epg_txn_id            TEXT,
    rrn                   TEXT,
    auth_id_code          TEXT,
    error_code            TEXT,
    error_message         TEXT,
    -- JSON object of udf1..udf10 as Juspay reported them
    udfs                  TEXT    NOT NULL DEFAULT '{}',
    -- set when Juspay reported a payment whose amount or currency differs from ours
    amount_mismatch       TEXT,
    juspay_created_at     BIGINT,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL,
    confirmed_at          BIGINT,
    confirmed_via         TEXT,
    -- how and when we first learned the order was paid (reconciliation report)
    paid_at               BIGINT,
    paid_via              TEXT,
    -- first terminal status (payment latency)
    terminal_at           BIGINT,
    -- reconciler: next due check, checks done, lease held by an instance, stale since
    next_check_at         BIGINT,
    check_count           BIGINT  NOT NULL DEFAULT 0,
    lease_owner           TEXT,
    lease_until           BIGINT,
    stale_at              BIGINT
);
CREATE INDEX orders_created_at ON orders (created_at, order_id);
CREATE INDEX orders_status ON orders (status, created_at);
CREATE INDEX orders_juspay_id ON orders (juspay_id);
CREATE INDEX orders_txn_id ON orders (txn_id);
CREATE INDEX orders_customer_email ON orders (customer_email);
CREATE INDEX orders_customer_phone ON orders (customer_phone);
CREATE INDEX orders_next_check ON orders (next_check_at);
CREATE INDEX orders_customer_id ON orders (customer_id);
CREATE INDEX orders_gateway ON orders (gateway, created_at);
CREATE INDEX orders_method ON orders (payment_method_type, created_at);

-- Every report applied (or judged) for an order: the timeline's state entries.
CREATE TABLE order_events (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id          TEXT    NOT NULL,
    at                BIGINT  NOT NULL,
    via               TEXT    NOT NULL,
    webhook_event_id  BIGINT,
    reported_status   TEXT,
    status_before     TEXT,
    status_after      TEXT,
    outcome           TEXT    NOT NULL,
    detail            TEXT,
    trace_id          TEXT
);
CREATE INDEX order_events_order ON order_events (order_id, id);

CREATE TABLE refunds (
    unique_request_id     TEXT    PRIMARY KEY,
    order_id              TEXT    NOT NULL,
    juspay_refund_id      TEXT,
    reference             TEXT,
    arn                   TEXT,
    amount                BIGINT  NOT NULL,
    currency              TEXT    NOT NULL,
    status                TEXT    NOT NULL,
    error_code            TEXT,
    error_message         TEXT,
    initiated_by          TEXT,
    -- refunds we request: 'sending' (stored, Juspay not yet answered), 'sent', 'unknown'
    -- (timeout or 5xx: retried with the same unique_request_id) or 'refused'; NULL for
    -- refunds first seen in Juspay's reports
    request_state         TEXT,
    reason                TEXT,
    requested_by          TEXT,
    attempts              BIGINT  NOT NULL DEFAULT 0,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL,
    confirmed_at          BIGINT,
    confirmed_via         TEXT
);
CREATE INDEX refunds_order ON refunds (order_id);
CREATE INDEX refunds_request_state ON refunds (request_state, updated_at);
CREATE INDEX refunds_status ON refunds (status, created_at);

CREATE TABLE mandates (
    mandate_id            TEXT    PRIMARY KEY,
    order_id              TEXT,
    customer_id           TEXT,
    status                TEXT    NOT NULL,
    mandate_type          TEXT,
    frequency             TEXT,
    amount_rule           TEXT,
    max_amount            BIGINT,
    currency              TEXT,
    start_date            BIGINT,
    end_date              BIGINT,
    rule_type             TEXT,
    rule_value            BIGINT,
    revokable_by_customer BOOLEAN,
    block_fund            BOOLEAN,
    payment_method_type   TEXT,
    payment_method        TEXT,
    payer_vpa             TEXT,
    -- Juspay's time of the report that set the status; older reports do not override it
    status_reported_at    BIGINT,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL,
    confirmed_at          BIGINT,
    confirmed_via         TEXT
);
CREATE INDEX mandates_customer ON mandates (customer_id);
CREATE INDEX mandates_status ON mandates (status, created_at);

-- Mandate status history and pre-debit notifications, in the order we learned them.
CREATE TABLE mandate_events (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mandate_id        TEXT    NOT NULL,
    at                BIGINT  NOT NULL,
    via               TEXT    NOT NULL,
    webhook_event_id  BIGINT,
    kind              TEXT    NOT NULL,
    reported_status   TEXT,
    status_before     TEXT,
    status_after      TEXT,
    outcome           TEXT    NOT NULL,
    detail            TEXT,
    -- the order of a debit (kind 'execution')
    order_id          TEXT
);
CREATE INDEX mandate_events_mandate ON mandate_events (mandate_id, id);

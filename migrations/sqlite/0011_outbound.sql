-- Events for the merchant's own systems (an outbox). Each change of an order, refund or
-- mandate writes its event in the same transaction as the change, and one delivery row per
-- enabled endpoint that subscribes to its type; the delivery worker sends them, signed as
-- Standard Webhooks, and records every attempt. A subject's events reach an endpoint in
-- the order they were written.
CREATE TABLE outbound_endpoints (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    url                    TEXT    NOT NULL,
    description            TEXT    NOT NULL DEFAULT '',
    -- comma-separated event types, or * for all
    event_types            TEXT    NOT NULL DEFAULT '*',
    -- whsec_ + base64; the previous one still signs until previous_secret_until
    secret                 TEXT    NOT NULL,
    previous_secret        TEXT,
    previous_secret_until  BIGINT,
    enabled                BOOLEAN NOT NULL DEFAULT 1,
    disabled_reason        TEXT,
    -- the first failure since the last success
    failing_since          BIGINT,
    -- deliveries per second at most, per instance; NULL for no limit
    rate_limit             BIGINT,
    created_at             BIGINT  NOT NULL,
    updated_at             BIGINT  NOT NULL
);

CREATE TABLE outbound_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- msg_…: the webhook-id receivers deduplicate on, the same on every retry
    id          TEXT    NOT NULL UNIQUE,
    event_type  TEXT    NOT NULL,
    -- what the event is about (order:ID, mandate:ID): its events keep their order
    subject     TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX outbound_events_subject ON outbound_events (subject, seq);

CREATE TABLE outbound_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_seq        BIGINT  NOT NULL REFERENCES outbound_events (seq),
    endpoint_id      BIGINT  NOT NULL REFERENCES outbound_endpoints (id),
    subject          TEXT    NOT NULL,
    -- pending, delivered or failed (retries exhausted, aborted or the endpoint gone)
    state            TEXT    NOT NULL,
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    lease_owner      TEXT,
    lease_until      BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    last_attempt_at  BIGINT,
    delivered_at     BIGINT,
    UNIQUE (event_seq, endpoint_id)
);
CREATE INDEX outbound_deliveries_due ON outbound_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbound_deliveries_subject ON outbound_deliveries (endpoint_id, subject, event_seq);

CREATE TABLE outbound_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  BIGINT  NOT NULL REFERENCES outbound_deliveries (id),
    at           BIGINT  NOT NULL,
    status       BIGINT,
    latency_ms   BIGINT  NOT NULL,
    -- the first KB of the answer, or why there was none
    response     TEXT,
    error        TEXT
);
CREATE INDEX outbound_attempts_delivery ON outbound_attempts (delivery_id, at);

-- A debit order's outcome is also its mandate's event: find the mandate by the order.
CREATE INDEX mandate_events_order ON mandate_events (order_id) WHERE order_id IS NOT NULL;

-- Tokens of the merchant's own systems for the merchant API, each with a name and scopes
-- (read: orders and events; orders: create orders), created and revoked by admins. Only
-- a token's SHA-256 is kept (tokens are random); its first characters identify it.
CREATE TABLE merchant_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    scopes        TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);

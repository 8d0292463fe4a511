-- Every webhook delivery attempt, stored raw before it is acknowledged (ack after commit).
-- Accepted events are unique on dedup_key: Juspay's event id, or a hash of the body when the
-- body has none; a repeat only bumps duplicate_count. Rejected attempts (bad credentials)
-- are kept truncated and capped in number so that nobody can fill the disk with them.

CREATE TABLE webhook_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    source            TEXT    NOT NULL,
    dedup_key         TEXT    NOT NULL UNIQUE,
    event_id          TEXT,
    event_name        TEXT,
    -- the merchant order id the event is about, when it names one
    order_id          TEXT,
    -- 'valid' or 'rejected'
    auth_verdict      TEXT    NOT NULL,
    received_at       BIGINT  NOT NULL,
    -- Juspay's date_created and the delay until we received it (webhook lag)
    event_created_at  BIGINT,
    lag_ms            BIGINT,
    -- JSON object of the request headers; Authorization replaced by the verdict
    headers           TEXT    NOT NULL,
    body              BLOB    NOT NULL,
    body_truncated    BOOLEAN NOT NULL DEFAULT 0,
    -- 'pending' (to process), 'parse_error', 'rejected'; processing adds its own outcomes
    outcome           TEXT    NOT NULL,
    outcome_detail    TEXT,
    duplicate_count   BIGINT  NOT NULL DEFAULT 0,
    last_duplicate_at BIGINT
);
CREATE INDEX webhook_events_received_at ON webhook_events (received_at);
CREATE INDEX webhook_events_outcome ON webhook_events (outcome, id);
CREATE INDEX webhook_events_verdict ON webhook_events (auth_verdict, id);
CREATE INDEX webhook_events_order ON webhook_events (order_id, id);

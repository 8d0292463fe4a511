-- Disputes (chargebacks) as Juspay reports them, through the same path as every other
-- report: a status that only moves forward, the respond-by time when given, and the last
-- report kept whole, since no public sample of the payload exists.
CREATE TABLE disputes (
    dispute_id          TEXT    PRIMARY KEY,
    order_id            TEXT,
    txn_id              TEXT,
    gateway             TEXT,
    amount              BIGINT,
    currency            TEXT,
    status              TEXT    NOT NULL,
    stage               TEXT    NOT NULL DEFAULT 'DISPUTE',
    reason              TEXT,
    respond_by          BIGINT,
    juspay_created_at   BIGINT,
    resolved_at         BIGINT,
    decision            TEXT,
    decided_at          BIGINT,
    last_report         TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);
CREATE INDEX disputes_order ON disputes (order_id);
CREATE INDEX disputes_created ON disputes (created_at);
CREATE INDEX disputes_open ON disputes (status, respond_by);

-- What staff did about a dispute, newest last: a decision (ACCEPT or CONTEST) or a plain
-- note, by whom and when. Juspay has no public API to submit evidence, so this records what
-- was submitted elsewhere and keeps the files.
CREATE TABLE dispute_responses (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    dispute_id  TEXT    NOT NULL,
    decision    TEXT,
    note        TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX dispute_responses_dispute ON dispute_responses (dispute_id, id);

-- Evidence files attached to a response; the type is checked from the content.
CREATE TABLE dispute_evidence (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id   BIGINT  NOT NULL,
    dispute_id    TEXT    NOT NULL,
    file_name     TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size_bytes    BIGINT  NOT NULL,
    sha256        TEXT    NOT NULL,
    content       BLOB  NOT NULL,
    at            BIGINT  NOT NULL
);
CREATE INDEX dispute_evidence_dispute ON dispute_evidence (dispute_id, id);

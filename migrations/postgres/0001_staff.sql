-- Staff accounts, login throttling and the audit trail.
-- Times are UTC epoch milliseconds (BIGINT), the same representation as on SQLite.

CREATE TABLE users (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    -- Bumped whenever every session of this user must end (disable, password reset).
    session_epoch BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

-- One row per failed login, keyed by 'account:<name>' or 'ip:<address>'.
CREATE TABLE login_failures (
    id  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT   NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    target     TEXT   NOT NULL,
    detail     TEXT   NOT NULL,
    client_ip  TEXT   NOT NULL,
    trace_id   TEXT   NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

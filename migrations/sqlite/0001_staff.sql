-- Staff accounts, login throttling and the audit trail.
-- Times are UTC epoch milliseconds (INTEGER), the same representation as on PostgreSQL.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    -- Bumped whenever every session of this user must end (disable, password reset).
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- One row per failed login, keyed by 'account:<name>' or 'ip:<address>'.
CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    client_ip  TEXT    NOT NULL,
    trace_id   TEXT    NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

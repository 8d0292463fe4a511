-- Each signed-in session, by the handle its cookie's claims carry, so that users see their
-- sessions (created, last seen, address, browser) and end them, and admins end anyone's.
-- A session whose row is gone is no longer accepted.
CREATE TABLE staff_sessions (
    handle       TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    client_ip    TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id, last_seen_at);

-- The second factor of sign-in: a TOTP secret per user (base32), the secret offered while
-- enrolling (confirmed by a first code), when it was enabled, and the last 30-second step
-- whose code was accepted (a code is never accepted twice). Recovery codes are kept as
-- SHA-256 digests and marked when used.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   INTEGER NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at   INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id, code_hash);

-- Sign-in throttling keeps one counter row per key ('pair:<name>:<address>', 'ip:<address>',
-- 'account:<name>') instead of a row per failure: an attempt is counted by one atomic upsert
-- before the password is verified, so a parallel burst cannot get more guesses than the limit.
DROP TABLE login_failures;

CREATE TABLE login_throttle (
    key          TEXT    PRIMARY KEY,
    -- Start of the current window (epoch ms); an older window counts from zero again.
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL,
    last_at      BIGINT NOT NULL
);
CREATE INDEX login_throttle_window_start ON login_throttle (window_start);

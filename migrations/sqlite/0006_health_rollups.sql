-- Health roll-ups (issue #9): per UTC hour, the payment outcomes by method type, method,
-- gateway and error code (by the hour of the outcome), a histogram of payment latency (by
-- the hour of the outcome) and the reconciliation gap and pending orders (by the hour the
-- order was created). Triggers keep them exact inside the same transaction as every change
-- to an order, so a week of health reads ~170 hourly rows per figure instead of every order
-- of the week; the partial hours at a window's edges are still read from the orders.
-- `succeeded` counts CHARGED, PARTIAL_CHARGED, COD_INITIATED; an outcome is one of those or
-- a failure status (store/health.rs PAID and FAILED name the same lists).
CREATE TABLE outcome_hours (
    hour       BIGINT  NOT NULL,
    -- method_type, method, gateway or error_code; key '(none)' when the order has none
    dimension  TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    attempts   BIGINT  NOT NULL,
    succeeded  BIGINT  NOT NULL,
    PRIMARY KEY (hour, dimension, key)
);

-- Lower bounds of the latency histogram's buckets in ms: 1 ms wide up to 20 ms, then 5 %
-- wide (each bound is the previous plus a twentieth), up to 30 days.
CREATE TABLE latency_buckets (
    lower  BIGINT  PRIMARY KEY
);
INSERT INTO latency_buckets (lower)
    WITH RECURSIVE b(lower) AS (
        SELECT CAST(0 AS BIGINT)
        UNION ALL
        SELECT CASE WHEN lower < 20 THEN lower + 1 ELSE lower + lower / 20 END
        FROM b WHERE lower < 2592000000
    )
    SELECT lower FROM b;

-- Orders whose outcome fell in `hour`, by latency bucket (created → first outcome; a
-- negative latency from clock skew counts in bucket 0).
CREATE TABLE latency_hours (
    hour    BIGINT  NOT NULL,
    bucket  BIGINT  NOT NULL,
    orders  BIGINT  NOT NULL,
    PRIMARY KEY (hour, bucket)
);

-- Orders created in `hour`: paid as learned by a poll, flagged by the amount check, stale,
-- and still pending (no outcome and not paid).
CREATE TABLE created_hours (
    hour             BIGINT  PRIMARY KEY,
    learned_by_poll  BIGINT  NOT NULL,
    flagged          BIGINT  NOT NULL,
    stale            BIGINT  NOT NULL,
    pending          BIGINT  NOT NULL
);

-- What the orders already hold.
INSERT INTO outcome_hours (hour, dimension, key, attempts, succeeded)
    SELECT hour, dimension, key, COUNT(*), SUM(paid) FROM (
        SELECT (terminal_at / 3600000) * 3600000 AS hour, 'method_type' AS dimension,
               COALESCE(payment_method_type, '(none)') AS key,
               CASE WHEN status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END AS paid
        FROM orders WHERE terminal_at IS NOT NULL AND (status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') OR status IN ('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED',
                    'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED'))
        UNION ALL
        SELECT (terminal_at / 3600000) * 3600000, 'method', COALESCE(payment_method, '(none)'),
               CASE WHEN status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END
        FROM orders WHERE terminal_at IS NOT NULL AND (status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') OR status IN ('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED',
                    'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED'))
        UNION ALL
        SELECT (terminal_at / 3600000) * 3600000, 'gateway', COALESCE(gateway, '(none)'),
               CASE WHEN status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END
        FROM orders WHERE terminal_at IS NOT NULL AND (status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') OR status IN ('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED',
                    'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED'))
        UNION ALL
        SELECT (terminal_at / 3600000) * 3600000, 'error_code', COALESCE(error_code, '(none)'),
               CASE WHEN status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END
        FROM orders WHERE terminal_at IS NOT NULL AND (status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') OR status IN ('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED',
                    'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED'))
    ) AS o GROUP BY hour, dimension, key;
INSERT INTO latency_hours (hour, bucket, orders)
    SELECT hour, bucket, COUNT(*) FROM (
        SELECT (terminal_at / 3600000) * 3600000 AS hour,
               COALESCE((SELECT MAX(lower) FROM latency_buckets
                         WHERE lower <= orders.terminal_at - COALESCE(orders.juspay_created_at, orders.created_at)), 0) AS bucket
        FROM orders WHERE terminal_at IS NOT NULL
    ) AS l GROUP BY hour, bucket;
INSERT INTO created_hours (hour, learned_by_poll, flagged, stale, pending)
    SELECT (created_at / 3600000) * 3600000,
           SUM(CASE WHEN paid_via = 'poll' THEN 1 ELSE 0 END),
           SUM(CASE WHEN amount_mismatch IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN stale_at IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN terminal_at IS NULL AND status NOT IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END)
    FROM orders GROUP BY (created_at / 3600000) * 3600000;

CREATE TRIGGER health_rollups_insert AFTER INSERT ON orders
BEGIN
    INSERT INTO outcome_hours (hour, dimension, key, attempts, succeeded)
        SELECT (NEW.terminal_at / 3600000) * 3600000, d.dimension, d.key, 1,
               CASE WHEN NEW.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END
        FROM (SELECT 'method_type' AS dimension, COALESCE(NEW.payment_method_type, '(none)') AS key
              UNION ALL SELECT 'method', COALESCE(NEW.payment_method, '(none)')
              UNION ALL SELECT 'gateway', COALESCE(NEW.gateway, '(none)')
              UNION ALL SELECT 'error_code', COALESCE(NEW.error_code, '(none)')) AS d
        WHERE NEW.terminal_at IS NOT NULL
          AND (NEW.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') OR NEW.status IN ('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED',
                    'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED'))
        ON CONFLICT (hour, dimension, key) DO UPDATE
        SET attempts = attempts + excluded.attempts,
            succeeded = succeeded + excluded.succeeded;
    INSERT INTO latency_hours (hour, bucket, orders)
        SELECT (NEW.terminal_at / 3600000) * 3600000,
               COALESCE((SELECT MAX(lower) FROM latency_buckets
                         WHERE lower <= NEW.terminal_at - COALESCE(NEW.juspay_created_at, NEW.created_at)), 0),
               1
        WHERE NEW.terminal_at IS NOT NULL
        ON CONFLICT (hour, bucket) DO UPDATE SET orders = orders + excluded.orders;
    INSERT INTO created_hours (hour, learned_by_poll, flagged, stale, pending)
        SELECT (NEW.created_at / 3600000) * 3600000,
               CASE WHEN NEW.paid_via = 'poll' THEN 1 ELSE 0 END,
               CASE WHEN NEW.amount_mismatch IS NOT NULL THEN 1 ELSE 0 END,
               CASE WHEN NEW.stale_at IS NOT NULL THEN 1 ELSE 0 END,
               CASE WHEN NEW.terminal_at IS NULL AND NEW.status NOT IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END
        WHERE NEW.created_at IS NOT NULL
        ON CONFLICT (hour) DO UPDATE
        SET learned_by_poll = learned_by_poll + excluded.learned_by_poll,
            flagged = flagged + excluded.flagged,
            stale = stale + excluded.stale,
            pending = pending + excluded.pending;
END;

CREATE TRIGGER health_rollups_update AFTER UPDATE OF status, terminal_at, payment_method_type, payment_method, gateway, error_code, created_at, juspay_created_at, paid_via, amount_mismatch, stale_at
    ON orders
    WHEN OLD.status IS NOT NEW.status
        OR OLD.terminal_at IS NOT NEW.terminal_at
        OR OLD.payment_method_type IS NOT NEW.payment_method_type
        OR OLD.payment_method IS NOT NEW.payment_method
        OR OLD.gateway IS NOT NEW.gateway
        OR OLD.error_code IS NOT NEW.error_code
        OR OLD.created_at IS NOT NEW.created_at
        OR OLD.juspay_created_at IS NOT NEW.juspay_created_at
        OR OLD.paid_via IS NOT NEW.paid_via
        OR OLD.amount_mismatch IS NOT NEW.amount_mismatch
        OR OLD.stale_at IS NOT NEW.stale_at
BEGIN
    INSERT INTO outcome_hours (hour, dimension, key, attempts, succeeded)
        SELECT (OLD.terminal_at / 3600000) * 3600000, d.dimension, d.key, -1,
               CASE WHEN OLD.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN -1 ELSE 0 END
        FROM (SELECT 'method_type' AS dimension, COALESCE(OLD.payment_method_type, '(none)') AS key
              UNION ALL SELECT 'method', COALESCE(OLD.payment_method, '(none)')
              UNION ALL SELECT 'gateway', COALESCE(OLD.gateway, '(none)')
              UNION ALL SELECT 'error_code', COALESCE(OLD.error_code, '(none)')) AS d
        WHERE OLD.terminal_at IS NOT NULL
          AND (OLD.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') OR OLD.status IN ('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED',
                    'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED'))
        ON CONFLICT (hour, dimension, key) DO UPDATE
        SET attempts = attempts + excluded.attempts,
            succeeded = succeeded + excluded.succeeded;
    INSERT INTO latency_hours (hour, bucket, orders)
        SELECT (OLD.terminal_at / 3600000) * 3600000,
               COALESCE((SELECT MAX(lower) FROM latency_buckets
                         WHERE lower <= OLD.terminal_at - COALESCE(OLD.juspay_created_at, OLD.created_at)), 0),
               -1
        WHERE OLD.terminal_at IS NOT NULL
        ON CONFLICT (hour, bucket) DO UPDATE SET orders = orders + excluded.orders;
    INSERT INTO created_hours (hour, learned_by_poll, flagged, stale, pending)
        SELECT (OLD.created_at / 3600000) * 3600000,
               CASE WHEN OLD.paid_via = 'poll' THEN -1 ELSE 0 END,
               CASE WHEN OLD.amount_mismatch IS NOT NULL THEN -1 ELSE 0 END,
               CASE WHEN OLD.stale_at IS NOT NULL THEN -1 ELSE 0 END,
               CASE WHEN OLD.terminal_at IS NULL AND OLD.status NOT IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN -1 ELSE 0 END
        WHERE OLD.created_at IS NOT NULL
        ON CONFLICT (hour) DO UPDATE
        SET learned_by_poll = learned_by_poll + excluded.learned_by_poll,
            flagged = flagged + excluded.flagged,
            stale = stale + excluded.stale,
            pending = pending + excluded.pending;
    INSERT INTO outcome_hours (hour, dimension, key, attempts, succeeded)
        SELECT (NEW.terminal_at / 3600000) * 3600000, d.dimension, d.key, 1,
               CASE WHEN NEW.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END
        FROM (SELECT 'method_type' AS dimension, COALESCE(NEW.payment_method_type, '(none)') AS key
              UNION ALL SELECT 'method', COALESCE(NEW.payment_method, '(none)')
              UNION ALL SELECT 'gateway', COALESCE(NEW.gateway, '(none)')
              UNION ALL SELECT 'error_code', COALESCE(NEW.error_code, '(none)')) AS d
        WHERE NEW.terminal_at IS NOT NULL
          AND (NEW.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') OR NEW.status IN ('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED',
                    'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED'))
        ON CONFLICT (hour, dimension, key) DO UPDATE
        SET attempts = attempts + excluded.attempts,
            succeeded = succeeded + excluded.succeeded;
    INSERT INTO latency_hours (hour, bucket, orders)
        SELECT (NEW.terminal_at / 3600000) * 3600000,
               COALESCE((SELECT MAX(lower) FROM latency_buckets
                         WHERE lower <= NEW.terminal_at - COALESCE(NEW.juspay_created_at, NEW.created_at)), 0),
               1
        WHERE NEW.terminal_at IS NOT NULL
        ON CONFLICT (hour, bucket) DO UPDATE SET orders = orders + excluded.orders;
    INSERT INTO created_hours (hour, learned_by_poll, flagged, stale, pending)
        SELECT (NEW.created_at / 3600000) * 3600000,
               CASE WHEN NEW.paid_via = 'poll' THEN 1 ELSE 0 END,
               CASE WHEN NEW.amount_mismatch IS NOT NULL THEN 1 ELSE 0 END,
               CASE WHEN NEW.stale_at IS NOT NULL THEN 1 ELSE 0 END,
               CASE WHEN NEW.terminal_at IS NULL AND NEW.status NOT IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END
        WHERE NEW.created_at IS NOT NULL
        ON CONFLICT (hour) DO UPDATE
        SET learned_by_poll = learned_by_poll + excluded.learned_by_poll,
            flagged = flagged + excluded.flagged,
            stale = stale + excluded.stale,
            pending = pending + excluded.pending;
END;

CREATE TRIGGER health_rollups_delete AFTER DELETE ON orders
BEGIN
    INSERT INTO outcome_hours (hour, dimension, key, attempts, succeeded)
        SELECT (OLD.terminal_at / 3600000) * 3600000, d.dimension, d.key, -1,
               CASE WHEN OLD.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN -1 ELSE 0 END
        FROM (SELECT 'method_type' AS dimension, COALESCE(OLD.payment_method_type, '(none)') AS key
              UNION ALL SELECT 'method', COALESCE(OLD.payment_method, '(none)')
              UNION ALL SELECT 'gateway', COALESCE(OLD.gateway, '(none)')
              UNION ALL SELECT 'error_code', COALESCE(OLD.error_code, '(none)')) AS d
        WHERE OLD.terminal_at IS NOT NULL
          AND (OLD.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') OR OLD.status IN ('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED',
                    'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED'))
        ON CONFLICT (hour, dimension, key) DO UPDATE
        SET attempts = attempts + excluded.attempts,
            succeeded = succeeded + excluded.succeeded;
    INSERT INTO latency_hours (hour, bucket, orders)
        SELECT (OLD.terminal_at / 3600000) * 3600000,
               COALESCE((SELECT MAX(lower) FROM latency_buckets
                         WHERE lower <= OLD.terminal_at - COALESCE(OLD.juspay_created_at, OLD.created_at)), 0),
               -1
        WHERE OLD.terminal_at IS NOT NULL
        ON CONFLICT (hour, bucket) DO UPDATE SET orders = orders + excluded.orders;
    INSERT INTO created_hours (hour, learned_by_poll, flagged, stale, pending)
        SELECT (OLD.created_at / 3600000) * 3600000,
               CASE WHEN OLD.paid_via = 'poll' THEN -1 ELSE 0 END,
               CASE WHEN OLD.amount_mismatch IS NOT NULL THEN -1 ELSE 0 END,
               CASE WHEN OLD.stale_at IS NOT NULL THEN -1 ELSE 0 END,
               CASE WHEN OLD.terminal_at IS NULL AND OLD.status NOT IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN -1 ELSE 0 END
        WHERE OLD.created_at IS NOT NULL
        ON CONFLICT (hour) DO UPDATE
        SET learned_by_poll = learned_by_poll + excluded.learned_by_poll,
            flagged = flagged + excluded.flagged,
            stale = stale + excluded.stale,
            pending = pending + excluded.pending;
END;

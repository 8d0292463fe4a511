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

-- Adds `s` (1 or -1) times order `r` to the roll-ups. Concurrent transactions that touch
-- the same hour's rows wait for each other's commit.
CREATE FUNCTION health_rollups_add(r orders, s BIGINT) RETURNS void AS $$
BEGIN
    -- PL/pgSQL, not SQL: it keeps the statements' plans between calls.
    INSERT INTO outcome_hours (hour, dimension, key, attempts, succeeded)
        SELECT (r.terminal_at / 3600000) * 3600000, d.dimension, d.key, s,
               CASE WHEN r.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN s ELSE 0 END
        FROM (VALUES ('method_type', COALESCE(r.payment_method_type, '(none)')),
                    ('method', COALESCE(r.payment_method, '(none)')),
                    ('gateway', COALESCE(r.gateway, '(none)')),
                    ('error_code', COALESCE(r.error_code, '(none)'))) AS d (dimension, key)
        WHERE r.terminal_at IS NOT NULL
          AND (r.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') OR r.status IN ('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED',
                    'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED'))
        ON CONFLICT (hour, dimension, key) DO UPDATE
        SET attempts = outcome_hours.attempts + excluded.attempts,
            succeeded = outcome_hours.succeeded + excluded.succeeded;
    INSERT INTO latency_hours (hour, bucket, orders)
        SELECT (r.terminal_at / 3600000) * 3600000,
               COALESCE((SELECT MAX(lower) FROM latency_buckets
                         WHERE lower <= r.terminal_at - COALESCE(r.juspay_created_at, r.created_at)), 0),
               s
        WHERE r.terminal_at IS NOT NULL
        ON CONFLICT (hour, bucket) DO UPDATE SET orders = latency_hours.orders + excluded.orders;
    INSERT INTO created_hours (hour, learned_by_poll, flagged, stale, pending)
        SELECT (r.created_at / 3600000) * 3600000,
               CASE WHEN r.paid_via = 'poll' THEN s ELSE 0 END,
               CASE WHEN r.amount_mismatch IS NOT NULL THEN s ELSE 0 END,
               CASE WHEN r.stale_at IS NOT NULL THEN s ELSE 0 END,
               CASE WHEN r.terminal_at IS NULL AND r.status NOT IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN s ELSE 0 END
        WHERE r.created_at IS NOT NULL
        ON CONFLICT (hour) DO UPDATE
        SET learned_by_poll = created_hours.learned_by_poll + excluded.learned_by_poll,
            flagged = created_hours.flagged + excluded.flagged,
            stale = created_hours.stale + excluded.stale,
            pending = created_hours.pending + excluded.pending;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION health_rollups_track() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM health_rollups_add(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM health_rollups_add(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER health_rollups_insert_delete AFTER INSERT OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION health_rollups_track();
CREATE TRIGGER health_rollups_update AFTER UPDATE ON orders
    FOR EACH ROW
    WHEN ((OLD.status, OLD.terminal_at, OLD.payment_method_type, OLD.payment_method, OLD.gateway, OLD.error_code, OLD.created_at, OLD.juspay_created_at, OLD.paid_via, OLD.amount_mismatch, OLD.stale_at) IS DISTINCT FROM
          (NEW.status, NEW.terminal_at, NEW.payment_method_type, NEW.payment_method, NEW.gateway, NEW.error_code, NEW.created_at, NEW.juspay_created_at, NEW.paid_via, NEW.amount_mismatch, NEW.stale_at))
    EXECUTE FUNCTION health_rollups_track();

-- The roll-ups `loadgen seed-orders` rebuilds on PostgreSQL after loading orders with the
-- triggers that maintain them switched off: each table emptied and refilled from every
-- order with one statement, exactly as the migrations that created them (0005 and 0006)
-- first filled them. Run inside the seeding transaction, so nobody sees orders without
-- their roll-ups.
DELETE FROM order_totals;
INSERT INTO order_totals (status, refunded, currency, orders, amount)
    SELECT status, CASE WHEN amount_refunded > 0 THEN 1 ELSE 0 END, currency, COUNT(*), SUM(amount)
    FROM orders GROUP BY 1, 2, 3;

DELETE FROM outcome_hours;
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

DELETE FROM latency_hours;
INSERT INTO latency_hours (hour, bucket, orders)
    SELECT hour, bucket, COUNT(*) FROM (
        SELECT (terminal_at / 3600000) * 3600000 AS hour,
               COALESCE((SELECT MAX(lower) FROM latency_buckets
                         WHERE lower <= orders.terminal_at - COALESCE(orders.juspay_created_at, orders.created_at)), 0) AS bucket
        FROM orders WHERE terminal_at IS NOT NULL
    ) AS l GROUP BY hour, bucket;

DELETE FROM created_hours;
INSERT INTO created_hours (hour, learned_by_poll, flagged, stale, pending)
    SELECT (created_at / 3600000) * 3600000,
           SUM(CASE WHEN paid_via = 'poll' THEN 1 ELSE 0 END),
           SUM(CASE WHEN amount_mismatch IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN stale_at IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN terminal_at IS NULL AND status NOT IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END)
    FROM orders GROUP BY (created_at / 3600000) * 3600000;

-- The order counters (0005) and the health roll-ups (0006) were kept by row triggers that
-- upserted the shared counter rows as each order changed. A transaction that changes many
-- orders (the webhook processor applies up to 50 events in one) then held those few hot
-- rows from its first change until its commit, and took them in whatever order its orders
-- came: two instances processing at once queued behind each other and could deadlock.
--
-- From this version a row trigger only notes each change in `order_changes` (the order's
-- figures before, signed -1, and after, signed +1), which contends with nobody. When the
-- transaction commits, a deferred trigger folds its notes into each counter table with one
-- statement, summed per key and taken in key order, and deletes them. The counter rows are
-- then held only from the fold to the commit, and every transaction takes them in the same
-- order (table by table, key by key), so two cannot deadlock on them. The counters stay
-- exact: the fold runs inside the transaction whose changes it counts.

DROP TRIGGER order_totals_track ON orders;
DROP TRIGGER health_rollups_insert_delete ON orders;
DROP TRIGGER health_rollups_update ON orders;
DROP FUNCTION order_totals_track();
DROP FUNCTION order_totals_add(TEXT, BIGINT, TEXT, BIGINT, BIGINT);
DROP FUNCTION health_rollups_track();
DROP FUNCTION health_rollups_add(orders, BIGINT);

-- Rows live only inside the transaction that wrote them (`tx`): the fold deletes them
-- before the commit.
CREATE TABLE order_changes (
    tx                   BIGINT  NOT NULL,
    sign                 BIGINT  NOT NULL,
    status               TEXT    NOT NULL,
    currency             TEXT    NOT NULL,
    amount               BIGINT  NOT NULL,
    -- 1 when some money was returned (the "refunded" group of order_totals)
    refunded             BIGINT  NOT NULL,
    terminal_at          BIGINT,
    payment_method_type  TEXT,
    payment_method       TEXT,
    gateway              TEXT,
    error_code           TEXT,
    created_at           BIGINT,
    juspay_created_at    BIGINT,
    paid_via             TEXT,
    -- 1 when the amount check flagged the order / when it went stale
    flagged              BIGINT  NOT NULL,
    stale                BIGINT  NOT NULL
);
CREATE INDEX order_changes_tx ON order_changes (tx);

CREATE FUNCTION order_changes_note() RETURNS trigger AS $$
BEGIN
    -- There is something to fold again (see order_changes_fold).
    PERFORM set_config('order_changes.folded', '', true);
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO order_changes VALUES (
            txid_current(), -1, OLD.status, OLD.currency, OLD.amount, (OLD.amount_refunded > 0)::int,
            OLD.terminal_at, OLD.payment_method_type, OLD.payment_method, OLD.gateway, OLD.error_code,
            OLD.created_at, OLD.juspay_created_at, OLD.paid_via,
            (OLD.amount_mismatch IS NOT NULL)::int, (OLD.stale_at IS NOT NULL)::int);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO order_changes VALUES (
            txid_current(), 1, NEW.status, NEW.currency, NEW.amount, (NEW.amount_refunded > 0)::int,
            NEW.terminal_at, NEW.payment_method_type, NEW.payment_method, NEW.gateway, NEW.error_code,
            NEW.created_at, NEW.juspay_created_at, NEW.paid_via,
            (NEW.amount_mismatch IS NOT NULL)::int, (NEW.stale_at IS NOT NULL)::int);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER order_changes_note_insert_delete AFTER INSERT OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION order_changes_note();
-- Only a change to a figure some counter reads is noted.
CREATE TRIGGER order_changes_note_update AFTER UPDATE ON orders
    FOR EACH ROW
    WHEN ((OLD.status, OLD.amount, OLD.currency, OLD.amount_refunded > 0, OLD.terminal_at,
           OLD.payment_method_type, OLD.payment_method, OLD.gateway, OLD.error_code,
           OLD.created_at, OLD.juspay_created_at, OLD.paid_via, OLD.amount_mismatch IS NOT NULL,
           OLD.stale_at IS NOT NULL) IS DISTINCT FROM
          (NEW.status, NEW.amount, NEW.currency, NEW.amount_refunded > 0, NEW.terminal_at,
           NEW.payment_method_type, NEW.payment_method, NEW.gateway, NEW.error_code,
           NEW.created_at, NEW.juspay_created_at, NEW.paid_via, NEW.amount_mismatch IS NOT NULL,
           NEW.stale_at IS NOT NULL))
    EXECUTE FUNCTION order_changes_note();

-- Folds the current transaction's notes into the counters. It fires at commit once per
-- note; the first firing folds them all and marks the transaction folded (a setting local
-- to it, cleared by every new note), so the others return at once: probing the index for
-- notes left would walk past every note already folded, which a bulk change of a million
-- orders made quadratic. Sums of zero are
-- skipped, except for `created_hours`, which has a row for every hour an order was created
-- in, as before.
CREATE FUNCTION order_changes_fold() RETURNS trigger AS $$
DECLARE
    me BIGINT := txid_current();
BEGIN
    IF current_setting('order_changes.folded', true) = 'yes' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('order_changes.folded', 'yes', true);
    INSERT INTO order_totals (status, refunded, currency, orders, amount)
        SELECT status, refunded, currency, SUM(sign), SUM(sign * amount)
        FROM order_changes WHERE tx = me
        GROUP BY status, refunded, currency
        HAVING SUM(sign) <> 0 OR SUM(sign * amount) <> 0
        ORDER BY status, refunded, currency
        ON CONFLICT (status, refunded, currency) DO UPDATE
        SET orders = order_totals.orders + excluded.orders,
            amount = order_totals.amount + excluded.amount;
    INSERT INTO outcome_hours (hour, dimension, key, attempts, succeeded)
        SELECT hour, dimension, key, SUM(sign), SUM(sign * paid) FROM (
            SELECT (c.terminal_at / 3600000) * 3600000 AS hour, d.dimension, d.key, c.sign,
                   CASE WHEN c.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN 1 ELSE 0 END AS paid
            FROM order_changes c
            CROSS JOIN LATERAL (VALUES ('method_type', COALESCE(c.payment_method_type, '(none)')),
                                       ('method', COALESCE(c.payment_method, '(none)')),
                                       ('gateway', COALESCE(c.gateway, '(none)')),
                                       ('error_code', COALESCE(c.error_code, '(none)'))) AS d (dimension, key)
            WHERE c.tx = me AND c.terminal_at IS NOT NULL
              AND (c.status IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') OR c.status IN ('JUSPAY_DECLINED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED',
                    'DECLINED', 'ERROR', 'CAPTURE_FAILED', 'VOID_FAILED'))
        ) AS o
        GROUP BY hour, dimension, key
        HAVING SUM(sign) <> 0 OR SUM(sign * paid) <> 0
        ORDER BY hour, dimension, key
        ON CONFLICT (hour, dimension, key) DO UPDATE
        SET attempts = outcome_hours.attempts + excluded.attempts,
            succeeded = outcome_hours.succeeded + excluded.succeeded;
    INSERT INTO latency_hours (hour, bucket, orders)
        SELECT hour, bucket, SUM(sign) FROM (
            SELECT (c.terminal_at / 3600000) * 3600000 AS hour,
                   COALESCE((SELECT MAX(lower) FROM latency_buckets
                             WHERE lower <= c.terminal_at - COALESCE(c.juspay_created_at, c.created_at)), 0) AS bucket,
                   c.sign
            FROM order_changes c WHERE c.tx = me AND c.terminal_at IS NOT NULL
        ) AS l
        GROUP BY hour, bucket
        HAVING SUM(sign) <> 0
        ORDER BY hour, bucket
        ON CONFLICT (hour, bucket) DO UPDATE SET orders = latency_hours.orders + excluded.orders;
    INSERT INTO created_hours (hour, learned_by_poll, flagged, stale, pending)
        SELECT hour, SUM(poll), SUM(flagged), SUM(stale), SUM(pending) FROM (
            SELECT (created_at / 3600000) * 3600000 AS hour,
                   CASE WHEN paid_via = 'poll' THEN sign ELSE 0 END AS poll,
                   flagged * sign AS flagged,
                   stale * sign AS stale,
                   CASE WHEN terminal_at IS NULL AND status NOT IN ('CHARGED', 'PARTIAL_CHARGED', 'COD_INITIATED') THEN sign ELSE 0 END AS pending
            FROM order_changes WHERE tx = me AND created_at IS NOT NULL
        ) AS h
        GROUP BY hour
        ORDER BY hour
        ON CONFLICT (hour) DO UPDATE
        SET learned_by_poll = created_hours.learned_by_poll + excluded.learned_by_poll,
            flagged = created_hours.flagged + excluded.flagged,
            stale = created_hours.stale + excluded.stale,
            pending = created_hours.pending + excluded.pending;
    DELETE FROM order_changes WHERE tx = me;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER order_changes_fold AFTER INSERT ON order_changes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION order_changes_fold();

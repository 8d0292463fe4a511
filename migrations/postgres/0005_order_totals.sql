-- The orders list shows the count and amount of the filtered set. For the filters staff use
-- most (none, a status group, an exact status) those figures come from these counters, kept
-- exact by a trigger inside the same transaction as every change to an order, so the list
-- costs the same at 10 k and at 1 M orders. Other filters count the matching rows.
CREATE TABLE order_totals (
    status    TEXT    NOT NULL,
    -- 1 when some money was returned (amount_refunded > 0): the "refunded" group
    refunded  BIGINT  NOT NULL,
    currency  TEXT    NOT NULL,
    orders    BIGINT  NOT NULL,
    amount    BIGINT  NOT NULL,
    PRIMARY KEY (status, refunded, currency)
);

INSERT INTO order_totals (status, refunded, currency, orders, amount)
    SELECT status, CASE WHEN amount_refunded > 0 THEN 1 ELSE 0 END, currency, COUNT(*), SUM(amount)
    FROM orders GROUP BY 1, 2, 3;

-- Adds `sign` orders of `amount` to one counter. Concurrent transactions that touch the
-- same counter wait for each other's commit; the trigger below always touches an order's
-- two counters in key order, so two such transactions cannot deadlock on them.
CREATE FUNCTION order_totals_add(k_status TEXT, k_refunded BIGINT, k_currency TEXT,
                                 sign BIGINT, k_amount BIGINT) RETURNS void AS $$
BEGIN
    -- PL/pgSQL, not SQL: it keeps the statement's plan between calls.
    INSERT INTO order_totals (status, refunded, currency, orders, amount)
        VALUES (k_status, k_refunded, k_currency, sign, sign * k_amount)
        ON CONFLICT (status, refunded, currency)
        DO UPDATE SET orders = order_totals.orders + sign,
                      amount = order_totals.amount + sign * k_amount;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION order_totals_track() RETURNS trigger AS $$
DECLARE
    old_key TEXT;
    new_key TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM order_totals_add(NEW.status, (NEW.amount_refunded > 0)::int, NEW.currency, 1, NEW.amount);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM order_totals_add(OLD.status, (OLD.amount_refunded > 0)::int, OLD.currency, -1, OLD.amount);
    ELSIF OLD.status <> NEW.status OR OLD.amount <> NEW.amount OR OLD.currency <> NEW.currency
          OR (OLD.amount_refunded > 0) <> (NEW.amount_refunded > 0) THEN
        old_key := OLD.status || '|' || (OLD.amount_refunded > 0)::int || '|' || OLD.currency;
        new_key := NEW.status || '|' || (NEW.amount_refunded > 0)::int || '|' || NEW.currency;
        IF old_key <= new_key THEN
            PERFORM order_totals_add(OLD.status, (OLD.amount_refunded > 0)::int, OLD.currency, -1, OLD.amount);
            PERFORM order_totals_add(NEW.status, (NEW.amount_refunded > 0)::int, NEW.currency, 1, NEW.amount);
        ELSE
            PERFORM order_totals_add(NEW.status, (NEW.amount_refunded > 0)::int, NEW.currency, 1, NEW.amount);
            PERFORM order_totals_add(OLD.status, (OLD.amount_refunded > 0)::int, OLD.currency, -1, OLD.amount);
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER order_totals_track AFTER INSERT OR UPDATE OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION order_totals_track();

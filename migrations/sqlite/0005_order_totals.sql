-- The orders list shows the count and amount of the filtered set. For the filters staff use
-- most (none, a status group, an exact status) those figures come from these counters, kept
-- exact by triggers inside the same transaction as every change to an order, so the list
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
    SELECT status, amount_refunded > 0, currency, COUNT(*), SUM(amount)
    FROM orders GROUP BY status, amount_refunded > 0, currency;

CREATE TRIGGER order_totals_insert AFTER INSERT ON orders
BEGIN
    INSERT INTO order_totals (status, refunded, currency, orders, amount)
        VALUES (NEW.status, NEW.amount_refunded > 0, NEW.currency, 1, NEW.amount)
        ON CONFLICT (status, refunded, currency)
        DO UPDATE SET orders = orders + 1, amount = amount + excluded.amount;
END;

CREATE TRIGGER order_totals_update AFTER UPDATE OF status, amount, currency, amount_refunded
    ON orders
    WHEN OLD.status <> NEW.status OR OLD.amount <> NEW.amount OR OLD.currency <> NEW.currency
        OR (OLD.amount_refunded > 0) <> (NEW.amount_refunded > 0)
BEGIN
    UPDATE order_totals SET orders = orders - 1, amount = amount - OLD.amount
        WHERE status = OLD.status AND refunded = (OLD.amount_refunded > 0)
        AND currency = OLD.currency;
    INSERT INTO order_totals (status, refunded, currency, orders, amount)
        VALUES (NEW.status, NEW.amount_refunded > 0, NEW.currency, 1, NEW.amount)
        ON CONFLICT (status, refunded, currency)
        DO UPDATE SET orders = orders + 1, amount = amount + excluded.amount;
END;

CREATE TRIGGER order_totals_delete AFTER DELETE ON orders
BEGIN
    UPDATE order_totals SET orders = orders - 1, amount = amount - OLD.amount
        WHERE status = OLD.status AND refunded = (OLD.amount_refunded > 0)
        AND currency = OLD.currency;
END;

-- Amounts were stored in hundredths whatever the currency. From this version an amount is
-- in minor units of its currency's ISO 4217 exponent (JPY has none, KWD three), so rows in
-- a currency whose minor unit is not a hundredth are converted, and the per-currency totals
-- rebuilt. The table lists those currencies (from ISO 4217, as the `iso_currency` crate
-- carries it; a test keeps it equal to the code's table).
CREATE TABLE currency_exponents (
    code      TEXT    PRIMARY KEY,
    exponent  INTEGER NOT NULL
);

INSERT INTO currency_exponents (code, exponent) VALUES
    ('BHD', 3),
    ('BIF', 0),
    ('CLF', 4),
    ('CLP', 0),
    ('DJF', 0),
    ('GNF', 0),
    ('IQD', 3),
    ('ISK', 0),
    ('JOD', 3),
    ('JPY', 0),
    ('KMF', 0),
    ('KRW', 0),
    ('KWD', 3),
    ('LYD', 3),
    ('OMR', 3),
    ('PYG', 0),
    ('RWF', 0),
    ('TND', 3),
    ('UGX', 0),
    ('UYI', 0),
    ('UYW', 4),
    ('VND', 0),
    ('VUV', 0),
    ('XAF', 0),
    ('XOF', 0),
    ('XPF', 0);

-- Hundredths to the currency's minor unit: 50000 JPY-hundredths are 500 yen (a fraction of
-- a yen could not have been real and is dropped); 250 KWD-hundredths are 2500 fils.
UPDATE orders SET
    amount = CASE (SELECT exponent FROM currency_exponents WHERE code = UPPER(orders.currency))
        WHEN 0 THEN amount / 100 WHEN 3 THEN amount * 10 WHEN 4 THEN amount * 100 END,
    amount_refunded = CASE (SELECT exponent FROM currency_exponents WHERE code = UPPER(orders.currency))
        WHEN 0 THEN amount_refunded / 100 WHEN 3 THEN amount_refunded * 10
        WHEN 4 THEN amount_refunded * 100 END
WHERE UPPER(currency) IN (SELECT code FROM currency_exponents);

UPDATE refunds SET
    amount = CASE (SELECT exponent FROM currency_exponents WHERE code = UPPER(refunds.currency))
        WHEN 0 THEN amount / 100 WHEN 3 THEN amount * 10 WHEN 4 THEN amount * 100 END
WHERE UPPER(currency) IN (SELECT code FROM currency_exponents);

UPDATE mandates SET
    max_amount = CASE (SELECT exponent FROM currency_exponents WHERE code = UPPER(mandates.currency))
        WHEN 0 THEN max_amount / 100 WHEN 3 THEN max_amount * 10 WHEN 4 THEN max_amount * 100 END
WHERE max_amount IS NOT NULL AND UPPER(currency) IN (SELECT code FROM currency_exponents);

DELETE FROM order_totals;
INSERT INTO order_totals (status, refunded, currency, orders, amount)
    SELECT status, amount_refunded > 0, currency, COUNT(*), SUM(amount)
    FROM orders GROUP BY status, amount_refunded > 0, currency;

-- What a partial capture collected of a held amount (minor units; NULL while nothing is
-- known to differ from the order's amount): refunds are capped by it.
ALTER TABLE orders ADD COLUMN amount_captured BIGINT;

-- Active mandates by end date, for the alert that announces their end a week ahead.
CREATE INDEX mandates_ending ON mandates (status, end_date);

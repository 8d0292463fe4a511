-- Active mandates by end date, for the alert that announces their end a week ahead.
CREATE INDEX mandates_ending ON mandates (status, end_date);

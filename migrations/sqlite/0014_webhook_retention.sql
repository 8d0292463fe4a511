-- Raw deliveries are kept for `retention.webhook_days`; then their body and headers are
-- removed and this records when (NULL while kept). The row and its outcome stay for good.
ALTER TABLE webhook_events ADD COLUMN raw_removed_at BIGINT;
-- The deliveries still holding their raw body, oldest first: what the retention pass reads.
CREATE INDEX webhook_events_raw_kept ON webhook_events (received_at) WHERE raw_removed_at IS NULL;

-- The processor claims the oldest due events: `outcome = 'pending' ... ORDER BY id LIMIT 50`.
-- The index on (outcome, next_attempt_at, id) cannot give them in id order, so every claim
-- read and sorted the whole backlog (8 ms per claim at 80 k pending on PostgreSQL, while a
-- backlog is exactly when processing must be fast). Pending events in arrival order, alone:
-- a claim reads its 50 and stops.
CREATE INDEX webhook_events_due ON webhook_events (id) WHERE outcome = 'pending';

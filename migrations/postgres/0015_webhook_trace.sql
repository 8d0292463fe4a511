-- The W3C traceparent of the request that received a delivery (NULL when tracing was off),
-- so that processing it later continues the same trace.
ALTER TABLE webhook_events ADD COLUMN trace_parent TEXT;

-- The search box matches these exactly (a pasted VPA, gateway reference, RRN, ARN, dispute
-- transaction or Juspay event id); without an index each would scan its table.
CREATE INDEX orders_payer_vpa ON orders (payer_vpa);
CREATE INDEX orders_gateway_reference ON orders (gateway_reference_id);
CREATE INDEX orders_rrn ON orders (rrn);
CREATE INDEX refunds_arn ON refunds (arn);
CREATE INDEX refunds_juspay_refund_id ON refunds (juspay_refund_id);
CREATE INDEX mandates_payer_vpa ON mandates (payer_vpa);
CREATE INDEX disputes_txn ON disputes (txn_id);
CREATE INDEX webhook_events_event_id ON webhook_events (event_id);

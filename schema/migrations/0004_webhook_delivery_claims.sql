-- 0004_webhook_delivery_claims: who holds a stored delivery and when a failed one may be retried,
-- as columns of their own (the error column keeps only the last error message).
ALTER TABLE webhook_deliveries
  ADD COLUMN claimed_until timestamptz,
  ADD COLUMN claimed_by text,
  ADD COLUMN next_attempt_at timestamptz;

CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (received_at, delivery_id)
  WHERE processed_at IS NULL;

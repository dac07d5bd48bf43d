-- 0007_claim_idempotency: a claim sent with an Idempotency-Key records which assignment it made,
-- in the same statement as the claim, so a retry after a lost answer gets that assignment back
-- instead of a second task. The caller is part of the key: one caller cannot read another's.
CREATE TABLE claim_requests (
  caller         text NOT NULL,
  key            text NOT NULL,
  assignment_id  bigint NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (caller, key)
);
-- The periodic round forgets keys after a day.
CREATE INDEX claim_requests_created_idx ON claim_requests (created_at);

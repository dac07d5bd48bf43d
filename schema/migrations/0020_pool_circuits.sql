-- 0035_pool_circuits (issue 15): one circuit breaker per runner pool (app/core/circuitBreaker.ts
-- state, stored as JSON), per project.
CREATE TABLE pool_circuits (
  project_id  bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  pool        text NOT NULL,
  state       jsonb NOT NULL,
  -- What happened, for the one comment on the plan's tracking issue; cleared once posted.
  pending_notice text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, pool)
);

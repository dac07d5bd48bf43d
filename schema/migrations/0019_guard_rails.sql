-- 0019_guard_rails (issue 15): usage evidence, budgets, the kill switch, backoff holds, plan
-- provenance and stop requests.

-- Usage reports are evidence of type `usage` (cumulative per assignment epoch: the latest wins).
ALTER TABLE evidence DROP CONSTRAINT IF EXISTS evidence_type_check;
ALTER TABLE evidence ADD CONSTRAINT evidence_type_check CHECK (type IN ('commit', 'pr', 'review', 'check', 'workflow_run',
  'merge', 'test', 'build', 'deployment', 'note', 'dispatch', 'usage'));
CREATE INDEX evidence_usage_idx ON evidence (project_id, created_at) WHERE type = 'usage';

-- Budgets set through the API (projects without a repository); .github/fleet.yml writes the same
-- column on sync. The kill switch: paused, and what a pause does to running jobs.
ALTER TABLE projects
  ADD COLUMN budgets jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN paused boolean NOT NULL DEFAULT false,
  ADD COLUMN pause_mode text NOT NULL DEFAULT 'drain' CHECK (pause_mode IN ('drain', 'stop')),
  ADD COLUMN backoff jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN circuit_breaker jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Whether the epic issues carry `fleet:paused` now; the app brings it in line with `paused`.
  ADD COLUMN paused_labelled boolean NOT NULL DEFAULT false;

-- Why a task is held when the guard rails held it (NULL = by a person): `budget`, `paused`,
-- `backoff`, `stopped`. Guard holds are released by the guard that set them only.
-- ready_after: a backoff hold ends then. Provenance: the plan file the task text came from.
ALTER TABLE tasks
  ADD COLUMN hold_reason text CHECK (hold_reason IN ('budget', 'paused', 'backoff', 'stopped')),
  ADD COLUMN ready_after timestamptz,
  ADD COLUMN plan_path text,
  ADD COLUMN plan_commit text,
  ADD COLUMN plan_hash text,
  ADD COLUMN untrusted_edit_at timestamptz,
  ADD COLUMN untrusted_edit_by text;
CREATE INDEX tasks_guard_hold_idx ON tasks (project_id, hold_reason) WHERE hold_reason IS NOT NULL;

-- A stop the next heartbeat answers (`/fleet stop`, pause: stop, a spent budget), and when it was
-- first answered: past the grace period the app cancels the workflow run.
ALTER TABLE assignments
  ADD COLUMN stop_reason text,
  ADD COLUMN stop_sent_at timestamptz,
  ADD COLUMN run_cancelled_at timestamptz;

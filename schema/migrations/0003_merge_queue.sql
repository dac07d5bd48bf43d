-- 0003_merge_queue: the merge queue's own state (app/github/mergeQueue).
-- Runs unchanged on PostgreSQL 15 and on PGlite, inside one transaction.
--
-- One row per time a pull request entered the queue. A row is live while its state is queued,
-- updating, waiting_checks or merging; merged, failed and removed rows are history.
--   * mode 'app': the orchestrator updates the branch, waits for checks and merges, one PR at a
--     time per base branch (the head of that base's queue is the one live row past 'queued');
--   * mode 'native': GitHub's merge queue does the work; 'merging' means "in GitHub's queue".

CREATE TABLE merge_queue (
  id                bigserial PRIMARY KEY,
  project_id        bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  base_branch       text NOT NULL,
  task_id           bigint NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  pr_number         integer NOT NULL,
  pr_node_id        text,
  head_sha          text,
  mode              text NOT NULL DEFAULT 'app' CHECK (mode IN ('app', 'native')),
  state             text NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'updating', 'waiting_checks', 'merging', 'merged', 'failed', 'removed')),
  -- What the entry waits for, in words ("waiting for 1.2's PR #12", "checks on 1a2b3c4: build").
  waiting_for       text,
  -- Place among the live entries of its base branch (1 = next to merge); NULL once finished.
  position          integer,
  -- Last seen review and check state of the PR's head (refreshed on review and check events).
  approvals         integer NOT NULL DEFAULT 0,
  changes_requested integer NOT NULL DEFAULT 0,
  checks            text NOT NULL DEFAULT 'pending' CHECK (checks IN ('success', 'pending', 'failure', 'none')),
  -- The failing or still running checks behind that state.
  check_names       text[] NOT NULL DEFAULT '{}',
  -- Names of the checks seen on an earlier head: an updated head waits until they report again.
  expected_checks   text[] NOT NULL DEFAULT '{}',
  -- 'auto' (approved and green) or the login that asked with /fleet merge.
  enqueued_by       text NOT NULL DEFAULT 'auto',
  branch_updated_at timestamptz,
  merge_sha         text,
  -- Why the entry left the queue (failed or removed).
  reason            text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz
);

-- A pull request is in the queue at most once at a time.
CREATE UNIQUE INDEX merge_queue_live_pr_uniq ON merge_queue (project_id, pr_number)
  WHERE state IN ('queued', 'updating', 'waiting_checks', 'merging');
-- One at a time per base branch: at most one app-mode entry past 'queued'.
CREATE UNIQUE INDEX merge_queue_head_uniq ON merge_queue (project_id, base_branch)
  WHERE mode = 'app' AND state IN ('updating', 'waiting_checks', 'merging');
CREATE INDEX merge_queue_live_idx ON merge_queue (project_id, base_branch, created_at)
  WHERE state IN ('queued', 'updating', 'waiting_checks', 'merging');
CREATE INDEX merge_queue_head_sha_idx ON merge_queue (project_id, head_sha)
  WHERE state IN ('queued', 'updating', 'waiting_checks', 'merging');
CREATE INDEX merge_queue_task_idx ON merge_queue (task_id, created_at DESC);

-- 0030_feedback (#14): what a task's PR was told (failed checks, changes requested, /fleet revise,
-- conflicts), kept per task and round, and the round a task is in. One row per source event:
-- `source` names the event (check run id, review id, comment id, base sha), so a replayed
-- delivery adds nothing.
CREATE TABLE feedback (
  id          bigserial PRIMARY KEY,
  task_id     bigint NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('checks_failed', 'changes_requested', 'revise_command', 'conflict')),
  source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
  author      text CHECK (author IS NULL OR length(author) <= 100),
  url         text CHECK (url IS NULL OR (length(url) <= 2000 AND url ~ '^https?://')),
  text        text NOT NULL CHECK (length(text) <= 65536),
  files       jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(files) = 'array'),
  round       integer NOT NULL CHECK (round >= 1),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (task_id, source)
);
CREATE INDEX feedback_task_round ON feedback (task_id, round);

-- round: revise/rebase rounds started so far; round_mode: what the next dispatch does with the
-- task's branch (NULL = a new branch); pr_state: the task PR's state as the webhooks last said;
-- needs_human_at: when maxRounds stopped the rounds (the summary comment is written once).
ALTER TABLE tasks
  ADD COLUMN round integer NOT NULL DEFAULT 0 CHECK (round >= 0),
  ADD COLUMN round_mode text CHECK (round_mode IS NULL OR round_mode IN ('revise', 'rebase')),
  ADD COLUMN pr_state text CHECK (pr_state IS NULL OR pr_state IN ('open', 'failing', 'conflicting', 'approved', 'merged')),
  ADD COLUMN needs_human_at timestamptz;

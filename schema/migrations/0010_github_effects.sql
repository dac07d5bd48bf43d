-- 0010_github_effects: every GitHub write made while handling a webhook delivery, keyed by the
-- delivery and the effect, so a re-run of the delivery (after a crash or a failed attempt) skips
-- what was done. `intent` is written before a write whose outcome must survive a crash (the
-- claim a workflow_dispatch is for); `done_at`/`result` once GitHub answered.
CREATE TABLE github_effects (
  delivery_id  text NOT NULL,
  effect_key   text NOT NULL,
  intent       jsonb,
  started_at   timestamptz NOT NULL DEFAULT now(),
  done_at      timestamptz,
  result       jsonb,
  PRIMARY KEY (delivery_id, effect_key)
);
CREATE INDEX github_effects_started_idx ON github_effects (started_at);
-- A claim belongs to one delivery's dispatch: a run adopting an unrecorded claim after a crash
-- and the run that made it cannot both dispatch it.
CREATE UNIQUE INDEX github_effects_assignment_uniq ON github_effects ((intent->>'assignmentId'))
  WHERE intent->>'assignmentId' IS NOT NULL;

-- The last explanatory reply the app gave a person without command rights on an issue: at most
-- one an hour, across processes (outsiders otherwise spend the App's write budget).
CREATE TABLE github_command_replies (
  project_id    bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  issue_number  integer NOT NULL,
  login         text NOT NULL,
  delivery_id   text NOT NULL,
  replied_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, issue_number, login)
);

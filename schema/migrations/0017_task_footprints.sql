-- 0032_task_footprints: the files a task is expected to touch (issue 14, parallel work that does
-- not collide). Three sources make up a task's footprint, kept apart so each writer owns its part:
--   plan_footprint: the plan's `Files:` line and backticked paths, written by the seeder on every door;
--   pr_files:       the files the task's PR actually changed, written on pull_request opened/synchronize;
--   footprint:      their sorted union, what the scheduler and the merge queue read (one column, no
--                   unnest at claim time). Every writer sets it in the same statement as its part.
-- projects.conflict_mode is the repository's `scheduling.conflicts` (NULL = the default, avoid).
-- Runs unchanged on PostgreSQL 15 and on PGlite, inside one transaction.

ALTER TABLE tasks
  ADD COLUMN plan_footprint text[] NOT NULL DEFAULT '{}',
  ADD COLUMN pr_files       text[] NOT NULL DEFAULT '{}',
  ADD COLUMN footprint      text[] NOT NULL DEFAULT '{}';

ALTER TABLE projects
  ADD COLUMN conflict_mode text CHECK (conflict_mode IN ('avoid', 'forbid', 'ignore'));

-- The busy set of a claim: a project's tasks under way that name files. Partial, so it stays small.
CREATE INDEX tasks_busy_footprint_idx ON tasks (project_id)
  WHERE status IN ('assigned', 'in_progress', 'in_review') AND footprint <> '{}';

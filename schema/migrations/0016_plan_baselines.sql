-- 0019_plan_baselines: the plan a project set out with, to hold reality against (issue 16).
-- A baseline is the HLFET schedule of the work at seed (or sync) time: a planned start and finish
-- per task, with the agent count it assumed. It changes only when someone asks (`fleet plan
-- baseline`); the latest row per project is the one in force, older ones are history.
-- Runs unchanged on PostgreSQL 15 and on PGlite, inside one transaction.

CREATE TABLE plan_baselines (
  id              bigserial PRIMARY KEY,
  project_id      bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  agents          integer NOT NULL CHECK (agents BETWEEN 1 AND 100000),
  -- Agent working hours per calendar day (calendar.hoursPerDay) that turned hours into dates.
  hours_per_day   numeric(5,2) NOT NULL DEFAULT 24 CHECK (hours_per_day > 0 AND hours_per_day <= 24),
  makespan_hours  numeric(12,2) NOT NULL CHECK (makespan_hours >= 0),
  reason          text NOT NULL CHECK (reason IN ('seed', 'sync', 'request')),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_baselines_project_idx ON plan_baselines (project_id, created_at DESC, id DESC);

CREATE TABLE plan_baseline_tasks (
  baseline_id           bigint NOT NULL REFERENCES plan_baselines(id) ON DELETE CASCADE,
  -- Kept by key too: a task deleted from the plan later still shows what was planned for it.
  task_id               bigint REFERENCES tasks(id) ON DELETE SET NULL,
  task_key              text NOT NULL,
  estimated_hours       numeric(10,2) NOT NULL CHECK (estimated_hours >= 0),
  planned_start_hours   numeric(12,2) NOT NULL CHECK (planned_start_hours >= 0),
  planned_finish_hours  numeric(12,2) NOT NULL CHECK (planned_finish_hours >= planned_start_hours),
  planned_start         timestamptz NOT NULL,
  planned_finish        timestamptz NOT NULL,
  PRIMARY KEY (baseline_id, task_key)
);
CREATE INDEX plan_baseline_tasks_task_idx ON plan_baseline_tasks (task_id) WHERE task_id IS NOT NULL;

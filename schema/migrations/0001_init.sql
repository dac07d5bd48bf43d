-- 0001_init: the orchestrator's model.
-- Shipped migrations are never edited: a change is a new numbered file.
-- Runs unchanged on PostgreSQL 15 and on PGlite, inside one transaction.

CREATE TABLE projects (
  id              bigserial PRIMARY KEY,
  owner           text NOT NULL,
  repo            text NOT NULL,
  default_branch  text NOT NULL DEFAULT 'main',
  installation_id bigint,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (owner, repo)
);

CREATE TABLE epics (
  id             bigserial PRIMARY KEY,
  project_id     bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  key            text NOT NULL,
  title          text NOT NULL,
  priority       smallint NOT NULL DEFAULT 2 CHECK (priority BETWEEN 0 AND 3),
  declared_hours numeric(10,2),
  issue_number   integer,
  issue_node_id  text,
  source_line    integer,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, key)
);

-- The closed set of task statuses. Readiness is not a status: it is derived
-- from dependencies (view task_readiness), so it can never go stale.
CREATE TABLE task_statuses (
  status text PRIMARY KEY
);
INSERT INTO task_statuses (status) VALUES
  ('pending'), ('assigned'), ('in_progress'), ('in_review'), ('done'), ('failed'), ('cancelled');

-- Legal transitions; mirrors app/core/taskStatus.ts (a test keeps the two equal).
CREATE TABLE task_transitions (
  from_status text NOT NULL REFERENCES task_statuses(status),
  to_status   text NOT NULL REFERENCES task_statuses(status),
  PRIMARY KEY (from_status, to_status)
);
INSERT INTO task_transitions (from_status, to_status) VALUES
  ('pending', 'assigned'), ('pending', 'in_review'), ('pending', 'done'), ('pending', 'cancelled'), ('pending', 'failed'),
  ('assigned', 'in_progress'), ('assigned', 'in_review'), ('assigned', 'pending'), ('assigned', 'done'),
  ('assigned', 'failed'), ('assigned', 'cancelled'),
  ('in_progress', 'in_review'), ('in_progress', 'pending'), ('in_progress', 'done'), ('in_progress', 'failed'),
  ('in_progress', 'cancelled'),
  ('in_review', 'in_progress'), ('in_review', 'pending'), ('in_review', 'done'), ('in_review', 'failed'),
  ('in_review', 'cancelled'),
  ('failed', 'pending'), ('failed', 'cancelled'), ('failed', 'done'),
  ('cancelled', 'pending'),
  ('done', 'pending');

CREATE TABLE tasks (
  id                   bigserial PRIMARY KEY,
  project_id           bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  epic_id              bigint REFERENCES epics(id) ON DELETE SET NULL,
  key                  text NOT NULL,
  title                text NOT NULL,
  body                 text NOT NULL DEFAULT '',
  deliverables         jsonb NOT NULL DEFAULT '[]'::jsonb,
  estimated_hours      numeric(10,2) NOT NULL DEFAULT 0 CHECK (estimated_hours >= 0),
  priority             smallint NOT NULL DEFAULT 2 CHECK (priority BETWEEN 0 AND 3),
  -- Hours on the longest dependency chain that starts with this task: the queue's first ordering key.
  critical_path_hours  numeric(12,2) NOT NULL DEFAULT 0,
  status               text NOT NULL DEFAULT 'pending' REFERENCES task_statuses(status),
  held                 boolean NOT NULL DEFAULT false,
  issue_number         integer,
  issue_node_id        text,
  branch               text,
  pr_number            integer,
  required_pool        text,
  required_capabilities text[] NOT NULL DEFAULT '{}',
  attempts             integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  lease_epoch          bigint NOT NULL DEFAULT 0,
  lease_expires_at     timestamptz,
  failure_reason       text,
  source_line          integer,
  ready_since          timestamptz,
  started_at           timestamptz,
  completed_at         timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, key)
);
CREATE INDEX tasks_status_idx ON tasks (project_id, status);
CREATE INDEX tasks_epic_idx ON tasks (epic_id);
CREATE INDEX tasks_lease_idx ON tasks (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
CREATE INDEX tasks_issue_idx ON tasks (project_id, issue_number) WHERE issue_number IS NOT NULL;
CREATE INDEX tasks_branch_idx ON tasks (project_id, branch) WHERE branch IS NOT NULL;
-- The Postgres-only claim path walks this index in queue order and skips locked rows.
-- ready_since is kept by the engine from task_readiness: set while a task is ready, NULL otherwise.
CREATE INDEX tasks_ready_order_idx ON tasks (critical_path_hours DESC, priority, ready_since, id)
  WHERE status = 'pending' AND ready_since IS NOT NULL AND NOT held;

-- An illegal status change is refused by the database itself, whatever wrote it.
CREATE FUNCTION fleet_check_task_transition() RETURNS trigger AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NOT EXISTS (SELECT 1 FROM task_transitions t
                   WHERE t.from_status = OLD.status AND t.to_status = NEW.status) THEN
      RAISE EXCEPTION 'illegal task transition % -> % for task %', OLD.status, NEW.status, OLD.key
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tasks_transition_guard BEFORE UPDATE ON tasks
  FOR EACH ROW EXECUTE FUNCTION fleet_check_task_transition();

-- One edge table for every dependency kind. The dependent is a task or a whole epic;
-- the prerequisite is a task or an epic reached at threshold_percent of its estimated hours.
CREATE TABLE dependencies (
  id                  bigserial PRIMARY KEY,
  project_id          bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  task_id             bigint REFERENCES tasks(id) ON DELETE CASCADE,
  epic_id             bigint REFERENCES epics(id) ON DELETE CASCADE,
  depends_on_task_id  bigint REFERENCES tasks(id) ON DELETE CASCADE,
  depends_on_epic_id  bigint REFERENCES epics(id) ON DELETE CASCADE,
  threshold_percent   numeric(5,2) NOT NULL DEFAULT 100 CHECK (threshold_percent > 0 AND threshold_percent <= 100),
  created_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((task_id IS NULL) <> (epic_id IS NULL)),
  CHECK ((depends_on_task_id IS NULL) <> (depends_on_epic_id IS NULL)),
  CHECK (depends_on_task_id IS NULL OR threshold_percent = 100),
  CHECK (task_id IS NULL OR depends_on_task_id IS NULL OR task_id <> depends_on_task_id)
);
CREATE UNIQUE INDEX dependencies_edge_uniq ON dependencies
  (COALESCE(task_id, 0), COALESCE(epic_id, 0), COALESCE(depends_on_task_id, 0), COALESCE(depends_on_epic_id, 0));
CREATE INDEX dependencies_task_idx ON dependencies (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX dependencies_epic_idx ON dependencies (epic_id) WHERE epic_id IS NOT NULL;
CREATE INDEX dependencies_on_task_idx ON dependencies (depends_on_task_id) WHERE depends_on_task_id IS NOT NULL;
CREATE INDEX dependencies_on_epic_idx ON dependencies (depends_on_epic_id) WHERE depends_on_epic_id IS NOT NULL;

CREATE TABLE agents (
  id                 bigserial PRIMARY KEY,
  name               text NOT NULL UNIQUE,
  pool               text NOT NULL DEFAULT 'default',
  labels             text[] NOT NULL DEFAULT '{}',
  capacity           integer NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 1000),
  kind               text NOT NULL DEFAULT 'local' CHECK (kind IN ('vm', 'aks', 'local')),
  last_heartbeat_at  timestamptz,
  active             boolean NOT NULL DEFAULT true,
  token_hash         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX agents_token_hash_uniq ON agents (token_hash) WHERE token_hash IS NOT NULL;

CREATE TABLE assignments (
  id                bigserial PRIMARY KEY,
  task_id           bigint NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  agent_id          bigint REFERENCES agents(id) ON DELETE SET NULL,
  pool              text,
  epoch             bigint NOT NULL,
  status            text NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'completed', 'failed', 'released', 'expired', 'cancelled')),
  percent_complete  smallint NOT NULL DEFAULT 0 CHECK (percent_complete BETWEEN 0 AND 100),
  notes             text,
  end_reason        text,
  workflow_run_id   bigint,
  runner_name       text,
  lease_expires_at  timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  ended_at          timestamptz,
  UNIQUE (task_id, epoch)
);
-- The rule the old system lacked: a task is held by at most one live assignment.
CREATE UNIQUE INDEX assignments_one_active_per_task ON assignments (task_id) WHERE status = 'active';
CREATE INDEX assignments_agent_active_idx ON assignments (agent_id) WHERE status = 'active';
CREATE INDEX assignments_lease_idx ON assignments (lease_expires_at) WHERE status = 'active';

CREATE TABLE evidence (
  id           bigserial PRIMARY KEY,
  project_id   bigint REFERENCES projects(id) ON DELETE CASCADE,
  task_id      bigint REFERENCES tasks(id) ON DELETE CASCADE,
  type         text NOT NULL CHECK (type IN ('commit', 'pr', 'review', 'check', 'workflow_run', 'merge', 'test',
                                             'build', 'deployment', 'note', 'dispatch')),
  ref          text,
  url          text,
  source       text NOT NULL CHECK (source IN ('webhook', 'agent', 'app')),
  delivery_id  text,
  agent_id     bigint REFERENCES agents(id) ON DELETE SET NULL,
  metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX evidence_delivery_uniq ON evidence (delivery_id, task_id, type) WHERE delivery_id IS NOT NULL;
CREATE INDEX evidence_task_idx ON evidence (task_id, created_at DESC);
CREATE INDEX evidence_recent_idx ON evidence (created_at DESC);

CREATE TABLE webhook_deliveries (
  delivery_id   text PRIMARY KEY,
  event         text NOT NULL,
  action        text,
  installation_id bigint,
  payload       jsonb NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  processed_at  timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  error         text
);
CREATE INDEX webhook_deliveries_unprocessed_idx ON webhook_deliveries (received_at) WHERE processed_at IS NULL;

CREATE TABLE progress_snapshots (
  id             bigserial PRIMARY KEY,
  project_id     bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  taken_at       timestamptz NOT NULL DEFAULT now(),
  tasks_total    integer NOT NULL,
  tasks_done     integer NOT NULL,
  hours_total    numeric(12,2) NOT NULL,
  hours_done     numeric(12,2) NOT NULL,
  active_agents  integer NOT NULL,
  by_status      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX progress_snapshots_project_idx ON progress_snapshots (project_id, taken_at DESC);

-- Percent complete of an epic, weighted by estimated hours (cancelled work leaves the denominator).
CREATE VIEW epic_progress AS
SELECT e.id AS epic_id,
       e.project_id,
       e.key,
       e.title,
       e.priority,
       e.declared_hours,
       count(t.id) FILTER (WHERE t.status <> 'cancelled')::int AS tasks_total,
       count(t.id) FILTER (WHERE t.status = 'done')::int AS tasks_done,
       COALESCE(sum(t.estimated_hours) FILTER (WHERE t.status <> 'cancelled'), 0)::numeric AS hours_total,
       COALESCE(sum(t.estimated_hours) FILTER (WHERE t.status = 'done'), 0)::numeric AS hours_done,
       CASE
         WHEN COALESCE(sum(t.estimated_hours) FILTER (WHERE t.status <> 'cancelled'), 0) > 0 THEN
           round(100 * COALESCE(sum(t.estimated_hours) FILTER (WHERE t.status = 'done'), 0)
                 / sum(t.estimated_hours) FILTER (WHERE t.status <> 'cancelled'), 2)
         WHEN count(t.id) FILTER (WHERE t.status <> 'cancelled') = 0 THEN 100
         ELSE round(100.0 * count(t.id) FILTER (WHERE t.status = 'done')
                    / count(t.id) FILTER (WHERE t.status <> 'cancelled'), 2)
       END AS percent
FROM epics e
LEFT JOIN tasks t ON t.epic_id = e.id
GROUP BY e.id;

-- A task is ready when it is pending, not held, and every dependency is met: its own
-- and its epic's; an epic prerequisite is met once enough of its hours are done.
CREATE VIEW task_readiness AS
WITH unmet AS (
  SELECT t.id AS task_id, count(*) AS n
  FROM tasks t
  JOIN dependencies d ON d.task_id = t.id OR (d.epic_id IS NOT NULL AND d.epic_id = t.epic_id)
  LEFT JOIN tasks dt ON dt.id = d.depends_on_task_id
  LEFT JOIN epic_progress ep ON ep.epic_id = d.depends_on_epic_id
  WHERE (d.depends_on_task_id IS NOT NULL AND dt.status NOT IN ('done', 'cancelled'))
     OR (d.depends_on_epic_id IS NOT NULL AND ep.percent < d.threshold_percent)
  GROUP BY t.id
)
SELECT t.id AS task_id,
       t.project_id,
       t.key,
       t.status,
       t.held,
       COALESCE(u.n, 0)::int AS unmet_dependencies,
       (t.status = 'pending' AND NOT t.held AND COALESCE(u.n, 0) = 0) AS ready
FROM tasks t
LEFT JOIN unmet u ON u.task_id = t.id;

CREATE VIEW agent_status AS
SELECT a.id AS agent_id,
       a.name,
       a.pool,
       a.labels,
       a.kind,
       a.capacity,
       a.active,
       a.last_heartbeat_at,
       EXTRACT(EPOCH FROM (now() - a.last_heartbeat_at))::float8 AS heartbeat_age_seconds,
       (SELECT count(*) FROM assignments s WHERE s.agent_id = a.id AND s.status = 'active')::int AS active_assignments,
       (SELECT count(*) FROM assignments s WHERE s.agent_id = a.id AND s.status = 'completed')::int AS tasks_done,
       (SELECT count(*) FROM assignments s WHERE s.agent_id = a.id AND s.status IN ('failed', 'expired'))::int AS failures
FROM agents a;

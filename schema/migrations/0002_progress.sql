-- 0002_progress: what keeps the progress API fast at scale (100k tasks, 1M evidence rows).
-- Runs unchanged on PostgreSQL 15 and on PGlite, inside one transaction.
--
-- Task counts and estimated hours per (project, epic, status) are kept incrementally:
--   * progress_rollup holds the folded totals;
--   * triggers on tasks append signed changes to progress_rollup_delta (insert-only, so
--     concurrent claims never wait on one hot counter row and never deadlock on it);
--   * the reader sums rollup + deltas in one statement (one snapshot, always exact);
--   * compaction folds the deltas into the rollup (periodic job, snapshots, or a reader that
--     finds many deltas), in one statement, so readers never see a half-folded state.

CREATE TABLE progress_rollup (
  project_id  bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  epic_id     bigint NOT NULL DEFAULT 0,            -- 0: task without an epic
  status      text NOT NULL,
  tasks       bigint NOT NULL DEFAULT 0,
  hours       numeric(14,2) NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, epic_id, status)
);

-- No foreign key: a project being deleted writes its negative deltas while it disappears;
-- compaction drops deltas of projects that no longer exist.
CREATE TABLE progress_rollup_delta (
  id          bigserial PRIMARY KEY,
  project_id  bigint NOT NULL,
  epic_id     bigint NOT NULL,
  status      text NOT NULL,
  tasks       integer NOT NULL,
  hours       numeric(14,2) NOT NULL
);
CREATE INDEX progress_rollup_delta_project_idx ON progress_rollup_delta (project_id);

INSERT INTO progress_rollup (project_id, epic_id, status, tasks, hours)
SELECT project_id, COALESCE(epic_id, 0), status, count(*), COALESCE(sum(estimated_hours), 0)
FROM tasks GROUP BY 1, 2, 3;

CREATE FUNCTION fleet_rollup_inserted() RETURNS trigger AS $$
BEGIN
  INSERT INTO progress_rollup_delta (project_id, epic_id, status, tasks, hours)
  SELECT project_id, COALESCE(epic_id, 0), status, count(*), COALESCE(sum(estimated_hours), 0)
  FROM fleet_new_rows GROUP BY 1, 2, 3;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION fleet_rollup_deleted() RETURNS trigger AS $$
BEGIN
  INSERT INTO progress_rollup_delta (project_id, epic_id, status, tasks, hours)
  SELECT project_id, COALESCE(epic_id, 0), status, -count(*), -COALESCE(sum(estimated_hours), 0)
  FROM fleet_old_rows GROUP BY 1, 2, 3;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION fleet_rollup_updated() RETURNS trigger AS $$
BEGIN
  INSERT INTO progress_rollup_delta (project_id, epic_id, status, tasks, hours) VALUES
    (OLD.project_id, COALESCE(OLD.epic_id, 0), OLD.status, -1, -OLD.estimated_hours),
    (NEW.project_id, COALESCE(NEW.epic_id, 0), NEW.status, 1, NEW.estimated_hours);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION fleet_rollup_truncated() RETURNS trigger AS $$
BEGIN
  DELETE FROM progress_rollup;
  DELETE FROM progress_rollup_delta;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Bulk writes (seeding 100k tasks) cost one grouped insert per statement, not one per row.
CREATE TRIGGER tasks_rollup_insert AFTER INSERT ON tasks
  REFERENCING NEW TABLE AS fleet_new_rows FOR EACH STATEMENT EXECUTE FUNCTION fleet_rollup_inserted();
CREATE TRIGGER tasks_rollup_delete AFTER DELETE ON tasks
  REFERENCING OLD TABLE AS fleet_old_rows FOR EACH STATEMENT EXECUTE FUNCTION fleet_rollup_deleted();
-- Lease extensions and other updates that change nothing counted cost nothing (WHEN is checked first).
CREATE TRIGGER tasks_rollup_update AFTER UPDATE OF status, estimated_hours, epic_id, project_id ON tasks
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.estimated_hours IS DISTINCT FROM NEW.estimated_hours
        OR OLD.epic_id IS DISTINCT FROM NEW.epic_id OR OLD.project_id IS DISTINCT FROM NEW.project_id)
  EXECUTE FUNCTION fleet_rollup_updated();
CREATE TRIGGER tasks_rollup_truncate AFTER TRUNCATE ON tasks
  FOR EACH STATEMENT EXECUTE FUNCTION fleet_rollup_truncated();

-- Velocity reads the snapshot at the start of its window and the latest one (index already
-- exists on (project_id, taken_at DESC)); the fleet-wide history reads by time.
CREATE INDEX progress_snapshots_taken_idx ON progress_snapshots (taken_at);

-- Agent utilisation over a window: assignments that ended inside it or are still running.
CREATE INDEX assignments_agent_window_idx ON assignments (agent_id, ended_at);

-- Merge queue: tasks in review, and the reviews/checks of each (evidence by task and type).
CREATE INDEX tasks_in_review_idx ON tasks (project_id) WHERE status = 'in_review';
CREATE INDEX evidence_task_type_idx ON evidence (task_id, type, created_at DESC);
-- Evidence feed of one project.
CREATE INDEX evidence_project_recent_idx ON evidence (project_id, created_at DESC);

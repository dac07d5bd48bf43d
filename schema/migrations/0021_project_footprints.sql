-- 0021_project_footprints (issue 12): how many of a project's tasks name files (tasks.footprint
-- non-empty). The claim path reads it instead of asking, on every claim, whether work under way
-- names files: a project with no footprint at all keeps the plain one-row claim, with no extra
-- query (the Postgres claim reads it in its pick statement, the Redis index carries the set of
-- projects above zero). Triggers keep it, so every writer of tasks.footprint (the seeder, a PR's
-- files, a fixture, a future writer) maintains it without knowing. A count and not a flag, so a
-- task that stops naming files can take its project back to zero.
-- Runs unchanged on PostgreSQL 15 and on PGlite, inside one transaction.

ALTER TABLE projects ADD COLUMN footprint_tasks integer NOT NULL DEFAULT 0;

UPDATE projects p SET footprint_tasks = c.n
FROM (SELECT project_id, count(*)::int AS n FROM tasks WHERE footprint <> '{}' GROUP BY project_id) c
WHERE p.id = c.project_id;

-- Bulk writes (seeding 100k tasks) cost one grouped update per statement, not one per row.
CREATE FUNCTION fleet_footprints_inserted() RETURNS trigger AS $$
BEGIN
  UPDATE projects p SET footprint_tasks = p.footprint_tasks + d.n
  FROM (SELECT project_id, count(*)::int AS n FROM fleet_new_rows WHERE footprint <> '{}' GROUP BY project_id) d
  WHERE p.id = d.project_id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION fleet_footprints_deleted() RETURNS trigger AS $$
BEGIN
  UPDATE projects p SET footprint_tasks = GREATEST(0, p.footprint_tasks - d.n)
  FROM (SELECT project_id, count(*)::int AS n FROM fleet_old_rows WHERE footprint <> '{}' GROUP BY project_id) d
  WHERE p.id = d.project_id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION fleet_footprints_updated() RETURNS trigger AS $$
BEGIN
  IF OLD.footprint <> '{}' THEN
    UPDATE projects SET footprint_tasks = GREATEST(0, footprint_tasks - 1) WHERE id = OLD.project_id;
  END IF;
  IF NEW.footprint <> '{}' THEN
    UPDATE projects SET footprint_tasks = footprint_tasks + 1 WHERE id = NEW.project_id;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION fleet_footprints_truncated() RETURNS trigger AS $$
BEGIN
  UPDATE projects SET footprint_tasks = 0 WHERE footprint_tasks <> 0;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tasks_footprints_insert AFTER INSERT ON tasks
  REFERENCING NEW TABLE AS fleet_new_rows FOR EACH STATEMENT EXECUTE FUNCTION fleet_footprints_inserted();
CREATE TRIGGER tasks_footprints_delete AFTER DELETE ON tasks
  REFERENCING OLD TABLE AS fleet_old_rows FOR EACH STATEMENT EXECUTE FUNCTION fleet_footprints_deleted();
-- Claims, leases and status changes never set footprint, so they never fire this; a seed that
-- rewrites the same files fires it but changes nothing counted, which WHEN checks first.
CREATE TRIGGER tasks_footprints_update AFTER UPDATE OF footprint, project_id ON tasks
  FOR EACH ROW
  WHEN ((OLD.footprint <> '{}') IS DISTINCT FROM (NEW.footprint <> '{}') OR OLD.project_id IS DISTINCT FROM NEW.project_id)
  EXECUTE FUNCTION fleet_footprints_updated();
CREATE TRIGGER tasks_footprints_truncate AFTER TRUNCATE ON tasks
  FOR EACH STATEMENT EXECUTE FUNCTION fleet_footprints_truncated();

-- 0013_readiness_predicate: one readiness predicate (issue 12).
-- Two questions were answered by copies of the same SQL: "which dependencies of this task are
-- still unmet?" (task_readiness, the /fleet status reply, the merge queue) and "is this task in
-- the queue now?" (status = 'pending' AND ready_since IS NOT NULL AND NOT held, in every queue
-- query, both claim statements and the metrics). Each now has one definition here.

-- One row per unmet dependency of a task: its own edges and its epic's. An epic prerequisite is
-- met once its hours-weighted percent reaches the threshold (epic_progress).
CREATE VIEW task_unmet_dependencies AS
SELECT t.id AS task_id,
       t.project_id,
       d.id AS dependency_id,
       d.depends_on_task_id,
       d.depends_on_epic_id,
       d.threshold_percent,
       COALESCE(dt.key, 'epic ' || de.key || CASE WHEN d.threshold_percent < 100 THEN ' at ' || d.threshold_percent::int || '%' ELSE '' END) AS label
FROM tasks t
JOIN dependencies d ON d.task_id = t.id OR (d.epic_id IS NOT NULL AND d.epic_id = t.epic_id)
LEFT JOIN tasks dt ON dt.id = d.depends_on_task_id
LEFT JOIN epics de ON de.id = d.depends_on_epic_id
LEFT JOIN epic_progress ep ON ep.epic_id = d.depends_on_epic_id
WHERE (d.depends_on_task_id IS NOT NULL AND dt.status NOT IN ('done', 'cancelled'))
   OR (d.depends_on_epic_id IS NOT NULL AND ep.percent < d.threshold_percent);

-- Same columns as before; the count now comes from the one view above.
CREATE OR REPLACE VIEW task_readiness AS
SELECT t.id AS task_id,
       t.project_id,
       t.key,
       t.status,
       t.held,
       COALESCE(u.n, 0)::int AS unmet_dependencies,
       (t.status = 'pending' AND NOT t.held AND COALESCE(u.n, 0) = 0) AS ready
FROM tasks t
LEFT JOIN (SELECT task_id, count(*) AS n FROM task_unmet_dependencies GROUP BY task_id) u ON u.task_id = t.id;

-- "In the queue now": pending, not held, and marked ready by the engine (ready_since, kept from
-- task_readiness after each change). Generated, so no writer can let it drift, and every query
-- and the claim path's partial index say `ready` instead of repeating the three conditions.
ALTER TABLE tasks
  ADD COLUMN ready boolean GENERATED ALWAYS AS (status = 'pending' AND NOT held AND ready_since IS NOT NULL) STORED;

DROP INDEX tasks_ready_order_idx;
CREATE INDEX tasks_ready_order_idx ON tasks (critical_path_hours DESC, priority, ready_since, id) WHERE ready;

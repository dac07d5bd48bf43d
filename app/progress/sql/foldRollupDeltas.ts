import type { Queryable } from '../../store/db.js';

/** Moves every pending delta into the rollup in one statement; returns how many deltas it folded. */
export async function foldRollupDeltas(tx: Queryable): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    `WITH d AS (DELETE FROM progress_rollup_delta RETURNING project_id, epic_id, status, tasks, hours),
          g AS (SELECT project_id, epic_id, status, sum(tasks) AS tasks, sum(hours) AS hours, count(*) AS n FROM d GROUP BY 1, 2, 3),
          up AS (INSERT INTO progress_rollup AS r (project_id, epic_id, status, tasks, hours)
                 SELECT g.project_id, g.epic_id, g.status, g.tasks, g.hours FROM g
                 WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = g.project_id)
                 ON CONFLICT (project_id, epic_id, status) DO UPDATE SET tasks = r.tasks + EXCLUDED.tasks, hours = r.hours + EXCLUDED.hours
                 RETURNING 1)
     SELECT COALESCE((SELECT sum(n) FROM g), 0)::int AS n`,
  );
  return Number(rows[0]?.n ?? 0);
}

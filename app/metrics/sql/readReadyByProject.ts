import type { Queryable } from '../../store/db.js';

/** Ready tasks (pending, dependencies met, not held) per project, zero included. */
export async function readReadyByProject(db: Queryable): Promise<{ project: string; n: number }[]> {
  const { rows } = await db.query<{ project: string; n: number }>(
    `SELECT p.owner || '/' || p.repo AS project, COALESCE(r.n, 0)::int AS n
     FROM projects p
     LEFT JOIN (
       SELECT project_id, count(*) AS n FROM tasks
       WHERE ready
       GROUP BY project_id
     ) r ON r.project_id = p.id`,
  );
  return rows.map((r) => ({ project: r.project, n: Number(r.n) }));
}

import type { Queryable } from '../../store/db.js';

/** The project of a job's repository (owner/repo, any case); never the zero-configuration demo. */
export async function jobProjectId(db: Queryable, repository: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM projects WHERE lower(owner || '/' || repo) = lower($1) AND NOT demo ORDER BY id LIMIT 1`,
    [repository],
  );
  return rows[0] ? Number(rows[0].id) : null;
}

import type { Queryable } from '../../store/db.js';

// projects.footprint_tasks is kept by triggers on tasks (migration 0021); this reads it for the
// Redis index, which carries the same fact as a set so its claim script knows without asking.
const SQL = `SELECT id FROM projects WHERE footprint_tasks > 0`;

/** The projects some of whose tasks name files. */
export async function footprintProjects(db: Queryable): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(SQL);
  return rows.map((r) => Number(r.id));
}

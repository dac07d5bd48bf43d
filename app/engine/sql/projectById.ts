import type { Queryable } from '../../store/db.js';
import { PROJECT_COLUMNS, mapProject, type ProjectRecord, type ProjectRow } from './projectRow.js';

const SQL = `SELECT ${PROJECT_COLUMNS} FROM projects WHERE id = $1`;

/** The project with this id (the same select list and mapper as findProject); null when there is none. */
export async function projectById(q: Queryable, id: number): Promise<ProjectRecord | null> {
  const { rows } = await q.query<ProjectRow>(SQL, [id]);
  return rows[0] ? mapProject(rows[0]) : null;
}

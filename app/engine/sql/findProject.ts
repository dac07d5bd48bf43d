import type { Queryable } from '../../store/db.js';
import { PROJECT_COLUMNS, mapProject, type ProjectRecord, type ProjectRow } from './projectRow.js';

// GitHub treats owner and repository names case-insensitively; so does this, the one project
// lookup (index projects_name_ci_idx, migration 0014). Oldest first should two rows differ only in case.
const SQL = `SELECT ${PROJECT_COLUMNS} FROM projects WHERE lower(owner) = lower($1) AND lower(repo) = lower($2) ORDER BY id LIMIT 1`;

/** The project owner/repo names, whatever the letter case; null when there is none. */
export async function findProject(q: Queryable, owner: string, repo: string): Promise<ProjectRecord | null> {
  const { rows } = await q.query<ProjectRow>(SQL, [owner, repo]);
  return rows[0] ? mapProject(rows[0]) : null;
}

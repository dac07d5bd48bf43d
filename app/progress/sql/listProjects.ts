import type { Queryable } from '../../store/db.js';

export interface ProjectListRow {
  id: number;
  name: string;
  default_branch: string;
}

/** Projects by name (owner/repo), every one or only the one given. */
export async function listProjects(db: Queryable, projectId: number | null): Promise<ProjectListRow[]> {
  const { rows } = await db.query<ProjectListRow>(
    `SELECT id, owner || '/' || repo AS name, default_branch FROM projects WHERE ($1::bigint IS NULL OR id = $1) ORDER BY owner, repo LIMIT 1000`,
    [projectId],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

import type { Queryable } from '../../../store/db.js';

export interface ProjectRow {
  id: number;
  owner: string;
  repo: string;
  /** Null for a local project (no GitHub App installation). */
  installationId: number | null;
}

export async function readProjectRow(db: Queryable, projectId: number): Promise<ProjectRow | null> {
  const { rows } = await db.query<{ id: number; owner: string; repo: string; installation_id: number | null }>(
    'SELECT id, owner, repo, installation_id FROM projects WHERE id = $1',
    [projectId],
  );
  const r = rows[0];
  return r ? { id: Number(r.id), owner: r.owner, repo: r.repo, installationId: r.installation_id === null ? null : Number(r.installation_id) } : null;
}

import type { Queryable } from '../../store/db.js';
import { PROJECT_COLUMNS, mapProject, type ProjectRecord, type ProjectRow } from './projectRow.js';

/**
 * The project for owner/repo, created when missing; found case-insensitively (as GitHub names
 * them), so "Acme/Fleet" and "acme/fleet" are one project. The installation and default branch
 * are updated when given and different. No row back means a concurrent insert won the race: the
 * caller asks again.
 */
const SQL = `
WITH found AS (
  SELECT id FROM projects WHERE lower(owner) = lower($1) AND lower(repo) = lower($2) ORDER BY id LIMIT 1
), upd AS (
  UPDATE projects p SET installation_id = COALESCE($3, p.installation_id), default_branch = COALESCE($4, p.default_branch), updated_at = now()
  FROM found
  WHERE p.id = found.id
    AND (p.installation_id IS DISTINCT FROM COALESCE($3, p.installation_id) OR p.default_branch IS DISTINCT FROM COALESCE($4, p.default_branch))
  RETURNING p.${PROJECT_COLUMNS.split(', ').join(', p.')}
), ins AS (
  INSERT INTO projects (owner, repo, installation_id, default_branch)
  SELECT $1, $2, $3, COALESCE($4, 'main') WHERE NOT EXISTS (SELECT 1 FROM found)
  ON CONFLICT DO NOTHING
  RETURNING ${PROJECT_COLUMNS}
)
SELECT * FROM upd
UNION ALL SELECT p.${PROJECT_COLUMNS.split(', ').join(', p.')} FROM projects p JOIN found ON found.id = p.id WHERE NOT EXISTS (SELECT 1 FROM upd)
UNION ALL SELECT * FROM ins`;

export interface ProjectRefInput {
  owner: string;
  repo: string;
  installationId?: number | null | undefined;
  defaultBranch?: string | undefined;
}

export async function ensureProject(q: Queryable, ref: ProjectRefInput): Promise<ProjectRecord> {
  const params = [ref.owner, ref.repo, ref.installationId ?? null, ref.defaultBranch ?? null];
  for (let i = 0; i < 3; i++) {
    const { rows } = await q.query<ProjectRow>(SQL, params);
    if (rows[0]) return mapProject(rows[0]);
  }
  throw new Error(`project ${ref.owner}/${ref.repo} could not be created or found`);
}

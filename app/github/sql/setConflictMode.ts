import type { Queryable } from '../../store/db.js';

// 'avoid' is stored as NULL: the default, so a repository that never set it keeps following it.
const SQL = `UPDATE projects SET conflict_mode = NULLIF($2, 'avoid'), updated_at = now()
WHERE id = $1 AND conflict_mode IS DISTINCT FROM NULLIF($2, 'avoid')`;

/** The repository's `scheduling.conflicts` (from its .github/fleet.yml), for the claim path. */
export async function setConflictMode(q: Queryable, projectId: number, mode: 'avoid' | 'forbid' | 'ignore'): Promise<void> {
  await q.query(SQL, [projectId, mode]);
}

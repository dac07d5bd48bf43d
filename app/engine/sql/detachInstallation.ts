import type { Queryable } from '../../store/db.js';

// $2 NULL: every project of the installation; else only the owner/repo pairs listed (any case).
const SQL = `UPDATE projects SET installation_id = NULL, updated_at = now()
WHERE installation_id = $1
  AND ($2::text[] IS NULL OR (lower(owner), lower(repo)) IN (SELECT lower(o), lower(r) FROM unnest($2::text[], $3::text[]) AS x(o, r)))`;

/** Forgets an installation on its projects (all, or those listed); tasks stay. */
export async function detachInstallation(q: Queryable, installationId: number, repos?: { owner: string; repo: string }[]): Promise<void> {
  const list = repos?.length ? repos : null;
  await q.query(SQL, [installationId, list?.map((r) => r.owner) ?? null, list?.map((r) => r.repo) ?? null]);
}

import type { Queryable } from '../../store/db.js';

const SQL = `UPDATE projects SET lease_ttl_seconds = $2, max_attempts = $3, updated_at = now()
WHERE id = $1 AND (lease_ttl_seconds IS DISTINCT FROM $2 OR max_attempts IS DISTINCT FROM $3)`;

/** The repository's lease length and attempt limit (from its .github/fleet.yml), for the engine. */
export async function setProjectSettings(q: Queryable, projectId: number, s: { leaseTtlSeconds: number; maxAttempts: number }): Promise<void> {
  await q.query(SQL, [projectId, s.leaseTtlSeconds, s.maxAttempts]);
}

import type { Queryable } from '../../store/db.js';

export interface TokenAgent {
  id: number;
  pool: string;
  active: boolean;
  /** owner/repo the token was minted for, or null (every project). */
  projectScope: string | null;
  /** That project's id, null when it has none here yet. */
  projectId: number | null;
}

/** The agent a token hash belongs to, with the project its token is confined to. */
export async function agentByTokenHash(db: Queryable, tokenHash: string): Promise<TokenAgent | null> {
  const { rows } = await db.query<{ id: number; pool: string; active: boolean; project_scope: string | null; project_id: number | null }>(
    `SELECT a.id, a.pool, a.active, a.project_scope, p.id AS project_id FROM agents a
     LEFT JOIN projects p ON lower(p.owner || '/' || p.repo) = lower(a.project_scope)
     WHERE a.token_hash = $1 ORDER BY p.id LIMIT 1`,
    [tokenHash],
  );
  const a = rows[0];
  if (!a) return null;
  return { id: Number(a.id), pool: a.pool, active: a.active, projectScope: a.project_scope, projectId: a.project_id === null ? null : Number(a.project_id) };
}

import type { Queryable } from '../../store/db.js';

const DUE_SQL = `SELECT p.id, p.owner, p.repo, p.paused, extract(epoch FROM p.updated_at)::bigint AS v,
  COALESCE(array_agg(e.issue_number ORDER BY e.issue_number) FILTER (WHERE e.issue_number IS NOT NULL), '{}') AS issues
FROM projects p LEFT JOIN epics e ON e.project_id = p.id
WHERE p.paused <> p.paused_labelled AND p.installation_id IS NOT NULL
GROUP BY p.id LIMIT 50`;
const DONE_SQL = `UPDATE projects SET paused_labelled = $2 WHERE id = $1 AND paused = $2`;
const RELABEL_SQL = `UPDATE projects SET paused_labelled = false WHERE id = $1 AND paused AND paused_labelled`;

/** Projects whose epic issues' `fleet:paused` label is not in line with their pause yet. */
export async function pauseLabelsDue(q: Queryable): Promise<{ projectId: number; owner: string; repo: string; paused: boolean; version: number; issues: number[] }[]> {
  const { rows } = await q.query<{ id: number; owner: string; repo: string; paused: boolean; v: number; issues: number[] }>(DUE_SQL);
  return rows.map((r) => ({ projectId: Number(r.id), owner: r.owner, repo: r.repo, paused: r.paused, version: Number(r.v), issues: r.issues.map(Number) }));
}

export async function pauseLabelsDone(q: Queryable, projectId: number, paused: boolean): Promise<void> {
  await q.query(DONE_SQL, [projectId, paused]);
}

/**
 * A paused project's epic issues are labelled again on the next round: a plan sync may have made
 * new ones. The round's writes are recorded per issue, so those already labelled are not asked again.
 */
export async function relabelPaused(q: Queryable, projectId: number): Promise<void> {
  await q.query(RELABEL_SQL, [projectId]);
}

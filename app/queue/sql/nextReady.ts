import type { Queryable } from '../../store/db.js';
import type { ClaimFilter } from '../claimFilter.js';

// The claim path's one hot query: walk tasks_ready_order_idx, skip rows another claimer holds.
// With $4 (the conflict-aware claim asking), it first reads projects.footprint_tasks (migration 0021)
// of the claimer's project (or of any project): when some task there names files, no row is locked
// and the caller chooses from the window instead (readyWindow.ts); otherwise the usual locked top row.
// One statement either way, so a project whose tasks name no files pays nothing for the choice.
const SQL = `
SELECT f.footprints, n.id FROM (
  SELECT $4::boolean AND EXISTS (
    SELECT 1 FROM projects p WHERE p.footprint_tasks > 0 AND ($3::bigint IS NULL OR p.id = $3)
  ) AS footprints
) f
LEFT JOIN LATERAL (
  SELECT t.id FROM tasks t
  WHERE NOT f.footprints AND t.ready
    AND (t.required_pool IS NULL OR t.required_pool = $1)
    AND t.required_capabilities <@ $2::text[]
    AND ($3::bigint IS NULL OR t.project_id = $3)
  ORDER BY t.critical_path_hours DESC, t.priority, t.ready_since, t.id
  LIMIT 1
  FOR UPDATE SKIP LOCKED
) n ON true`;

/** The best ready task this claimer may take, locked for the claim transaction; null when none. */
export async function nextReady(tx: Queryable, f: ClaimFilter): Promise<number | null> {
  return (await nextReadyUnlessFootprints(tx, f, false)).id;
}

/**
 * As nextReady, unless a task of the claimer's project (any project, when the claim names none)
 * names files: then `footprints` is true, nothing is locked and the choice must look at the window.
 */
export async function nextReadyUnlessFootprints(tx: Queryable, f: ClaimFilter, check = true): Promise<{ id: number | null; footprints: boolean }> {
  const { rows } = await tx.query<{ id: number | null; footprints: boolean }>(SQL, [f.pool, f.capabilities, f.projectId ?? null, check]);
  const r = rows[0];
  return { id: r?.id === null || r?.id === undefined ? null : Number(r.id), footprints: r?.footprints === true };
}

import type { Queryable } from '../../store/db.js';

export interface VelocityBase {
  project_id: number;
  before_at: Date | null;
  before_done: number | null;
  inside_at: Date | null;
  inside_done: number | null;
}

/** Per project: the last snapshot at or before the window's start and the first one after it. */
export async function readVelocityBases(db: Queryable, projectId: number | null, windowStart: Date): Promise<VelocityBase[]> {
  const { rows } = await db.query<VelocityBase>(
    `SELECT p.id AS project_id, b.taken_at AS before_at, b.hours_done::float8 AS before_done, i.taken_at AS inside_at, i.hours_done::float8 AS inside_done
     FROM projects p
     LEFT JOIN LATERAL (SELECT taken_at, hours_done FROM progress_snapshots s WHERE s.project_id = p.id AND s.taken_at <= $2
                        ORDER BY taken_at DESC LIMIT 1) b ON true
     LEFT JOIN LATERAL (SELECT taken_at, hours_done FROM progress_snapshots s WHERE s.project_id = p.id AND s.taken_at > $2
                        ORDER BY taken_at ASC LIMIT 1) i ON true
     WHERE ($1::bigint IS NULL OR p.id = $1)`,
    [projectId, windowStart],
  );
  return rows.map((r) => ({ ...r, project_id: Number(r.project_id) }));
}

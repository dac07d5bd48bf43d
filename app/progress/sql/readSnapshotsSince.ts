import type { Queryable } from '../../store/db.js';
import { SNAPSHOT_COLUMNS, type SnapshotRow } from './snapshotRow.js';

/** A project's first `limit` snapshots after `since`, oldest first. */
export async function readSnapshotsSince(db: Queryable, projectId: number, since: Date, limit: number): Promise<SnapshotRow[]> {
  const { rows } = await db.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM progress_snapshots WHERE project_id = $1 AND taken_at > $2 ORDER BY taken_at ASC, id ASC LIMIT $3`,
    [projectId, since, limit],
  );
  return rows;
}

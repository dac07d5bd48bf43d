import type { Queryable } from '../../store/db.js';
import { SNAPSHOT_COLUMNS, type SnapshotRow } from './snapshotRow.js';

/** A project's latest `limit` snapshots, newest first. */
export async function readLatestSnapshots(db: Queryable, projectId: number, limit: number): Promise<SnapshotRow[]> {
  const { rows } = await db.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM progress_snapshots WHERE project_id = $1 ORDER BY taken_at DESC, id DESC LIMIT $2`,
    [projectId, limit],
  );
  return rows;
}

import type { Queryable } from '../../store/db.js';
import { SNAPSHOT_COLUMNS, type SnapshotRow } from './snapshotRow.js';

export interface SnapshotInput {
  projectId: number;
  tasksTotal: number;
  tasksDone: number;
  hoursTotal: number;
  hoursDone: number;
  activeAgents: number;
  /** JSON of the tallies by status. */
  byStatus: string;
}

/** One snapshot row per input, in one statement. */
export async function insertSnapshots(db: Queryable, list: readonly SnapshotInput[]): Promise<SnapshotRow[]> {
  const { rows } = await db.query<SnapshotRow>(
    `INSERT INTO progress_snapshots (project_id, tasks_total, tasks_done, hours_total, hours_done, active_agents, by_status)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::int[], $4::numeric[], $5::numeric[], $6::int[], $7::jsonb[])
     RETURNING ${SNAPSHOT_COLUMNS}`,
    [
      list.map((x) => x.projectId),
      list.map((x) => x.tasksTotal),
      list.map((x) => x.tasksDone),
      list.map((x) => x.hoursTotal),
      list.map((x) => x.hoursDone),
      list.map((x) => x.activeAgents),
      list.map((x) => x.byStatus),
    ],
  );
  return rows;
}

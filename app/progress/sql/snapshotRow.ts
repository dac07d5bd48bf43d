/** The columns every snapshot statement returns (no SQL statement of its own). */
export const SNAPSHOT_COLUMNS =
  'id, project_id, taken_at, tasks_total, tasks_done, hours_total::float8 AS hours_total, hours_done::float8 AS hours_done, active_agents, by_status';

export interface SnapshotRow {
  id: number;
  project_id: number;
  taken_at: Date;
  tasks_total: number;
  tasks_done: number;
  hours_total: number;
  hours_done: number;
  active_agents: number;
  by_status: unknown;
}

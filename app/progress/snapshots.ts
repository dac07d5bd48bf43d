import type { Db } from '../store/db.js';
import type { EventBus } from '../engine/events.js';
import { round2, totals } from './maths.js';
import { compactRollup, foldTallies, readActiveAgents, readTallyRows } from './store.js';
import { listProjectIds } from './sql/listProjectIds.js';
import { insertSnapshots } from './sql/insertSnapshots.js';
import { readSnapshotsSince } from './sql/readSnapshotsSince.js';
import { readLatestSnapshots } from './sql/readLatestSnapshots.js';
import type { SnapshotRow } from './sql/snapshotRow.js';

/** Progress snapshots: taken periodically (and on request), read back as a project's history (burndown, velocity). */

export interface SnapshotJson {
  id: number;
  project_id: number;
  taken_at: string;
  tasks_total: number;
  tasks_done: number;
  hours_total: number;
  hours_done: number;
  hours_remaining: number;
  active_agents: number;
  tasks_by_status: Record<string, number>;
}

export function snapshotJson(r: SnapshotRow): SnapshotJson {
  const by = (r.by_status ?? {}) as { tasks?: Record<string, number> };
  return {
    id: Number(r.id),
    project_id: Number(r.project_id),
    taken_at: new Date(r.taken_at).toISOString(),
    tasks_total: r.tasks_total,
    tasks_done: r.tasks_done,
    hours_total: Number(r.hours_total),
    hours_done: Number(r.hours_done),
    hours_remaining: round2(Number(r.hours_total) - Number(r.hours_done)),
    active_agents: r.active_agents,
    tasks_by_status: by.tasks && typeof by.tasks === 'object' ? by.tasks : {},
  };
}

/** Takes a snapshot of every project (or one) and tells listeners. */
export async function takeSnapshots(d: { db: Db; leaseTtlSeconds: number; events?: EventBus | undefined }, projectId: number | null): Promise<SnapshotJson[]> {
  await compactRollup(d.db);
  const [rows, fleet, ids] = await Promise.all([readTallyRows(d.db, projectId), readActiveAgents(d.db, d.leaseTtlSeconds), listProjectIds(d.db, projectId)]);
  if (!ids.length) return [];
  const { byProject } = foldTallies(rows);
  const inserted = await insertSnapshots(
    d.db,
    ids.map((id) => {
      const tally = byProject.get(id) ?? foldTallies([]).all;
      const t = totals(tally);
      return { projectId: id, ...t, activeAgents: fleet.agents, byStatus: JSON.stringify({ tasks: tally.tasks, hours: tally.hours }) };
    }),
  );
  const out = inserted.map(snapshotJson);
  d.events?.publish('progress.snapshot', { snapshots: out.map((s) => ({ project_id: s.project_id, taken_at: s.taken_at, hours_done: s.hours_done, hours_total: s.hours_total })) });
  return out;
}

/** Snapshots of a project in time order: after `since` (the first `limit`), else the latest `limit`. */
export async function snapshotHistory(db: Db, projectId: number, since: Date | null, limit: number): Promise<{ snapshots: SnapshotJson[]; more: boolean }> {
  const rows = since ? await readSnapshotsSince(db, projectId, since, limit + 1) : await readLatestSnapshots(db, projectId, limit + 1);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (!since) page.reverse();
  return { snapshots: page.map(snapshotJson), more };
}

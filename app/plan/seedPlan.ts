import { findProject } from '../engine/sql/findProject.js';
import { ensureProject } from '../engine/sql/ensureProject.js';
import type { Db, Queryable } from '../store/db.js';
import { ValidationError } from '../core/errors.js';
import { readDependency, type Plan } from '../../schema/plan.js';
import { lockCriticalPaths, recomputeCriticalPaths } from './criticalPathHours.js';
import { storeBaselineIn, type StoredBaseline } from '../progress/forecast/storeBaseline.js';
import { uniqueGlobs } from './parse/footprint.js';
import { lockSeedByName } from './sql/lockSeedByName.js';
import { setPlanProvenance } from './sql/setPlanProvenance.js';
import { planProvenance } from './planProvenance.js';
import { lockSeedOfProject } from './sql/lockSeedOfProject.js';
import { selectSeedEpics } from './sql/selectSeedEpics.js';
import { insertSeedEpic } from './sql/insertSeedEpic.js';
import { updateSeedEpic } from './sql/updateSeedEpic.js';
import { selectSeedTasks } from './sql/selectSeedTasks.js';
import { insertSeedTask } from './sql/insertSeedTask.js';
import { updateSeedTask } from './sql/updateSeedTask.js';
import { selectSeedEdges } from './sql/selectSeedEdges.js';
import { deleteSeedEdge } from './sql/deleteSeedEdge.js';
import { updateSeedEdgeThreshold } from './sql/updateSeedEdgeThreshold.js';
import { insertSeedEdge } from './sql/insertSeedEdge.js';
import { selectSeedCleanupTasks } from './sql/selectSeedCleanupTasks.js';
import { deleteSeedTask } from './sql/deleteSeedTask.js';
import { selectSeedEpicTaskCounts } from './sql/selectSeedEpicTaskCounts.js';
import { deleteSeedEpic } from './sql/deleteSeedEpic.js';

export interface SeedCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export interface SeedProgress {
  phase: 'epics' | 'tasks' | 'dependencies' | 'cleanup';
  done: number;
  total: number;
}

export interface SeedReport {
  project: { id: number; owner: string; repo: string; created: boolean };
  epics: SeedCounts;
  tasks: SeedCounts;
  dependencies: SeedCounts;
  /** Rows that left the plan but were kept: started, or with evidence attached. */
  orphaned: { key: string; status: string; reason: string }[];
  /** The baseline this seed stored: a project's first plan becomes its baseline, whichever door it came by. */
  baseline?: StoredBaseline | null;
}

export interface SeedOptions {
  /** "owner/repo"; `local/example` when not given. */
  project?: string;
  onProgress?: (p: SeedProgress) => void;
  /**
   * The plan file the plan was read from. Its path and content hash are stored with every task of
   * the plan and printed in the agent's prompt header, as a push of the plan file stores them.
   */
  source?: { path: string; commit?: string | null; text: string };
}

export const DEFAULT_PROJECT = 'local/example';

const round2 = (x: number): number => Math.round(x * 100) / 100;
const counts = (): SeedCounts => ({ created: 0, updated: 0, unchanged: 0, deleted: 0 });

export function parseProjectName(project: string): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(project.trim());
  if (!m) throw new ValidationError(`project "${project}" is not owner/repo (letters, digits, - . _), e.g. acme/fleet`);
  return { owner: m[1]!, repo: m[2]! };
}


/**
 * Writes a plan into the database in one transaction. Seeding is a reconciliation: rows are
 * matched by key, changed only where the plan differs, and a task that left the plan is
 * deleted only while nothing has happened to it (pending, no evidence); otherwise it is kept
 * and reported as orphaned, because its history matters more than the plan's tidiness.
 */
export async function seedPlan(db: Db, plan: Plan, opts: SeedOptions = {}): Promise<SeedReport> {
  if (plan.errors.length > 0) {
    throw new ValidationError(`the plan has ${plan.errors.length} error(s); run "fleet plan check" and fix them before seeding`);
  }
  const { owner, repo } = parseProjectName(opts.project ?? DEFAULT_PROJECT);
  const progress = opts.onProgress ?? (() => undefined);

  return db.transaction(async (tx) => {
    // Two seeds of the same project at once would race on the same keys: take turns.
    await lockSeedByName(tx, `${owner}/${repo}`);
    const project = await upsertProject(tx, owner, repo);
    const report: SeedReport = { project, epics: counts(), tasks: counts(), dependencies: counts(), orphaned: [] };
    await writePlanRows(tx, project.id, plan, report, { prune: true, onProgress: progress, source: opts.source });
    return report;
  });
}

/** A plan as the seeder needs it: `Plan` (schema/plan.ts) fits, and so does the GitHub plan sync's. */
export interface SeedablePlan {
  epics: readonly { key: string; title: string; priority?: number | undefined; declaredHours?: number | null | undefined; dependsOn?: readonly string[] | undefined; line?: number | undefined }[];
  tasks: readonly {
    key: string;
    epic: string;
    title: string;
    hours: number;
    dependsOn: readonly string[];
    deliverables?: readonly string[] | undefined;
    /** The task's own priority; the epic's when absent. */
    priority?: number | undefined;
    line?: number | undefined;
    /** Path globs from the plan (`Files:` line, backticked paths): PlanTask.footprint. */
    footprint?: readonly string[] | undefined;
  }[];
}

export interface PlanRowsOptions {
  /**
   * Reconcile fully, as `fleet seed` does: drop the dependencies of plan items the plan no longer
   * names and the pending tasks (and empty epics) it dropped. Without it (a push of the plan file,
   * `fleet sync`) nothing is removed: edges added by steering stay, dropped tasks are orphans.
   */
  prune?: boolean;
  onProgress?: (p: SeedProgress) => void;
  /** The plan file's text, path and commit: stored with the plan's own tasks (every door stores it). */
  source?: { path: string; commit?: string | null; text: string } | undefined;
}

/**
 * The one seeder: writes a plan's epics, tasks and dependency edges for a project in one
 * transaction, then recomputes the queue's first ordering key (app/plan/criticalPathHours.ts).
 * Used by `fleet seed` (through `seedPlan`), the push webhook and `fleet sync` (through the
 * GitHub app's PlanHooks port, app/github/planSync/planHooks.ts). Returns the ids of the plan's
 * tasks and of every other task whose level moved, for re-indexing (`taskIds`), and the plan's own
 * tasks alone (`planTaskIds`): only those carry the plan file's provenance.
 */
export async function seedPlanRows(
  db: Db,
  projectId: number,
  plan: SeedablePlan,
  opts: PlanRowsOptions = {},
): Promise<{ taskIds: number[]; planTaskIds: number[]; created: number; report: SeedReport }> {
  return db.transaction(async (tx) => {
    const report: SeedReport = { project: { id: projectId, owner: '', repo: '', created: false }, epics: counts(), tasks: counts(), dependencies: counts(), orphaned: [] };
    const r = await writePlanRows(tx, projectId, plan, report, opts);
    return { taskIds: r.taskIds, planTaskIds: r.planTaskIds, created: report.tasks.created, report };
  });
}

/** Inside a transaction: the rows, then the critical path levels. Seeds of one project take turns. */
async function writePlanRows(tx: Queryable, pid: number, plan: SeedablePlan, report: SeedReport, opts: PlanRowsOptions): Promise<{ taskIds: number[]; planTaskIds: number[] }> {
  const progress = opts.onProgress ?? (() => undefined);
  await lockSeedOfProject(tx, pid);
  await lockCriticalPaths(tx, pid);
  const epicIds = await seedEpics(tx, pid, plan, report, progress);
  const taskIds = await seedTasks(tx, pid, plan, epicIds, report, progress);
  await seedEdges(tx, pid, plan, epicIds, taskIds, report, progress, !!opts.prune);
  if (opts.prune) await removeLeftovers(tx, pid, plan, report, progress);
  // The queue's first ordering key, from the rows just written: the same computation every door uses.
  const moved = await recomputeCriticalPaths(tx, pid);
  // Planned against actual: the first plan seeded is the baseline; later seeds keep it (`fleet plan baseline` replaces it).
  report.baseline = await storeBaselineIn(tx, pid, { reason: opts.prune ? 'seed' : 'sync', onlyIfMissing: true });
  const planTaskIds = [...taskIds.values()];
  // Where the text agents will read came from; only the plan's own tasks (a hand-written task whose level moved keeps following its issue).
  if (opts.source) await setPlanProvenance(tx, pid, planTaskIds, planProvenance(opts.source));
  return { taskIds: [...new Set([...planTaskIds, ...moved])], planTaskIds };
}

const clampPriority = (p: number | undefined): number | undefined => (p === undefined || !Number.isFinite(p) ? undefined : Math.max(0, Math.min(3, Math.trunc(p))));

async function upsertProject(tx: Queryable, owner: string, repo: string): Promise<SeedReport['project']> {
  // The one project lookup: case-insensitive, as GitHub names repositories (migration 0014).
  const found = await findProject(tx, owner, repo);
  if (found) return { id: found.id, owner, repo, created: false };
  return { id: (await ensureProject(tx, { owner, repo })).id, owner, repo, created: true };
}

async function seedEpics(tx: Queryable, pid: number, plan: SeedablePlan, report: SeedReport, progress: (p: SeedProgress) => void): Promise<Map<string, number>> {
  const existing = new Map(
    (await selectSeedEpics(tx, pid)).map((r) => [r.key, r]),
  );
  const ids = new Map<string, number>();
  let done = 0;
  for (const e of plan.epics) {
    const row = existing.get(e.key);
    const declared = e.declaredHours === null || e.declaredHours === undefined ? null : round2(e.declaredHours);
    const priority = clampPriority(e.priority) ?? 2;
    const title = e.title.slice(0, 500);
    // A plan without line numbers (the GitHub sync's) keeps the ones a seed recorded.
    const line = e.line ?? row?.source_line ?? null;
    if (!row) {
      ids.set(e.key, await insertSeedEpic(tx, { projectId: pid, key: e.key, title, priority, declaredHours: declared, line }));
      report.epics.created++;
    } else {
      ids.set(e.key, Number(row.id));
      const same = row.title === title && Number(row.priority) === priority &&
        (row.declared_hours === null ? null : Number(row.declared_hours)) === declared && row.source_line === line;
      if (same) report.epics.unchanged++;
      else {
        await updateSeedEpic(tx, Number(row.id), { title, priority, declaredHours: declared, line });
        report.epics.updated++;
      }
    }
    progress({ phase: 'epics', done: ++done, total: plan.epics.length });
  }
  return ids;
}

async function seedTasks(
  tx: Queryable, pid: number, plan: SeedablePlan, epicIds: Map<string, number>,
  report: SeedReport, progress: (p: SeedProgress) => void,
): Promise<Map<string, number>> {
  const existing = new Map(
    (await selectSeedTasks(tx, pid)).map((r) => [r.key, r]),
  );
  const priorityOf = new Map(plan.epics.map((e) => [e.key, clampPriority(e.priority)]));
  const ids = new Map<string, number>();
  let done = 0;
  for (const t of plan.tasks) {
    const epicId = epicIds.get(t.epic) ?? null;
    const hours = round2(t.hours);
    const priority = clampPriority(t.priority) ?? priorityOf.get(t.epic) ?? 2;
    const deliverables = JSON.stringify(t.deliverables ?? []);
    const title = t.title.slice(0, 500);
    const row = existing.get(t.key);
    const line = t.line ?? row?.source_line ?? null;
    const footprint = uniqueGlobs(t.footprint ?? []);
    const write = { epicId, title, deliverables, hours, priority, line, footprint };
    if (!row) {
      ids.set(t.key, await insertSeedTask(tx, pid, t.key, write));
      report.tasks.created++;
    } else {
      ids.set(t.key, Number(row.id));
      const same = (row.epic_id === null ? null : Number(row.epic_id)) === epicId && row.title === title &&
        JSON.stringify(row.deliverables) === deliverables && Number(row.estimated_hours) === hours &&
        Number(row.priority) === priority && row.source_line === line && (row.plan_footprint ?? []).join('\n') === footprint.join('\n');
      if (same) report.tasks.unchanged++;
      else {
        await updateSeedTask(tx, Number(row.id), write);
        report.tasks.updated++;
      }
    }
    if (++done % 100 === 0 || done === plan.tasks.length) progress({ phase: 'tasks', done, total: plan.tasks.length });
  }
  return ids;
}

async function seedEdges(
  tx: Queryable, pid: number, plan: SeedablePlan, epicIds: Map<string, number>, taskIds: Map<string, number>,
  report: SeedReport, progress: (p: SeedProgress) => void, prune: boolean,
): Promise<void> {
  type Edge = { taskId: number | null; epicId: number | null; onTask: number | null; onEpic: number | null; threshold: number };
  const id = (e: Omit<Edge, 'threshold'>) => `${e.taskId ?? ''}|${e.epicId ?? ''}|${e.onTask ?? ''}|${e.onEpic ?? ''}`;
  const wanted = new Map<string, Edge>();
  const add = (dependent: { taskId: number | null; epicId: number | null }, ref: string) => {
    const d = readDependency(ref);
    if (!d) return;
    const onTask = d.kind === 'task' ? taskIds.get(d.key) ?? null : null;
    const onEpic = d.kind === 'epic' ? epicIds.get(d.key) ?? null : null;
    if (onTask === null && onEpic === null) return;
    const edge = { ...dependent, onTask, onEpic, threshold: d.kind === 'epic' ? d.percent : 100 };
    wanted.set(id(edge), edge);
  };
  for (const e of plan.epics) for (const ref of e.dependsOn ?? []) add({ taskId: null, epicId: epicIds.get(e.key)! }, ref);
  for (const t of plan.tasks) for (const ref of t.dependsOn) add({ taskId: taskIds.get(t.key)!, epicId: null }, ref);

  // Only edges of dependents the plan describes are reconciled; an orphan keeps its own.
  const planTaskIds = new Set(taskIds.values());
  const planEpicIds = new Set(epicIds.values());
  const existing = await selectSeedEdges(tx, pid);
  const total = wanted.size;
  let done = 0;
  for (const row of existing) {
    const key = id({
      taskId: row.task_id === null ? null : Number(row.task_id), epicId: row.epic_id === null ? null : Number(row.epic_id),
      onTask: row.depends_on_task_id === null ? null : Number(row.depends_on_task_id), onEpic: row.depends_on_epic_id === null ? null : Number(row.depends_on_epic_id),
    });
    const mine = (row.task_id !== null && planTaskIds.has(Number(row.task_id))) || (row.epic_id !== null && planEpicIds.has(Number(row.epic_id)));
    if (!mine) continue;
    const want = wanted.get(key);
    if (!want) {
      if (!prune) continue; // added by steering, or left for `fleet seed` to reconcile
      await deleteSeedEdge(tx, Number(row.id));
      report.dependencies.deleted++;
      continue;
    }
    wanted.delete(key);
    if (Number(row.threshold_percent) === want.threshold) report.dependencies.unchanged++;
    else {
      await updateSeedEdgeThreshold(tx, Number(row.id), want.threshold);
      report.dependencies.updated++;
    }
    done++;
  }
  for (const e of wanted.values()) {
    await insertSeedEdge(tx, pid, e);
    report.dependencies.created++;
    if (++done % 100 === 0) progress({ phase: 'dependencies', done, total });
  }
  progress({ phase: 'dependencies', done: total, total });
}

async function removeLeftovers(tx: Queryable, pid: number, plan: SeedablePlan, report: SeedReport, progress: (p: SeedProgress) => void): Promise<void> {
  const planTasks = new Set(plan.tasks.map((t) => t.key));
  const planEpics = new Set(plan.epics.map((e) => e.key));
  const gone = (await selectSeedCleanupTasks(tx, pid)).filter((r) => !planTasks.has(r.key));
  let done = 0;
  for (const r of gone) {
    if (r.status !== 'pending' || r.has_evidence) {
      const reason = r.status !== 'pending' ? `no longer in the plan but ${r.status}` : 'no longer in the plan but has evidence';
      report.orphaned.push({ key: r.key, status: r.status, reason });
    } else {
      await deleteSeedTask(tx, Number(r.id));
      report.tasks.deleted++;
    }
    progress({ phase: 'cleanup', done: ++done, total: gone.length });
  }
  const epics = (await selectSeedEpicTaskCounts(tx, pid)).filter((r) => !planEpics.has(r.key));
  for (const e of epics) {
    if (Number(e.tasks) > 0) {
      report.orphaned.push({ key: `epic:${e.key}`, status: 'kept', reason: `no longer in the plan but ${e.tasks} kept task(s) belong to it` });
    } else {
      await deleteSeedEpic(tx, Number(e.id));
      report.epics.deleted++;
    }
  }
}

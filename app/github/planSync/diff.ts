import { buildDependencyGraph } from '../../plan/schedule/dependencyGraph.js';
import { simulate } from '../../plan/schedule/simulate.js';
import type { Plan, PlanEpic, PlanTask } from '../../../schema/plan.js';
import { EPIC_LABEL, TASK_LABEL, epicTitle, mergeBody, readMarker, renderEpicBody, renderTaskBody, taskTitle, type ExistingIssue, type NumberMap } from './issueBody.js';

/**
 * Plan → issues, safe-settings style: `diffPlan` (pure) computes what would change; ./apply.ts
 * carries it out. One issue per epic and per task, found again by the hidden marker in its body;
 * creates and edits only, never closes or deletes.
 */

export type SyncAction =
  | { op: 'create'; kind: 'epic' | 'task'; key: string; title: string; labels: string[] }
  | { op: 'update'; kind: 'epic' | 'task'; key: string; number: number; title?: string; body?: string; addLabels?: string[]; changes: string[] }
  | { op: 'link-sub-issue'; epicKey: string; taskKey: string }
  | { op: 'add-blocked-by'; taskKey: string; blockedByKey: string };

export interface DiffResult {
  actions: SyncAction[];
  /** Marker-bearing issues whose key the plan no longer has: left alone, reported. */
  orphans: { number: number; kind: 'epic' | 'task'; key: string }[];
  /** Keys found on more than one issue: the lowest number is used. */
  duplicates: { key: string; numbers: number[] }[];
}

export function indexIssues(existing: ExistingIssue[]) {
  const epics = new Map<string, ExistingIssue>();
  const tasks = new Map<string, ExistingIssue>();
  const dupes = new Map<string, number[]>();
  for (const iss of [...existing].sort((a, b) => a.number - b.number)) {
    const m = readMarker(iss.body);
    if (!m) continue;
    const map = m.kind === 'epic' ? epics : tasks;
    const prior = map.get(m.key);
    if (prior) dupes.set(`${m.kind}:${m.key}`, [...(dupes.get(`${m.kind}:${m.key}`) ?? [prior.number]), iss.number]);
    else map.set(m.key, iss);
  }
  return { epics, tasks, dupes };
}

export function numbersOf(existing: ExistingIssue[]): NumberMap {
  const { epics, tasks } = indexIssues(existing);
  return {
    epics: new Map([...epics].map(([k, v]) => [k, v.number])),
    tasks: new Map([...tasks].map(([k, v]) => [k, v.number])),
  };
}

/**
 * What to do so the repository's issues match the plan. Pure. `numbers` may hold numbers of
 * issues created earlier in the same apply, so bodies can link them.
 */
export function diffPlan(plan: Pick<Plan, 'epics' | 'tasks'>, existing: ExistingIssue[], numbers: NumberMap = numbersOf(existing)): DiffResult {
  const { epics, tasks, dupes } = indexIssues(existing);
  const actions: SyncAction[] = [];
  const creates: SyncAction[] = [];
  const tasksByEpic = new Map<string, PlanTask[]>();
  for (const t of plan.tasks) tasksByEpic.set(t.epic, [...(tasksByEpic.get(t.epic) ?? []), t]);

  for (const e of plan.epics) {
    const iss = epics.get(e.key);
    if (!iss) {
      creates.push({ op: 'create', kind: 'epic', key: e.key, title: epicTitle(e), labels: [EPIC_LABEL] });
      continue;
    }
    const u = updateOf('epic', e.key, iss, epicTitle(e), renderEpicBody(e, tasksByEpic.get(e.key) ?? [], numbers), EPIC_LABEL);
    if (u) actions.push(u);
  }
  for (const t of topoOrder(plan.tasks, plan.epics)) {
    const iss = tasks.get(t.key);
    if (!iss) {
      creates.push({ op: 'create', kind: 'task', key: t.key, title: taskTitle(t), labels: [TASK_LABEL] });
      continue;
    }
    const u = updateOf('task', t.key, iss, taskTitle(t), renderTaskBody(t, numbers), TASK_LABEL);
    if (u) actions.push(u);
    const epicIss = epics.get(t.epic);
    if (epicIss && iss.parentNumber === null) actions.push({ op: 'link-sub-issue', epicKey: t.epic, taskKey: t.key });
  }
  // New issues: epics first, then tasks in dependency order, each linked to its epic and blockers.
  const out: SyncAction[] = [...creates];
  for (const c of creates) {
    if (c.op !== 'create' || c.kind !== 'task') continue;
    const t = plan.tasks.find((x) => x.key === c.key)!;
    if (plan.epics.some((e) => e.key === t.epic)) out.push({ op: 'link-sub-issue', epicKey: t.epic, taskKey: t.key });
    for (const d of t.dependsOn) if (!d.startsWith('epic:') && plan.tasks.some((x) => x.key === d)) out.push({ op: 'add-blocked-by', taskKey: t.key, blockedByKey: d });
  }
  out.push(...actions);

  const planEpicKeys = new Set(plan.epics.map((e) => e.key));
  const planTaskKeys = new Set(plan.tasks.map((t) => t.key));
  const orphans = [
    ...[...epics].filter(([k]) => !planEpicKeys.has(k)).map(([key, i]) => ({ number: i.number, kind: 'epic' as const, key })),
    ...[...tasks].filter(([k]) => !planTaskKeys.has(k)).map(([key, i]) => ({ number: i.number, kind: 'task' as const, key })),
  ];
  const duplicates = [...dupes].map(([key, numbers]) => ({ key, numbers }));
  return { actions: out, orphans, duplicates };
}

function updateOf(kind: 'epic' | 'task', key: string, iss: ExistingIssue, title: string, managed: string, label: string): SyncAction | null {
  const changes: string[] = [];
  const u: Extract<SyncAction, { op: 'update' }> = { op: 'update', kind, key, number: iss.number, changes };
  if (iss.title !== title) {
    u.title = title;
    changes.push('title');
  }
  const body = mergeBody(iss.body ?? '', managed);
  if (body !== (iss.body ?? '')) {
    u.body = body;
    changes.push('body');
  }
  if (!iss.labels.includes(label)) {
    u.addLabels = [label];
    changes.push('label');
  }
  return changes.length ? u : null;
}


/**
 * Tasks with their prerequisites first, in the scheduler's one topological order (app/plan/schedule):
 * every task taking one hour and starting the moment it may, tasks come in the order they finish
 * (by depth, then file order). Tasks on a cycle, which the parser refuses, come last in file order.
 */
export function topoOrder<T extends Pick<PlanTask, 'key' | 'epic' | 'dependsOn'>>(tasks: readonly T[], epics: readonly Pick<PlanEpic, 'key' | 'dependsOn'>[] = []): T[] {
  const g = buildDependencyGraph({
    epics: epics.map((e) => ({ key: e.key, dependsOn: e.dependsOn })),
    tasks: tasks.map((t) => ({ key: t.key, epic: t.epic, hours: 1, dependsOn: t.dependsOn })),
  });
  const { seq } = simulate(g, { agents: Infinity, order: 'fifo' });
  const rank = (i: number) => (seq[i]! >= 0 ? seq[i]! : Number.MAX_SAFE_INTEGER);
  return tasks
    .map((t, i) => ({ t, i }))
    .sort((a, b) => rank(a.i) - rank(b.i) || a.i - b.i)
    .map((x) => x.t);
}

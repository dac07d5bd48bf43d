import type { GitHubClient, Logger } from '../types.js';
import { errorText, httpStatus, silentLogger } from '../types.js';
import { digest } from '../effects/once.js';

/**
 * Plan → issues, safe-settings style: `diffPlan` (pure) computes what would change, `applySync`
 * carries it out, `dryRun` only prints it. One issue per epic and per task, found again by the
 * hidden marker in its body; creates and edits only, never closes or deletes.
 */

// ------------------------------------------------------------------ the plan as sync sees it

export interface SyncPlanEpic {
  key: string;
  title: string;
  priority?: number | undefined;
  declaredHours?: number | null | undefined;
  hours?: number | undefined;
  /** `epic:1`, `epic:1@50` */
  dependsOn?: string[] | undefined;
  completionCriteria?: string[] | undefined;
}

export interface SyncPlanTask {
  key: string;
  epic: string;
  title: string;
  hours: number;
  /** `1.2`, `epic:1`, `epic:1@50` */
  dependsOn: string[];
  deliverables?: string[] | undefined;
  priority?: number | undefined;
}

export interface SyncPlan {
  epics: SyncPlanEpic[];
  tasks: SyncPlanTask[];
}

/** Accepts the parser's Plan (or its JSON form) and keeps what sync needs. */
export function toSyncPlan(plan: unknown): SyncPlan {
  const p = (plan ?? {}) as { epics?: unknown[]; tasks?: unknown[] };
  const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const strs = (v: unknown) => (Array.isArray(v) ? v.map(str).filter(Boolean) : []);
  const epics: SyncPlanEpic[] = [];
  const tasks: SyncPlanTask[] = [];
  for (const e of p.epics ?? []) {
    const o = e as Record<string, unknown>;
    epics.push({
      key: str(o.key),
      title: str(o.title),
      priority: num(o.priority),
      declaredHours: num(o.declaredHours) ?? null,
      hours: num(o.hours),
      dependsOn: strs(o.dependsOn),
      completionCriteria: strs(o.completionCriteria),
    });
    // Some plan shapes nest tasks in their epic.
    for (const t of Array.isArray(o.tasks) ? o.tasks : []) tasks.push(taskOf(t as Record<string, unknown>, str(o.key)));
  }
  for (const t of p.tasks ?? []) tasks.push(taskOf(t as Record<string, unknown>, ''));
  return { epics, tasks };

  function taskOf(o: Record<string, unknown>, epic: string): SyncPlanTask {
    return {
      key: str(o.key),
      epic: str(o.epic) || str(o.epicKey) || epic,
      title: str(o.title),
      hours: num(o.hours) ?? num(o.estimatedHours) ?? num(o.estimate) ?? 0,
      dependsOn: strs(o.dependsOn),
      deliverables: strs(o.deliverables),
      priority: num(o.priority),
    };
  }
}

// ------------------------------------------------------------------ issues as found on GitHub

export interface ExistingIssue {
  number: number;
  /** Database id: what the sub-issue and dependency endpoints take. */
  id: number;
  nodeId?: string | undefined;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  /** Number of the parent issue, when the API said (undefined: not known). */
  parentNumber?: number | null | undefined;
}

export interface Marker {
  kind: 'task' | 'epic';
  key: string;
}

const MARKER = /<!--\s*fleet:(task|epic)=([^\s>]{1,100})\s*-->/;
export const END_MARKER = '<!-- fleet:end -->';

export function readMarker(body: string | null | undefined): Marker | null {
  const m = MARKER.exec(body ?? '');
  return m ? { kind: m[1] as 'task' | 'epic', key: m[2]! } : null;
}

// ------------------------------------------------------------------ rendering

export const epicTitle = (e: SyncPlanEpic) => `Epic ${e.key}: ${e.title}`.slice(0, 256);
export const taskTitle = (t: SyncPlanTask) => `${t.key} ${t.title}`.slice(0, 256);

function fmtHours(h: number | null | undefined): string {
  return h === null || h === undefined ? '?' : `${Number(h.toFixed(2))}h`;
}

function depLabel(dep: string, numbers: NumberMap): string {
  const m = /^epic:([^@]+)(?:@(\d+(?:\.\d+)?))?$/.exec(dep);
  if (m) {
    const n = numbers.epics.get(m[1]!);
    const ref = n ? `#${n}` : `epic ${m[1]}`;
    return m[2] ? `${ref} (${m[2]}%)` : ref;
  }
  const n = numbers.tasks.get(dep);
  return n ? `#${n}` : `\`${dep}\``;
}

export interface NumberMap {
  tasks: Map<string, number>;
  epics: Map<string, number>;
}

/** The managed part of a task issue's body; what people write below END_MARKER is kept. */
export function renderTaskBody(t: SyncPlanTask, numbers: NumberMap): string {
  const lines = [`<!-- fleet:task=${t.key} -->`];
  const epicN = numbers.epics.get(t.epic);
  lines.push(`Epic: ${epicN ? `#${epicN}` : `epic ${t.epic}`}`);
  lines.push(`Estimate: ${fmtHours(t.hours)}`);
  if (t.dependsOn.length) lines.push(`Depends on: ${t.dependsOn.map((d) => depLabel(d, numbers)).join(', ')}`);
  if (t.priority !== undefined) lines.push(`Priority: p${t.priority}`);
  if (t.deliverables?.length) {
    lines.push('', '### Deliverables', ...t.deliverables.map((d) => `- ${d}`));
  }
  lines.push('', '_Managed by fleet from the plan: edit the plan, not this text; notes below the line are kept._', END_MARKER);
  return lines.join('\n');
}

export function renderEpicBody(e: SyncPlanEpic, tasks: SyncPlanTask[], numbers: NumberMap): string {
  const lines = [`<!-- fleet:epic=${e.key} -->`];
  const hours = e.hours ?? tasks.reduce((a, t) => a + t.hours, 0);
  lines.push(`Estimate: ${fmtHours(hours)}${e.declaredHours != null && e.declaredHours !== hours ? ` (declared ${fmtHours(e.declaredHours)})` : ''}`);
  if (e.dependsOn?.length) lines.push(`Depends on: ${e.dependsOn.map((d) => depLabel(d, numbers)).join(', ')}`);
  if (e.priority !== undefined) lines.push(`Priority: p${e.priority}`);
  lines.push('', '### Tasks', ...tasks.map((t) => `- ${numbers.tasks.get(t.key) ? `#${numbers.tasks.get(t.key)}` : `\`${t.key}\``} ${t.title} (${fmtHours(t.hours)})`));
  if (e.completionCriteria?.length) lines.push('', '### Completion criteria', ...e.completionCriteria.map((c) => `- ${c}`));
  lines.push('', '_Managed by fleet from the plan: edit the plan, not this text; notes below the line are kept._', END_MARKER);
  return lines.join('\n');
}

/** Managed part replaced, people's part (after END_MARKER) kept. */
export function mergeBody(existing: string, managed: string): string {
  const i = existing.indexOf(END_MARKER);
  const tail = i >= 0 ? existing.slice(i + END_MARKER.length) : '';
  return managed + tail;
}

// ------------------------------------------------------------------ the diff

export const TASK_LABEL = 'fleet:task';
export const EPIC_LABEL = 'fleet:epic';

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
export function diffPlan(plan: SyncPlan, existing: ExistingIssue[], numbers: NumberMap = numbersOf(existing)): DiffResult {
  const { epics, tasks, dupes } = indexIssues(existing);
  const actions: SyncAction[] = [];
  const creates: SyncAction[] = [];
  const tasksByEpic = new Map<string, SyncPlanTask[]>();
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
  for (const t of topoOrder(plan.tasks)) {
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

/** Tasks with their in-plan task dependencies first (cycles, which the parser refuses, keep file order). */
export function topoOrder(tasks: SyncPlanTask[]): SyncPlanTask[] {
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const out: SyncPlanTask[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (t: SyncPlanTask) => {
    if (state.get(t.key)) return;
    state.set(t.key, 1);
    for (const d of t.dependsOn) {
      const dt = byKey.get(d);
      if (dt && !state.get(dt.key)) visit(dt);
    }
    state.set(t.key, 2);
    out.push(t);
  };
  for (const t of tasks) visit(t);
  return out;
}

// ------------------------------------------------------------------ reading and applying

/** Issues labelled fleet:task or fleet:epic (open and closed), pull requests left out. */
export async function listPlanIssues(gh: GitHubClient, owner: string, repo: string): Promise<ExistingIssue[]> {
  const out = new Map<number, ExistingIssue>();
  for (const label of [EPIC_LABEL, TASK_LABEL]) {
    for (let page = 1; page <= 100; page++) {
      const res = await gh.request('GET /repos/{owner}/{repo}/issues', { owner, repo, state: 'all', labels: label, per_page: 100, page });
      const items = res.data as unknown as RawIssue[];
      for (const i of items) {
        if (i.pull_request) continue;
        out.set(i.number, fromRaw(i));
      }
      if (items.length < 100) break;
    }
  }
  return [...out.values()];
}

interface RawIssue {
  number: number;
  id: number;
  node_id?: string;
  title: string;
  body?: string | null;
  state: string;
  labels?: (string | { name?: string })[];
  pull_request?: unknown;
  parent_issue_url?: string | null;
}

function fromRaw(i: RawIssue): ExistingIssue {
  let parentNumber: number | null | undefined;
  if (i.parent_issue_url === null) parentNumber = null;
  else if (typeof i.parent_issue_url === 'string') parentNumber = Number(/\/issues\/(\d+)$/.exec(i.parent_issue_url)?.[1]) || undefined;
  return {
    number: i.number,
    id: i.id,
    nodeId: i.node_id,
    title: i.title,
    body: i.body ?? '',
    state: i.state === 'closed' ? 'closed' : 'open',
    labels: (i.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    parentNumber,
  };
}

export interface SyncReport {
  dryRun: boolean;
  created: { kind: 'epic' | 'task'; key: string; number: number }[];
  updated: { kind: 'epic' | 'task'; key: string; number: number; changes: string[] }[];
  linked: { epicKey: string; taskKey: string }[];
  blockedBy: { taskKey: string; blockedByKey: string }[];
  orphans: DiffResult['orphans'];
  duplicates: DiffResult['duplicates'];
  errors: string[];
  /** key → issue (number, node id) for every plan item, for the database. */
  issues: { tasks: Map<string, { number: number; nodeId: string | null }>; epics: Map<string, { number: number; nodeId: string | null }> };
  /** Planned actions (dry run) or what was done. */
  actions: SyncAction[];
}

export interface ApplyOptions {
  dryRun?: boolean;
  /** Add GitHub "blocked by" relationships for task dependencies (default true; skipped where unsupported). */
  blockedBy?: boolean;
  /** Sub-issue and blocked-by links: batched GraphQL mutations (default, 25 per request) or one REST call each. */
  relations?: 'graphql' | 'rest';
  log?: Logger;
  /**
   * Runs each write under an effect key (app/github/effects.ts `once`), so a re-run of the same
   * webhook delivery skips what an earlier run wrote. Without it (the CLI) writes run directly.
   */
  effect?: <T>(key: string, write: () => Promise<T>) => Promise<T>;
  /** Failures that must fail the whole sync (so the delivery is retried) instead of being reported. */
  fatal?: (err: unknown) => boolean;
}

/** Computes the diff and (unless dry run) applies it. Creates first, then edits with every number known. */
export async function syncPlan(gh: GitHubClient, owner: string, repo: string, plan: SyncPlan, opts: ApplyOptions = {}): Promise<SyncReport> {
  const log = opts.log ?? silentLogger;
  const effect = opts.effect ?? (<T>(_key: string, write: () => Promise<T>) => write());
  const fatal = opts.fatal ?? (() => false);
  const existing = await listPlanIssues(gh, owner, repo);
  const first = diffPlan(plan, existing);
  const report: SyncReport = {
    dryRun: !!opts.dryRun,
    created: [],
    updated: [],
    linked: [],
    blockedBy: [],
    orphans: first.orphans,
    duplicates: first.duplicates,
    errors: [],
    issues: { tasks: new Map(), epics: new Map() },
    actions: first.actions,
  };
  const idx = indexIssues(existing);
  const byKey = { epic: new Map<string, ExistingIssue>(idx.epics), task: new Map<string, ExistingIssue>(idx.tasks) };
  const fillIssues = () => {
    for (const [k, v] of byKey.epic) report.issues.epics.set(k, { number: v.number, nodeId: v.nodeId ?? null });
    for (const [k, v] of byKey.task) report.issues.tasks.set(k, { number: v.number, nodeId: v.nodeId ?? null });
  };
  if (opts.dryRun) {
    fillIssues();
    return report;
  }

  const numbers = (): NumberMap => ({
    epics: new Map([...byKey.epic].map(([k, v]) => [k, v.number])),
    tasks: new Map([...byKey.task].map(([k, v]) => [k, v.number])),
  });
  const tasksByEpic = new Map<string, SyncPlanTask[]>();
  for (const t of plan.tasks) tasksByEpic.set(t.epic, [...(tasksByEpic.get(t.epic) ?? []), t]);
  const epicOf = new Map(plan.epics.map((e) => [e.key, e]));
  const taskOf = new Map(plan.tasks.map((t) => [t.key, t]));
  let blockedBySupported = opts.blockedBy !== false;

  const batched = opts.relations !== 'rest';
  const deferred: Extract<SyncAction, { op: 'link-sub-issue' | 'add-blocked-by' }>[] = [];
  for (const a of first.actions) {
    if (batched && (a.op === 'link-sub-issue' || a.op === 'add-blocked-by')) {
      deferred.push(a);
      continue;
    }
    try {
      if (a.op === 'create') {
        const body =
          a.kind === 'epic'
            ? renderEpicBody(epicOf.get(a.key)!, tasksByEpic.get(a.key) ?? [], numbers())
            : renderTaskBody(taskOf.get(a.key)!, numbers());
        const d = await effect(`issue:create:${a.kind}:${a.key}`, async () => {
          const res = await gh.request('POST /repos/{owner}/{repo}/issues', { owner, repo, title: a.title, body, labels: a.labels });
          const r = res.data as unknown as RawIssue;
          // What the rest of the sync needs, small enough to record with the delivery.
          return { id: r.id, node_id: r.node_id, number: r.number, title: r.title, body: r.body, state: r.state, labels: r.labels } as RawIssue;
        });
        byKey[a.kind].set(a.key, fromRaw({ ...d, body: d.body ?? body, parent_issue_url: null }));
        report.created.push({ kind: a.kind, key: a.key, number: d.number });
      } else if (a.op === 'link-sub-issue') {
        const parent = byKey.epic.get(a.epicKey);
        const child = byKey.task.get(a.taskKey);
        if (!parent || !child) continue;
        await effect(`issue:sub:${parent.number}:${child.id}`, () =>
          gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues', {
            owner,
            repo,
            issue_number: parent.number,
            sub_issue_id: child.id,
          }).then(() => true),
        );
        report.linked.push({ epicKey: a.epicKey, taskKey: a.taskKey });
      } else if (a.op === 'add-blocked-by') {
        if (!blockedBySupported) continue;
        const issue = byKey.task.get(a.taskKey);
        const blocker = byKey.task.get(a.blockedByKey);
        if (!issue || !blocker) continue;
        try {
          await effect(`issue:blocked_by:${issue.number}:${blocker.id}`, () =>
            gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by', {
              owner,
              repo,
              issue_number: issue.number,
              issue_id: blocker.id,
            }).then(() => true),
          );
          report.blockedBy.push({ taskKey: a.taskKey, blockedByKey: a.blockedByKey });
        } catch (err) {
          const s = httpStatus(err);
          if (s === 404 || s === 410 || s === 501) {
            blockedBySupported = false; // older GitHub Enterprise: the dependency is still written in the body
            log.info({ status: s }, 'issue dependencies are not supported here; dependencies stay in the issue bodies');
          } else throw err;
        }
      }
      // updates are recomputed below with every number known
    } catch (err) {
      if (fatal(err)) throw err;
      report.errors.push(`${describe(a)}: ${errorText(err)}`);
      log.warn({ action: a.op, err: errorText(err) }, 'plan sync step failed');
    }
  }

  if (deferred.length) {
    const relations = deferred.filter((a) => a.op === 'link-sub-issue' || blockedBySupported);
    await linkRelationsBatched(gh, owner, repo, relations, byKey, report, log, effect, fatal);
  }

  // Second pass: edits, computed against what exists now (new numbers included).
  const now = [...byKey.epic.values(), ...byKey.task.values()];
  const second = diffPlan(plan, now, numbers());
  for (const a of second.actions) {
    if (a.op !== 'update') continue;
    try {
      // Keyed by the new content: an edit made by an earlier run is not made again.
      await effect(`issue:edit:${a.number}:${digest({ t: a.title, b: a.body })}`, () =>
        gh.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
          owner,
          repo,
          issue_number: a.number,
          ...(a.title !== undefined ? { title: a.title } : {}),
          ...(a.body !== undefined ? { body: a.body } : {}),
        }).then(() => true),
      );
      if (a.addLabels?.length) {
        const labels = a.addLabels;
        await effect(`label:${a.number}:${labels.join(',')}`, () =>
          gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { owner, repo, issue_number: a.number, labels }).then(() => true),
        );
      }
      // Freshly created issues whose bodies only gained links are not reported as edits.
      if (!report.created.some((c) => c.number === a.number)) report.updated.push({ kind: a.kind, key: a.key, number: a.number, changes: a.changes });
    } catch (err) {
      report.errors.push(`${describe(a)}: ${errorText(err)}`);
    }
  }
  report.actions = [...first.actions.filter((a) => a.op !== 'update'), ...second.actions.filter((a) => a.op === 'update')];
  fillIssues();
  return report;
}

const RELATIONS_PER_REQUEST = 25;

/**
 * Sub-issue and blocked-by links as aliased GraphQL mutations, 25 per request, instead of one
 * REST call each. A batch GraphQL refuses (older Enterprise without the mutations) is retried
 * link by link over REST, where an unsupported blocked-by is skipped.
 */
async function linkRelationsBatched(
  gh: GitHubClient,
  owner: string,
  repo: string,
  relations: Extract<SyncAction, { op: 'link-sub-issue' | 'add-blocked-by' }>[],
  byKey: { epic: Map<string, ExistingIssue>; task: Map<string, ExistingIssue> },
  report: SyncReport,
  log: Logger,
  effect: <T>(key: string, write: () => Promise<T>) => Promise<T>,
  fatal: (err: unknown) => boolean,
): Promise<void> {
  type Rel = { a: (typeof relations)[number]; from: ExistingIssue; to: ExistingIssue };
  const rels: Rel[] = [];
  for (const a of relations) {
    const from = a.op === 'link-sub-issue' ? byKey.epic.get(a.epicKey) : byKey.task.get(a.taskKey);
    const to = a.op === 'link-sub-issue' ? byKey.task.get(a.taskKey) : byKey.task.get(a.blockedByKey);
    if (from && to) rels.push({ a, from, to });
  }
  for (let i = 0; i < rels.length; i += RELATIONS_PER_REQUEST) {
    const batch = rels.slice(i, i + RELATIONS_PER_REQUEST);
    const vars: Record<string, string> = {};
    const decl: string[] = [];
    const body: string[] = [];
    let ok = batch.every((r) => r.from.nodeId && r.to.nodeId);
    batch.forEach((r, j) => {
      vars[`a${j}`] = r.from.nodeId ?? '';
      vars[`b${j}`] = r.to.nodeId ?? '';
      decl.push(`$a${j}: ID!`, `$b${j}: ID!`);
      body.push(
        r.a.op === 'link-sub-issue'
          ? `r${j}: addSubIssue(input: {issueId: $a${j}, subIssueId: $b${j}}) { clientMutationId }`
          : `r${j}: addBlockedBy(input: {issueId: $a${j}, blockingIssueId: $b${j}}) { clientMutationId }`,
      );
    });
    if (ok) {
      try {
        const query = `mutation(${decl.join(', ')}) { ${body.join(' ')} }`;
        await effect(`issue:links:${digest(vars)}`, () => gh.graphql(query, vars).then(() => true));
      } catch (err) {
        if (fatal(err)) throw err;
        ok = false;
        log.info({ err: errorText(err) }, 'batched issue links refused; linking one by one');
      }
    }
    for (const r of batch) {
      if (!ok) {
        try {
          if (r.a.op === 'link-sub-issue') {
            await effect(`issue:sub:${r.from.number}:${r.to.id}`, () =>
              gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues', {
                owner,
                repo,
                issue_number: r.from.number,
                sub_issue_id: r.to.id,
              }).then(() => true),
            );
          } else {
            await effect(`issue:blocked_by:${r.from.number}:${r.to.id}`, () =>
              gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by', {
                owner,
                repo,
                issue_number: r.from.number,
                issue_id: r.to.id,
              }).then(() => true),
            );
          }
        } catch (err) {
          if (fatal(err)) throw err;
          const s = httpStatus(err);
          if (r.a.op === 'add-blocked-by' && (s === 404 || s === 410 || s === 501)) continue;
          report.errors.push(`${describe(r.a)}: ${errorText(err)}`);
          continue;
        }
      }
      if (r.a.op === 'link-sub-issue') report.linked.push({ epicKey: r.a.epicKey, taskKey: r.a.taskKey });
      else report.blockedBy.push({ taskKey: r.a.taskKey, blockedByKey: r.a.blockedByKey });
    }
  }
}

function describe(a: SyncAction): string {
  switch (a.op) {
    case 'create':
      return `create ${a.kind} ${a.key}`;
    case 'update':
      return `update ${a.kind} ${a.key} (#${a.number}: ${a.changes.join(', ')})`;
    case 'link-sub-issue':
      return `make ${a.taskKey} a sub-issue of epic ${a.epicKey}`;
    case 'add-blocked-by':
      return `mark ${a.taskKey} blocked by ${a.blockedByKey}`;
  }
}

/** The plan of changes as text, for `--dry-run` and logs. */
export function formatSyncReport(r: SyncReport): string {
  const lines: string[] = [];
  if (r.dryRun) {
    lines.push(r.actions.length ? `Plan of changes (${r.actions.length}; nothing written):` : 'No changes: the issues match the plan.');
    for (const a of r.actions) lines.push(`  ${a.op === 'create' ? '+' : a.op === 'update' ? '~' : '>'} ${describe(a)}`);
  } else {
    lines.push(`Created ${r.created.length}, updated ${r.updated.length}, sub-issues linked ${r.linked.length}, blocked-by added ${r.blockedBy.length}.`);
    for (const c of r.created) lines.push(`  + ${c.kind} ${c.key} → #${c.number}`);
    for (const u of r.updated) lines.push(`  ~ ${u.kind} ${u.key} #${u.number} (${u.changes.join(', ')})`);
  }
  for (const o of r.orphans) lines.push(`  ! #${o.number} (${o.kind} ${o.key}) is no longer in the plan; left as it is`);
  for (const d of r.duplicates) lines.push(`  ! ${d.key} appears on issues ${d.numbers.map((n) => `#${n}`).join(', ')}; using #${d.numbers[0]}`);
  for (const e of r.errors) lines.push(`  x ${e}`);
  return lines.join('\n');
}

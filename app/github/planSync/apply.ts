import type { GitHubClient, Logger } from '../types.js';
import { errorText, silentLogger } from '../types.js';
import { digest } from '../effects/once.js';
import type { GitHubGateway, IssueRecord } from '../gateway/gitHubGateway.js';
import { issueRecord, octokitGateway } from '../gateway/octokitGateway.js';
import type { Plan, PlanTask } from '../../../schema/plan.js';
import { EPIC_LABEL, TASK_LABEL, renderEpicBody, renderTaskBody, type ExistingIssue, type NumberMap } from './issueBody.js';
import { diffPlan, indexIssues } from './diff.js';
import { linkOne, linkRelationsBatched, type RelationAction } from './relations.js';
import { describe, type SyncReport } from './report.js';

/**
 * Carries out the diff (./diff.ts) through the GitHub gateway: creates first, then links, then
 * edits with every issue number known. Each write runs under an effect key when the caller gives
 * `effect` (a webhook delivery), so a re-run skips what an earlier run wrote.
 */

/** Issues labelled fleet:task or fleet:epic (open and closed), pull requests left out. */
export async function listPlanIssues(github: GitHubGateway): Promise<ExistingIssue[]> {
  const out = new Map<number, ExistingIssue>();
  for (const label of [EPIC_LABEL, TASK_LABEL]) for (const i of await github.listIssuesByLabel(label)) out.set(i.number, i);
  return [...out.values()];
}

export interface ApplyOptions {
  dryRun?: boolean;
  /** Add GitHub "blocked by" relationships for task dependencies (default true; skipped where unsupported). */
  blockedBy?: boolean;
  /** Sub-issue and blocked-by links: batched GraphQL mutations (default, 25 per request) or one REST call each. */
  relations?: 'graphql' | 'rest';
  log?: Logger;
  /**
   * Runs each write under an effect key (app/github/effects/once.ts `once`), so a re-run of the same
   * webhook delivery skips what an earlier run wrote. Without it (the CLI) writes run directly.
   */
  effect?: <T>(key: string, write: () => Promise<T>) => Promise<T>;
  /** Failures that must fail the whole sync (so the delivery is retried) instead of being reported. */
  fatal?: (err: unknown) => boolean;
}


/**
 * Computes the diff and (unless dry run) applies it. `gh` is an Octokit (the CLI's, a delivery's)
 * or the gateway itself.
 */
export async function syncPlan(gh: GitHubClient | GitHubGateway, owner: string, repo: string, plan: Pick<Plan, 'epics' | 'tasks'>, opts: ApplyOptions = {}): Promise<SyncReport> {
  const github = 'listIssuesByLabel' in gh ? gh : octokitGateway(gh, owner, repo);
  const log = opts.log ?? silentLogger;
  const effect = opts.effect ?? (<T>(_key: string, write: () => Promise<T>) => write());
  const fatal = opts.fatal ?? (() => false);
  const existing = await listPlanIssues(github);
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
  const tasksByEpic = new Map<string, PlanTask[]>();
  for (const t of plan.tasks) tasksByEpic.set(t.epic, [...(tasksByEpic.get(t.epic) ?? []), t]);
  const epicOf = new Map(plan.epics.map((e) => [e.key, e]));
  const taskOf = new Map(plan.tasks.map((t) => [t.key, t]));
  let blockedBySupported = opts.blockedBy !== false;

  const batched = opts.relations !== 'rest';
  const deferred: RelationAction[] = [];
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
        const d = await effect(`issue:create:${a.kind}:${a.key}`, () => github.createIssue({ title: a.title, body, labels: a.labels }));
        // Runs recorded before the gateway hold the REST shape of the issue.
        const rec: IssueRecord = 'node_id' in d ? issueRecord(d as unknown as Parameters<typeof issueRecord>[0]) : d;
        byKey[a.kind].set(a.key, { ...rec, body: rec.body || body, parentNumber: null });
        report.created.push({ kind: a.kind, key: a.key, number: rec.number });
      } else if (a.op === 'link-sub-issue' || a.op === 'add-blocked-by') {
        if (a.op === 'add-blocked-by' && !blockedBySupported) continue;
        const from = a.op === 'link-sub-issue' ? byKey.epic.get(a.epicKey) : byKey.task.get(a.taskKey);
        const to = a.op === 'link-sub-issue' ? byKey.task.get(a.taskKey) : byKey.task.get(a.blockedByKey);
        if (!from || !to) continue;
        if (!(await linkOne(github, a.op, from, to, effect))) {
          blockedBySupported = false; // older GitHub Enterprise: the dependency is still written in the body
          log.info({}, 'issue dependencies are not supported here; dependencies stay in the issue bodies');
          continue;
        }
        if (a.op === 'link-sub-issue') report.linked.push({ epicKey: a.epicKey, taskKey: a.taskKey });
        else report.blockedBy.push({ taskKey: a.taskKey, blockedByKey: a.blockedByKey });
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
    await linkRelationsBatched(github, relations, byKey, report, log, effect, fatal);
  }

  // Second pass: edits, computed against what exists now (new numbers included).
  const now = [...byKey.epic.values(), ...byKey.task.values()];
  const second = diffPlan(plan, now, numbers());
  for (const a of second.actions) {
    if (a.op !== 'update') continue;
    try {
      // Keyed by the new content: an edit made by an earlier run is not made again.
      await effect(`issue:edit:${a.number}:${digest({ t: a.title, b: a.body })}`, () =>
        github.updateIssue(a.number, { title: a.title, body: a.body }).then(() => true),
      );
      if (a.addLabels?.length) {
        const labels = a.addLabels;
        await effect(`label:${a.number}:${labels.join(',')}`, () =>
          github.addLabels(a.number, labels).then(() => true),
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

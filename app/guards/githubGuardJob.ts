import type { Db } from '../store/db.js';
import type { GitHubGateway } from '../github/gateway/gitHubGateway.js';
import type { EffectCtx } from '../github/effects/once.js';
import { digest, once } from '../github/effects/once.js';
import type { GuardRails } from './guardRails.js';
import type { FleetPort } from '../github/ports.js';
import { clearCircuitNotice, pendingCircuitNotices } from './sql/poolCircuits.js';
import { pauseLabelsDone, pauseLabelsDue } from './sql/pauseLabels.js';
import { trackingIssue } from './sql/trackingIssue.js';
import { describeError } from '../core/describeError.js';

/** How long a job told to stop may keep its lease before its workflow run is cancelled. */
export const STOP_GRACE_MS = 5 * 60_000;

export const PAUSED_LABEL = 'fleet:paused';

export interface GuardJobDeps {
  db: Db;
  guards: GuardRails;
  /** The GitHub App's port, for its effects record: each GitHub write once, even when a round is re-run. */
  port: FleetPort;
  /** The repository's gateway through the App's installation; null when the App is not installed there. */
  gateway: (owner: string, repo: string) => Promise<GitHubGateway | null>;
  log: EffectCtx['log'];
  graceMs?: number;
}

/**
 * The GitHub writes of the guard rails that no webhook delivery carries, in the periodic round:
 * cancel the workflow runs of jobs that did not stop within the grace period (and revoke their
 * leases), post what a pool's circuit did on the plan's tracking issue, and keep the epic issues'
 * `fleet:paused` label in line with the project's pause. Each write goes through the effects
 * record under a key of its own, so a round that dies half-way does not repeat it.
 */
export async function runGuardJob(d: GuardJobDeps): Promise<{ cancelled: number; notices: number; labelled: number }> {
  const out = { cancelled: 0, notices: 0, labelled: 0 };
  // `once` reads only deps.port.effects: the round stands in for a delivery under its own ids.
  const ctx = (deliveryId: string): EffectCtx => ({ deliveryId, deps: { port: d.port } as unknown as EffectCtx['deps'], log: d.log });

  for (const stop of await d.guards.overdueStops(d.graceMs ?? STOP_GRACE_MS)) {
    try {
      if (stop.workflowRunId !== null) {
        const gw = await d.gateway(stop.owner, stop.repo);
        if (gw) {
          const runId = stop.workflowRunId;
          await once(ctx(`guards:stop:${stop.assignmentId}`), `cancel-run:${runId}`, () => gw.cancelWorkflowRun(runId));
          out.cancelled++;
        }
      }
      await d.guards.revoke(stop);
    } catch (err) {
      d.log.warn({ assignment: stop.assignmentId, err: describeError(err) }, 'could not cancel the run of a job told to stop');
    }
  }

  for (const n of await pendingCircuitNotices(d.db)) {
    try {
      const issue = await trackingIssue(d.db, n.projectId);
      const gw = issue === null ? null : await d.gateway(n.owner, n.repo);
      if (gw && issue !== null) {
        await once(ctx(`guards:circuit:${n.projectId}:${n.pool}`), `comment:${digest(n.notice)}`, () => gw.createComment(issue, n.notice));
        out.notices++;
      }
      await clearCircuitNotice(d.db, n.projectId, n.pool, n.notice);
    } catch (err) {
      d.log.warn({ project: n.projectId, pool: n.pool, err: describeError(err) }, 'could not post the circuit notice');
    }
  }

  for (const p of await pauseLabelsDue(d.db)) {
    try {
      const gw = await d.gateway(p.owner, p.repo);
      if (!gw) continue;
      const c = ctx(`guards:pause:${p.projectId}:${p.version}`);
      for (const issue of p.issues) {
        await once(c, `${p.paused ? 'label' : 'unlabel'}:${issue}`, () => (p.paused ? gw.addLabels(issue, [PAUSED_LABEL]) : gw.removeLabel(issue, PAUSED_LABEL)).then(() => true));
      }
      await pauseLabelsDone(d.db, p.projectId, p.paused);
      out.labelled++;
    } catch (err) {
      d.log.warn({ project: p.projectId, err: describeError(err) }, 'could not label the paused epics');
    }
  }
  return out;
}

import type { Probot } from 'probot';
import type { Db } from '../../store/db.js';
import type { Engine } from '../../engine/engine.js';
import type { PeriodicJobSpec } from '../../engine/periodic.js';
import type { FleetPort } from '../ports.js';
import { STRANGER_REPLY_WINDOW_S } from '../commands/handler.js';
import { reconcile } from '../reconcile.js';
import { installationClient } from './probot.js';
import { installedProjects } from '../sql/installedProjects.js';
import { octokitGateway } from '../gateway/octokitGateway.js';
import { runGuardJob } from '../../guards/githubGuardJob.js';
import { guardsFor } from '../../guards/guardsFor.js';
import { describeError } from '../../core/describeError.js';

/** How long a delivery's record of its GitHub writes is kept. */
const EFFECTS_KEPT_MS = 7 * 24 * 3600 * 1000;

/** The running GitHub App's parts its periodic jobs use; none until the App starts. */
export interface GitHubAppRuntime {
  probot: Probot;
  port: FleetPort;
}

/**
 * The GitHub App's periodic jobs, for the boot module (app/jobs.ts) to register. The App may start
 * after the server (through /setup), so they are registered at boot and do nothing while `runtime`
 * answers null.
 */
export function githubJobs(o: { db: Db; engine: Engine; runtime: () => GitHubAppRuntime | null }): PeriodicJobSpec[] {
  const whenRunning =
    (job: (app: GitHubAppRuntime) => Promise<unknown>) =>
    async (): Promise<unknown> => {
      const app = o.runtime();
      return app ? job(app) : undefined;
    };
  return [
    {
      // A delivery's effect records matter only while it may run again (its retries end within
      // the hour; a redelivery of the same id is refused at receipt): a week is ample. Reply
      // markers keep the one-reply-an-hour rule for strangers. About hourly (240 rounds).
      name: 'prune-github-effects',
      everyRounds: 240,
      run: whenRunning(({ port }) => port.effects.prune(new Date(Date.now() - EFFECTS_KEPT_MS), STRANGER_REPLY_WINDOW_S)),
    },
    {
      // Issue 15: runs that did not stop in time are cancelled, circuit notices posted, paused epics labelled.
      name: 'guards.github',
      everyRounds: 2,
      run: whenRunning(({ probot, port }) =>
        runGuardJob({
          db: o.db,
          guards: guardsFor({ db: o.db, engine: o.engine }),
          port,
          log: probot.log,
          gateway: async (owner, repo) => {
            try {
              return octokitGateway((await installationClient(probot, owner, repo)).gh, owner, repo);
            } catch (err) {
              if ((err as { status?: number }).status === 404) return null;
              throw err;
            }
          },
        }),
      ),
    },
    {
      // Repairs what lost webhooks left wrong: every ~5 minutes (20 sweep rounds), one process at a time.
      name: 'reconcile',
      everyRounds: 20,
      run: whenRunning(async ({ probot, port }) => {
        for (const p of await installedProjects(o.db)) {
          try {
            const { gh } = await installationClient(probot, p.owner, p.repo);
            const report = await reconcile(gh, port, p, { log: probot.log });
            if (report.repaired.length) probot.log.info({ project: `${p.owner}/${p.repo}`, repaired: report.repaired.length }, 'reconciled');
          } catch (err) {
            probot.log.warn({ project: `${p.owner}/${p.repo}`, err: describeError(err) }, 'reconcile failed');
          }
        }
      }),
    },
  ];
}

import type { FleetConfig } from '../../schema/fleetConfig.js';
import type { ConfigStore } from './config.js';
import type { FleetPort, Project } from './ports.js';
import type { Plan } from '../../schema/plan.js';
import type { GitHubClient, Logger } from './types.js';
import type { PermissionCache } from './commands/permissions.js';
import type { GitHubGateway } from './gateway/gitHubGateway.js';
import type { GuardCommands } from '../guards/guardCommands.js';
import type { OwnApp } from '../core/botActor.js';

/** What the plan file needs: a parser and something that writes the plan's rows; the plan is schema/plan.ts's. */
export interface PlanHooks {
  parse(text: string): { plan: Plan | null; errors: { line: number; message: string }[] };
  /** Writes epics, tasks and edges; returns the task ids written (readiness is refreshed after). */
  /** `taskIds`: to re-index (the plan's tasks and those whose level moved); `planTaskIds`: the plan's own. */
  /** `source`: the plan file the plan was read from; its path, commit and hash are stored with the plan's tasks. */
  seed(projectId: number, plan: Plan, source?: { path: string; commit?: string | null; text: string }): Promise<{ taskIds: number[]; planTaskIds: number[] }>;
}

/** The merge queue (issue 7) plugs in here; without it `/fleet merge` says it is not enabled. */
export interface MergeQueueHooks {
  enqueue(ctx: RepoCtx, taskId: number, prNumber: number): Promise<string>;
  dequeue(ctx: RepoCtx, taskId: number, prNumber: number): Promise<string>;
}

export interface FleetAppDeps {
  port: FleetPort;
  configs: ConfigStore;
  /** Public URL agents use to reach the orchestrator (workflow input `orchestrator-url`). */
  orchestratorUrl: string;
  plan?: PlanHooks | undefined;
  permissions: PermissionCache;
  mergeQueue?: MergeQueueHooks | undefined;
  /** Waits between mergeability reads while GitHub computes it (default handlers/conflicts.ts). */
  mergeabilityRetryMs?: number[] | undefined;
  /** This App's id (and slug when known): its own reviews and comments never become feedback. */
  ownApp?: OwnApp | undefined;
  /** Add "blocked by" relationships on plan sync (default true). */
  blockedBy?: boolean | undefined;
  /** Issue 15: the kill switch and stop for `/fleet pause|resume|stop` (absent: those verbs are refused). */
  guards?: GuardCommands | undefined;
}

/** Everything a handler needs about the repository an event came from. */
export interface RepoCtx {
  /** The delivery's Octokit; handlers reach GitHub through `gatewayOf(ctx)` (app/github/gateway), not through this. */
  gh: GitHubClient;
  /** The repository's GitHub gateway when one is given (tests); else `gatewayOf` makes one over `gh`. */
  github?: GitHubGateway | undefined;
  owner: string;
  repo: string;
  project: Project;
  config: FleetConfig;
  deliveryId: string;
  installationId: number | null;
  log: Logger;
  deps: FleetAppDeps;
}

interface PayloadRepo {
  repository?: { name?: unknown; owner?: { login?: unknown }; default_branch?: unknown; master_branch?: unknown };
  installation?: { id?: unknown };
}

/** Builds the repo context from a Probot context, or null when the payload names no repository. */
export async function repoCtx(
  context: { id: string; payload: unknown; octokit: unknown; log: Logger },
  deps: FleetAppDeps,
): Promise<RepoCtx | null> {
  const p = context.payload as PayloadRepo;
  const owner = p.repository?.owner?.login;
  const repo = p.repository?.name;
  if (typeof owner !== 'string' || typeof repo !== 'string') return null;
  const installationId = typeof p.installation?.id === 'number' ? p.installation.id : null;
  const defaultBranch = typeof p.repository?.default_branch === 'string' ? p.repository.default_branch : undefined;
  const project = await deps.port.ensureProject({ owner, repo, installationId, defaultBranch });
  const gh = context.octokit as GitHubClient;
  const config = await deps.configs.get(gh, owner, repo);
  // The repository's lease length and attempt limit apply to its tasks from now on.
  if (project.leaseTtlSeconds !== config.leaseTtlSeconds || project.maxAttempts !== config.maxAttempts) {
    await deps.port.setProjectSettings(project.id, { leaseTtlSeconds: config.leaseTtlSeconds, maxAttempts: config.maxAttempts });
  }
  // Its scheduling.conflicts decides how its tasks are handed out (issue 14).
  if ((project.conflictMode ?? 'avoid') !== config.scheduling.conflicts) await deps.port.setConflictMode?.(project.id, config.scheduling.conflicts);
  // Issue 15: its budgets, pause mode, backoff and circuit breaker too (one UPDATE that changes nothing when they did not).
  await deps.guards?.applyFleetConfig(project.id, config);
  return { gh, owner, repo, project, config, deliveryId: context.id, installationId, log: context.log, deps };
}

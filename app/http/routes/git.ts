import type { FastifyInstance } from 'fastify';
import type { ApiDeps, RouteModule } from '../buildApi.js';
import { parseInput } from '../validate.js';
import { BranchesQuery, EvidenceBody, EvidenceListQuery, EvidenceTaskParam as TaskParam, MergeQueueQuery as QueueQuery } from '../../../schema/api.js';
import { requireActor, requireRead } from '../principal.js';
import { FleetError, ForbiddenError, ValidationError } from '../../core/errors.js';
import { DEFAULT_FLEET_CONFIG, type FleetConfig } from '../../../schema/fleetConfig.js';
import { readMergeQueue, type ProjectRepo } from '../../progress/mergeQueue.js';
import { assertTaskInScope, projectFor } from '../authorize.js';
import { assertReadable, readProject } from '../readScope.js';
import { evidenceJson, recordEvidence } from '../../evidence/recordEvidence.js';
import { listBranches } from '../sql/listBranches.js';
import { listEvidence } from '../../evidence/sql/listEvidence.js';
import { listTaskEvidence } from '../../evidence/sql/listTaskEvidence.js';
import { everAssigned } from '../sql/everAssigned.js';

/** `/api/git/*`: branches, evidence (read, and what agents may add), the merge queue. */

/** What agents may record through the API. */
export const AGENT_EVIDENCE_TYPES = ['note', 'test', 'build'] as const;
/** What only GitHub (webhooks, the app itself) records: never accepted from a client. */
export const GITHUB_EVIDENCE_TYPES = ['commit', 'pr', 'review', 'check', 'workflow_run', 'merge', 'deployment', 'dispatch'] as const;


export interface GitRouteOptions {
  /**
   * The repository's `.github/fleet.yml`: the GitHub App's config store when the app is mounted
   * (app/routes.ts), so the merge queue view requires the approvals the runner requires; the
   * default configuration for local projects.
   */
  repoConfig?: (project: ProjectRepo) => Promise<FleetConfig> | FleetConfig;
}

/** GitHub could not be asked for a repository's configuration: the view would be wrong, so none. */
class RepoConfigUnavailableError extends FleetError {
  override readonly status = 503;
  override readonly code = 'config_unavailable';
}

export function makeGitRoutes(opts: GitRouteOptions = {}): RouteModule {
  const repoConfig = opts.repoConfig ?? (() => DEFAULT_FLEET_CONFIG);
  const requiredApprovals = async (p: ProjectRepo): Promise<number> => {
    try {
      return (await repoConfig(p)).merge.requiredApprovals;
    } catch {
      throw new RepoConfigUnavailableError(`the configuration of ${p.owner}/${p.repo} (.github/fleet.yml) could not be read from GitHub; try again shortly`);
    }
  };
  return async (app: FastifyInstance, deps: ApiDeps) => {
    const { db, engine } = deps;

    app.get('/api/git/branches', async (req) => {
      requireRead(req, deps.publicRead);
      const q = parseInput(BranchesQuery, req.query, 'query');
      const rows = await listBranches(db, await readProject(req, q.project, deps.projectId), q.limit ?? 200);
      return {
        branches: rows.map((r) => ({
          branch: r.branch,
          task_id: Number(r.task_id),
          task_key: r.key,
          title: r.title,
          status: r.status,
          project: r.project,
          pr_number: r.pr_number,
          pr_url: r.pr_url,
          last_commit: r.commit_sha || r.commit_at ? { sha: r.commit_sha, url: r.commit_url, at: r.commit_at ? new Date(r.commit_at).toISOString() : null } : null,
          updated_at: new Date(r.updated_at).toISOString(),
        })),
      };
    });

    // The feed of recent evidence (dashboard).
    app.get('/api/git/evidence', async (req) => {
      requireRead(req, deps.publicRead);
      const q = parseInput(EvidenceListQuery, req.query, 'query');
      const rows = await listEvidence(db, await readProject(req, q.project, deps.projectId), q.type ?? null, q.limit ?? 50);
      return { evidence: rows.map(evidenceJson) };
    });

    app.get('/api/git/evidence/:task_id', async (req) => {
      requireRead(req, deps.publicRead);
      const { task_id } = parseInput(TaskParam, req.params, 'path');
      const q = parseInput(EvidenceListQuery, req.query, 'query');
      // A confined token looks keys up in its own project and reads nothing of another's.
      const projectId = (await readProject(req, q.project, deps.projectId)) ?? undefined;
      const task = await engine.getTask(task_id, projectId);
      assertReadable(req, task.projectId, `task ${task.key}`);
      const rows = await listTaskEvidence(db, task.id, q.type ?? null, q.limit ?? 100);
      return { task: { id: task.id, key: task.key, title: task.title, status: task.status, pr_number: task.prNumber, branch: task.branch }, evidence: rows.map(evidenceJson) };
    });

    app.post('/api/git/evidence', async (req, reply) => {
      const actor = requireActor(req);
      const body = parseInput(EvidenceBody, req.body, 'body');
      const type = body.type.toLowerCase();
      if ((GITHUB_EVIDENCE_TYPES as readonly string[]).includes(type))
        throw new ForbiddenError(
          `evidence of type "${type}" is recorded from GitHub itself (webhooks and the app) and cannot be added through the API; agents may add ${AGENT_EVIDENCE_TYPES.join(', ')}`,
        );
      if (!(AGENT_EVIDENCE_TYPES as readonly string[]).includes(type))
        throw new ValidationError(`invalid body: type: expected one of ${AGENT_EVIDENCE_TYPES.join(', ')}, got "${body.type.slice(0, 40)}"`);
      if (body.source !== undefined && body.source !== 'agent')
        throw new ForbiddenError(`source "${body.source.slice(0, 40)}" cannot be claimed: evidence added through the API is always recorded with source "agent"`);
      const task = await engine.getTask(body.task_id, await projectFor(actor, body.project, deps.projectId));
      assertTaskInScope(actor, task);

      let agentId: number | null = null;
      if (actor.kind === 'agent') {
        if (!(await everAssigned(db, task.id, actor.agentId))) throw new ForbiddenError(`task ${task.key} was never assigned to this agent; an agent may add evidence only to its own tasks`);
        agentId = actor.agentId;
      }
      const metadata = { ...(body.metadata ?? {}), ...(body.summary !== undefined ? { summary: body.summary } : {}), ...(body.result ? { result: body.result } : {}), reported_by: actor.kind };
      // The one evidence writer: the same row shape and `evidence.created` payload as evidence from GitHub.
      const evidence = await recordEvidence(db, (t, d) => engine.events.publish(t, d), {
        projectId: task.projectId, taskId: task.id, type, ref: body.ref ?? null, url: body.url ?? null, source: 'agent', agentId, metadata,
      });
      return reply.code(201).send({ evidence });
    });

    app.get('/api/git/merge-queue', async (req) => {
      requireRead(req, deps.publicRead);
      const q = parseInput(QueueQuery, req.query, 'query');
      return { tasks: await readMergeQueue(db, await readProject(req, q.project, deps.projectId), requiredApprovals) };
    });
  };
}

export const gitRoutes: RouteModule = makeGitRoutes();

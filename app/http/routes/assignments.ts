import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../buildApi.js';
import { parseInput } from '../validate.js';
import { AssignBody, AssignmentHeartbeatBody, AssignmentListQuery, AssignmentProgressBody, ClaimBody, IdParam, IdempotencyKey } from '../../../schema/api.js';
import { requireActor, requireAdmin, requireRead } from '../principal.js';
import { assignmentJson, feedbackJson, taskJson } from '../serialize.js';
import { roundFeedback } from '../../feedback/roundFeedback.js';
import { ForbiddenError, ValidationError } from '../../core/errors.js';
import type { Actor, Claim } from '../../engine/types.js';
import { assertAssignmentInScope, assertMayConfirm, projectFor } from '../authorize.js';
import { readProject } from '../readScope.js';
import { taskDependencies } from '../sql/taskDependencies.js';
import { listProjectAssignments } from '../sql/listProjectAssignments.js';
import { guardsFor } from '../../guards/guardsFor.js';
import { afterRunEnded } from '../../guards/afterRunEnded.js';
import { taskProvenance } from '../../guards/sql/guardReads.js';
import { stopJson } from './guards.js';

/** Who sent a claim, for its Idempotency-Key: a key is only ever looked up for the same caller. */
const callerOf = (actor: Actor): string =>
  actor.kind === 'agent' ? `agent:${actor.agentId}` : actor.kind === 'job' ? `job:${actor.repository}` : actor.kind;

export async function assignmentRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { engine } = deps;

  const claimJson = async (c: Claim) => {
    const prov = await taskProvenance(deps.db, c.task.id);
    return {
      assignment: assignmentJson(c.assignment),
      task: { ...taskJson(c.task), dependencies: await taskDependencies(deps.db, c.task.id) },
      lease: { epoch: c.lease.epoch, expires_at: c.lease.expiresAt },
      // Issue 15: the prompt is built from the plan text as synced; the Action prints where it came from.
      provenance: prov && { plan_path: prov.planPath, plan_commit: prov.planCommit, plan_hash: prov.planHash },
      // A revise or rebase round's feedback, and the branch and PR it works on (#14); never in dispatch inputs.
      feedback: (await roundFeedback(deps.db, c.task)).map(feedbackJson),
      branch: c.task.branch,
      pr_number: c.task.prNumber,
    };
  };

  app.get('/api/assignments', async (req) => {
    requireRead(req, deps.publicRead);
    const q = parseInput(AssignmentListQuery, req.query, 'query');
    const filter = {
      ...(q.status ? { status: q.status } : {}),
      ...(q.agent_id ? { agentId: q.agent_id } : {}),
      ...(q.task_id ? { taskId: q.task_id } : {}),
    };
    // A confined token sees the assignments on its own project's tasks only.
    const projectId = await readProject(req, q.project, deps.projectId);
    const list = projectId === null ? await engine.listAssignments(filter) : await listProjectAssignments(deps.db, projectId, filter);
    return { assignments: list.map(assignmentJson) };
  });

  app.post('/api/assignments', async (req, reply) => {
    requireAdmin(req);
    const body = parseInput(AssignBody, req.body, 'body');
    const task = await engine.getTask(body.task_id);
    const claim = await engine.assign(task.id, body.agent_id);
    return reply.code(201).send(await claimJson(claim));
  });

  app.post('/api/assignments/claim', async (req, reply) => {
    const actor = requireActor(req);
    const body = parseInput(ClaimBody, req.body, 'body');
    const rawKey = req.headers['idempotency-key'];
    let key: string | undefined;
    if (rawKey !== undefined) {
      const parsed = IdempotencyKey.safeParse(rawKey);
      if (!parsed.success) throw new ValidationError(parsed.error.issues[0]?.message ?? 'invalid Idempotency-Key header');
      key = parsed.data;
    }
    // A job or a project token claims and resolves task keys in its own project only.
    const projectId = await projectFor(actor, body.project, deps.projectId);
    if (body.task_key !== undefined && body.epoch !== undefined) {
      const task = await engine.getTask(body.task_key, projectId);
      await assertMayConfirm(deps.db, actor, task);
      return claimJson(await engine.confirm(task.id, body.epoch));
    }
    let agentId: number;
    if (actor.kind === 'agent') {
      if (body.agent_id !== undefined && body.agent_id !== actor.agentId) throw new ForbiddenError('an agent may claim only for itself');
      agentId = actor.agentId;
    } else if (actor.kind === 'job') {
      if (!body.pool) throw new ValidationError('body.pool: a job claims for its runner pool; send {"pool": "<name>"}');
      agentId = (await engine.poolAgent({ name: body.pool })).id;
    } else if (body.agent_id !== undefined) {
      agentId = body.agent_id;
    } else if (body.pool) {
      agentId = (await engine.poolAgent({ name: body.pool })).id;
    } else {
      throw new ValidationError('body.agent_id: say which agent claims (or send pool), or call with that agent\'s own token');
    }
    // A retry with the same key (its answer was lost) gets the same assignment back. The key is
    // scoped to the caller and the agent it claims for.
    const idem = key === undefined ? undefined : { caller: `${callerOf(actor)}>agent:${agentId}`, key };
    const claim = await engine.claim(agentId, { ...(projectId === undefined ? {} : { projectId }), key: idem });
    if (!claim) return reply.code(204).send();
    return claimJson(claim);
  });

  app.post('/api/assignments/:id/heartbeat', async (req) => {
    const actor = requireActor(req);
    const { id } = parseInput(IdParam, req.params, 'path');
    const body = parseInput(AssignmentHeartbeatBody, req.body, 'body');
    await assertAssignmentInScope(deps.db, actor, id);
    const a = await engine.heartbeatAssignment(id, body.epoch, actor);
    // Issue 15: a stop request, a pause with `pause: stop` or a spent budget answers stop.
    const stop = await guardsFor({ db: deps.db, engine }).heartbeatAnswer(a, await engine.getTask(a.taskId));
    return { lease: { epoch: a.epoch, expires_at: a.leaseExpiresAt }, assignment: assignmentJson(a), ...stopJson(stop) };
  });

  app.patch('/api/assignments/:id/progress', async (req) => {
    const actor = requireActor(req);
    const { id } = parseInput(IdParam, req.params, 'path');
    const body = parseInput(AssignmentProgressBody, req.body, 'body');
    await assertAssignmentInScope(deps.db, actor, id);
    const out = await engine.reportProgress(
      id,
      { epoch: body.epoch, percentComplete: body.percent_complete, status: body.status, notes: body.notes },
      actor,
    );
    await afterRunEnded(deps, out.assignment, out.task, body.status, body.exit_reason);
    return { assignment: assignmentJson(out.assignment), task: taskJson(out.task) };
  });
}

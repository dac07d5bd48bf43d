import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../buildApi.js';
import { parseInput } from '../validate.js';
import { AssignmentUsageBody, IdParam, ProjectBudgetsBody, ProjectParam } from '../../../schema/api.js';
import { requireActor, requireAdmin, requireRead } from '../principal.js';
import { assertAssignmentInScope } from '../authorize.js';
import { assertReadable } from '../readScope.js';
import { NotFoundError } from '../../core/errors.js';
import { guardsFor } from '../../guards/guardsFor.js';
import { guardSettings } from '../../guards/sql/guardSettings.js';
import { guardHeldTasks, untrustedEdits } from '../../guards/sql/guardReads.js';
import type { StopAnswer } from '../../core/guardDecisions.js';

/** `{stop: false}` or `{stop: true, reason, message}`: the heartbeat and usage answers' stop fields. */
export const stopJson = (s: StopAnswer) => (s.stop ? { stop: true, reason: s.reason, message: s.message } : { stop: false });

/**
 * Issue 15's API: usage reports, budgets, the kill switch and the guard-rail view of a project.
 * `:project` is the numeric id or the URL-encoded owner/repo.
 */
export async function guardRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { engine, db } = deps;
  const guards = guardsFor({ db, engine });

  const project = async (raw: unknown): Promise<{ id: number; name: string }> => {
    const { project: p } = parseInput(ProjectParam, raw, 'path');
    const id = /^\d+$/.test(p) ? Number(p) : await deps.projectId(p);
    const s = await guardSettings(db, id);
    if (!s) throw new NotFoundError(`no project ${p}: use its numeric id or owner/repo (GET /api/progress/projects lists them)`);
    return { id, name: `${s.owner}/${s.repo}` };
  };

  app.post('/api/assignments/:id/usage', async (req) => {
    const actor = requireActor(req);
    const { id } = parseInput(IdParam, req.params, 'path');
    const body = parseInput(AssignmentUsageBody, req.body, 'body');
    await assertAssignmentInScope(db, actor, id);
    const a = await engine.getAssignment(id);
    engine.authorize(actor, a);
    const task = await engine.getTask(a.taskId);
    const evidence = await guards.recordUsage(
      a,
      task,
      {
        epoch: body.epoch,
        inputTokens: body.input_tokens ?? undefined,
        outputTokens: body.output_tokens ?? undefined,
        cachedInputTokens: body.cached_input_tokens ?? undefined,
        costUsd: body.cost_usd ?? undefined,
        model: body.model ?? undefined,
        turns: body.turns ?? undefined,
        wallSeconds: body.wall_seconds ?? undefined,
        runnerMinutes: body.runner_minutes ?? undefined,
        source: body.source ?? undefined,
        final: body.final,
      },
      actor.kind === 'agent' ? actor.agentId : a.agentId,
    );
    const stop = a.status === 'active' ? await guards.heartbeatAnswer(a, task) : ({ stop: false } as const);
    return { evidence, ...stopJson(stop) };
  });

  app.get('/api/projects/:project/guards', async (req) => {
    requireRead(req, deps.publicRead);
    const p = await project(req.params);
    assertReadable(req, p.id, `project ${p.name}`);
    const s = (await guardSettings(db, p.id))!;
    return {
      project: p.name,
      spend: await guards.rollups(p.id),
      guards: {
        paused: s.paused,
        pause_mode: s.pauseMode,
        budgets: s.budgets,
        held: (await guardHeldTasks(db, p.id)).map((h) => ({ key: h.key, reason: h.reason, ready_after: h.readyAfter ? new Date(h.readyAfter).toISOString() : null })),
        circuits: await guards.circuits(p.id),
        untrusted_edits: (await untrustedEdits(db, p.id)).map((u) => ({ key: u.key, edited_by: u.by, edited_at: new Date(u.at).toISOString() })),
      },
    };
  });

  app.put('/api/projects/:project/budgets', async (req) => {
    requireAdmin(req);
    const p = await project(req.params);
    const budgets = parseInput(ProjectBudgetsBody, req.body ?? {}, 'body');
    await guards.setBudgets(p.id, budgets);
    const held = (await guardHeldTasks(db, p.id)).filter((h) => h.reason === 'budget').map((h) => h.key);
    return { project: p.name, budgets, held };
  });

  for (const verb of ['pause', 'resume'] as const) {
    app.post(`/api/projects/:project/${verb}`, async (req) => {
      requireAdmin(req);
      const p = await project(req.params);
      if (verb === 'pause') {
        const r = await guards.pause(p.id);
        return { project: p.name, paused: true, changed: r.changed, mode: r.mode, held: r.held, released: 0, stopping: r.stopping };
      }
      const r = await guards.resume(p.id);
      const s = (await guardSettings(db, p.id))!;
      return { project: p.name, paused: false, changed: r.changed, mode: s.pauseMode, held: 0, released: r.released, stopping: 0 };
    });
  }
}

import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../buildApi.js';
import { parseInput } from '../validate.js';
import { AgentAssignmentsQuery, AgentHeartbeatBody, IdParam } from '../../../schema/api.js';
import { requireActor, requireAdmin, requireRead } from '../principal.js';
import { agentJson, assignmentJson } from '../serialize.js';
import { ForbiddenError } from '../../core/errors.js';
import { assertNoSelfPromotion } from '../authorize.js';
import { activateAgent } from '../../engine/sql/activateAgent.js';

export async function agentRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { engine } = deps;

  app.get('/api/agents', async (req) => {
    requireRead(req, deps.publicRead);
    return { agents: (await engine.listAgents()).map(agentJson) };
  });

  app.get('/api/agents/:id', async (req) => {
    requireRead(req, deps.publicRead);
    const { id } = parseInput(IdParam, req.params, 'path');
    return { agent: agentJson(await engine.getAgent(id)) };
  });

  app.post('/api/agents/heartbeat', async (req) => {
    const actor = requireActor(req);
    const body = parseInput(AgentHeartbeatBody, req.body, 'body');
    // An agent token speaks only for its own agent, and cannot raise what the admin set; a job speaks for no agent.
    if (actor.kind === 'job') throw new ForbiddenError('a GitHub Actions job cannot register or change agents: it claims for its pool with POST /api/assignments/claim');
    if (actor.kind === 'agent') {
      const self = await engine.getAgent(actor.agentId);
      if (self.name !== body.name) throw new ForbiddenError(`this token belongs to agent "${self.name}", not "${body.name}"`);
      assertNoSelfPromotion(self, body);
    }
    const agent = await engine.heartbeatAgent(body);
    // Only the leases named in `assignments` were extended; any other runs out.
    return { agent: agentJson(agent), leases: agent.leases.map((l) => ({ assignment_id: l.id, epoch: l.epoch, expires_at: l.leaseExpiresAt })) };
  });

  // What an agent holds, e.g. after a claim whose answer was lost: ?status=active.
  app.get('/api/agents/:id/assignments', async (req) => {
    requireRead(req, deps.publicRead);
    const { id } = parseInput(IdParam, req.params, 'path');
    const q = parseInput(AgentAssignmentsQuery, req.query, 'query');
    await engine.getAgent(id);
    const list = await engine.listAssignments({ agentId: id, ...(q.status ? { status: q.status } : {}) });
    return { assignments: list.map(assignmentJson) };
  });

  app.post('/api/agents/:id/deactivate', async (req) => {
    const actor = requireActor(req);
    const { id } = parseInput(IdParam, req.params, 'path');
    if (actor.kind === 'agent' && actor.agentId !== id) throw new ForbiddenError('an agent may deactivate only itself');
    if (actor.kind === 'job') requireAdmin(req);
    return { agent: agentJson(await engine.deactivateAgent(id)) };
  });

  // A deactivated agent stays so until the admin says otherwise: heartbeats never wake it.
  app.post('/api/agents/:id/activate', async (req) => {
    requireAdmin(req);
    const { id } = parseInput(IdParam, req.params, 'path');
    const agent = await activateAgent(deps.db, id);
    engine.events.publish('agent.heartbeat', { agent_id: agent.id, name: agent.name, active: true });
    return { agent: agentJson(agent) };
  });
}

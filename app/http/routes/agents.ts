import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../buildApi.js';
import { parseInput } from '../validate.js';
import { AgentAssignmentsQuery, AgentHeartbeatBody, AgentListQuery, IdParam } from '../../../schema/api.js';
import { requireActor, requireAdmin, requireRead } from '../principal.js';
import { agentJson, assignmentJson } from '../serialize.js';
import { ForbiddenError, NotFoundError } from '../../core/errors.js';
import { assertNoSelfPromotion } from '../authorize.js';
import { activateAgent } from '../../engine/sql/activateAgent.js';
import { readProject } from '../readScope.js';
import { agentIdsInProject } from '../sql/agentIdsInProject.js';
import { listProjectAssignments } from '../sql/listProjectAssignments.js';


export async function agentRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { engine } = deps;

  /**
   * A confined token (or ?project=) sees the agents of one project: minted for it, or that ever
   * held one of its tasks. Another agent by id is a 404, as if it did not exist.
   */
  const visibleAgent = async (id: number, projectId: number | null) => {
    const agent = await engine.getAgent(id);
    if (projectId !== null && !(await agentIdsInProject(deps.db, projectId)).has(agent.id)) throw new NotFoundError(`no agent with id ${id} in this project`);
    return agent;
  };

  app.get('/api/agents', async (req) => {
    requireRead(req, deps.publicRead);
    const q = parseInput(AgentListQuery, req.query, 'query');
    const projectId = await readProject(req, q.project, deps.projectId);
    const agents = await engine.listAgents();
    const visible = projectId === null ? null : await agentIdsInProject(deps.db, projectId);
    return { agents: (visible ? agents.filter((a) => visible.has(a.id)) : agents).map(agentJson) };
  });

  app.get('/api/agents/:id', async (req) => {
    requireRead(req, deps.publicRead);
    const { id } = parseInput(IdParam, req.params, 'path');
    return { agent: agentJson(await visibleAgent(id, await readProject(req, undefined, deps.projectId))) };
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
    const projectId = await readProject(req, q.project, deps.projectId);
    await visibleAgent(id, projectId);
    const filter = { agentId: id, ...(q.status ? { status: q.status } : {}) };
    // A pool agent works for several projects: a confined reader sees its assignments in its own only.
    const list = projectId === null ? await engine.listAssignments(filter) : await listProjectAssignments(deps.db, projectId, filter);
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

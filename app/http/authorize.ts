import type { Queryable } from '../store/db.js';
import type { Actor, Agent, ProjectScope } from '../engine/types.js';
import { ForbiddenError, NotFoundError } from '../core/errors.js';
import { assignmentProject } from './sql/assignmentProject.js';
import { activeHolder } from './sql/activeHolder.js';

/**
 * Who may act where: the project checks every route that touches a task, an assignment or an
 * agent makes before it calls the engine. The engine itself still checks that an agent acts
 * only on its own assignments; these add the project a token is confined to.
 */

/** The project an actor is confined to, or null when it may act in every project (admin, app, unscoped agent tokens). */
export function projectScope(actor: Actor): ProjectScope | null {
  if (actor.kind === 'job') return actor.project;
  if (actor.kind === 'agent') return actor.project ?? null;
  return null;
}

function who(actor: Actor, scope: ProjectScope): string {
  return actor.kind === 'job' ? `a job of ${actor.repository} acts only in ${scope.name}` : `this token was minted for ${scope.name} only`;
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The project to claim in and to resolve task keys in (keys like `1.1` repeat in every plan):
 * a confined actor's own project (naming another one is a 403), else the one the request names,
 * else none (every project).
 */
export async function projectFor(actor: Actor, requested: string | undefined, resolve: (name: string) => Promise<number>): Promise<number | undefined> {
  const scope = projectScope(actor);
  if (!scope) return requested ? resolve(requested) : undefined;
  if (requested !== undefined && !sameName(requested, scope.name)) throw new ForbiddenError(`${who(actor, scope)}, not in ${requested}`);
  if (scope.id === null)
    throw new NotFoundError(`no project ${scope.name} here (seed its plan with "fleet seed <plan> --project ${scope.name}" or install the app on it); ${who(actor, scope)}`);
  return scope.id;
}

/** Refuses a task outside the actor's project. */
export function assertTaskInScope(actor: Actor, task: { projectId: number; key: string }): void {
  const scope = projectScope(actor);
  if (scope && task.projectId !== scope.id) throw new ForbiddenError(`task ${task.key} belongs to another project: ${who(actor, scope)}`);
}

/** Refuses an assignment whose task is outside the actor's project (an unknown id is left to the engine's 404). */
export async function assertAssignmentInScope(db: Queryable, actor: Actor, assignmentId: number): Promise<void> {
  if (!projectScope(actor)) return;
  const task = await assignmentProject(db, assignmentId);
  if (task) assertTaskInScope(actor, task);
}

/**
 * Confirming a dispatched claim hands out its assignment id and epoch, so it is held to the same
 * rule as acting on it: an agent confirms only a claim made for itself (a pool token: its pool's).
 */
export async function assertMayConfirm(db: Queryable, actor: Actor, task: { id: number; projectId: number; key: string }): Promise<void> {
  assertTaskInScope(actor, task);
  if (actor.kind !== 'agent') return;
  const holder = await activeHolder(db, task.id);
  if (holder !== undefined && holder !== actor.agentId)
    throw new ForbiddenError(`task ${task.key} was claimed for another agent; an agent may confirm only its own claims`);
}

/** What only the admin sets on an agent: its pool, labels and capacity. */
export interface AgentSettings {
  pool?: string | undefined;
  labels?: string[] | undefined;
  capacity?: number | undefined;
}

/**
 * An agent's own heartbeat may repeat its pool, labels and capacity but not change them: those
 * decide what work it gets and how much, so they are the admin's (mint options or an admin
 * heartbeat). A change is refused with 403, not ignored, so a misconfigured agent finds out.
 */
export function assertNoSelfPromotion(self: Agent, body: AgentSettings): void {
  const changed: string[] = [];
  if (body.pool !== undefined && body.pool !== self.pool) changed.push(`pool "${self.pool}" → "${body.pool}"`);
  if (body.labels !== undefined && [...new Set(body.labels)].sort().join(',') !== [...new Set(self.labels)].sort().join(','))
    changed.push(`labels [${self.labels.join(', ')}] → [${body.labels.join(', ')}]`);
  if (body.capacity !== undefined && body.capacity !== self.capacity) changed.push(`capacity ${self.capacity} → ${body.capacity}`);
  if (changed.length)
    throw new ForbiddenError(
      `an agent token cannot change its own ${changed.join(', ')}: pool, labels and capacity are set by the admin ` +
        `("fleet agents token ${self.name} --pool P --labels a,b --capacity N", or a heartbeat with the admin token); send them unchanged or leave them out`,
    );
}

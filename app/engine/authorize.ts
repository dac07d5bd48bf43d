import { ForbiddenError } from '../core/errors.js';
import type { Actor, Assignment } from './types.js';

/**
 * Whether the actor may act on this assignment: an agent only on its own. The project a job or a
 * project token is confined to is checked by the routes (app/http/authorize.ts).
 */
export function authorize(actor: Actor, a: Assignment): void {
  if (actor.kind === 'admin' || actor.kind === 'app' || actor.kind === 'job') return;
  if (a.agentId === actor.agentId) return;
  throw new ForbiddenError(`assignment ${a.id} belongs to another agent; an agent may act only on its own assignments`);
}

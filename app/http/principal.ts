import type { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../core/errors.js';
import type { Principal } from './auth.js';
import type { Actor } from '../engine/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** Reads need a token unless the server was started with FLEET_PUBLIC_READ. */
export function requireRead(req: FastifyRequest, publicRead: boolean): void {
  if (req.principal.kind === 'public' && !publicRead)
    throw new UnauthorizedError('a token is required: send "Authorization: Bearer <token>" (see the admin token file printed at start)');
}

/** Every write needs an authenticated caller; a deactivated agent may still read, never write. */
export function requireActor(req: FastifyRequest): Actor {
  const p = req.principal;
  if (p.kind === 'public') throw new UnauthorizedError('writes need a token: send "Authorization: Bearer <token>"');
  if (p.kind === 'agent' && p.active === false)
    throw new ForbiddenError(`agent ${p.agentId} is deactivated: only an admin can activate it again (POST /api/agents/${p.agentId}/activate)`);
  return p;
}

export function requireAdmin(req: FastifyRequest): void {
  const p = requireActor(req);
  if (p.kind !== 'admin') throw new ForbiddenError('this needs the admin token (FLEET_ADMIN_TOKEN)');
}

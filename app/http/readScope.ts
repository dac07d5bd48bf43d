import type { FastifyRequest } from 'fastify';
import { projectFor, projectScope } from './authorize.js';
import { ForbiddenError } from '../core/errors.js';

/**
 * Which project a read may see (issue 10): a token confined to a project (a GitHub Actions job,
 * a project-minted agent or pool token) reads its own project only, and naming another with
 * `?project=` is a 403; the admin, unconfined tokens and public reads see every project, or the
 * one `?project=` names. null = every project.
 */
export async function readProject(req: FastifyRequest, requested: string | undefined, resolve: (name: string) => Promise<number>): Promise<number | null> {
  const p = req.principal;
  if (p.kind === 'public') return requested ? resolve(requested) : null;
  return (await projectFor(p, requested, resolve)) ?? null;
}

/** Refuses a read of one thing (a task, a project's history) outside the caller's project. */
export function assertReadable(req: FastifyRequest, projectId: number, what: string): void {
  const p = req.principal;
  if (p.kind === 'public') return;
  const scope = projectScope(p);
  if (scope && scope.id !== projectId) throw new ForbiddenError(`${what} belongs to another project: this token reads only ${scope.name}`);
}

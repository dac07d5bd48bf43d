import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.js';
import type { Actor } from '../engine/types.js';
import { UnauthorizedError, ValidationError } from '../core/errors.js';

export type Principal = Actor | { kind: 'public' };

export interface JobVerifier {
  verify(token: string): Promise<{ repository: string }>;
}

export const AGENT_TOKEN_PREFIX = 'fla_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface MintOptions {
  /** The pool the agent claims for (kept when not given on a re-mint). */
  pool?: string | undefined;
  /** owner/repo: the token acts in that project only. Not given: every project. Set anew on each mint. */
  project?: string | undefined;
  /** Capability labels and capacity: the admin's to set, never the agent's (kept when not given). */
  labels?: string[] | undefined;
  capacity?: number | undefined;
}

/**
 * Mints a token for an agent (creating the agent if needed); only its hash is stored. The new
 * token replaces the old one, so its project scope is exactly what this mint says. Minting never
 * reactivates a deactivated agent: that is POST /api/agents/:id/activate.
 */
export async function mintAgentToken(db: Db, name: string, opts: MintOptions = {}): Promise<{ token: string; agentId: number }> {
  if (opts.project !== undefined && !PROJECT_NAME.test(opts.project))
    throw new ValidationError(`project "${opts.project.slice(0, 100)}" is not owner/repo (letters, digits, - . _), e.g. acme/fleet`);
  if (opts.capacity !== undefined && !(Number.isInteger(opts.capacity) && opts.capacity >= 1 && opts.capacity <= 1000))
    throw new ValidationError(`capacity must be a whole number from 1 to 1000, got ${opts.capacity}`);
  const token = AGENT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO agents (name, pool, labels, capacity, project_scope, token_hash)
     VALUES ($1, COALESCE($2, 'default'), COALESCE($3::text[], '{}'), COALESCE($4, 1), $5, $6)
     ON CONFLICT (name) DO UPDATE SET token_hash = $6, pool = COALESCE($2, agents.pool), labels = COALESCE($3::text[], agents.labels),
       capacity = COALESCE($4, agents.capacity), project_scope = $5, updated_at = now()
     RETURNING id`,
    [name, opts.pool ?? null, opts.labels ?? null, opts.capacity ?? null, opts.project ?? null, hashToken(token)],
  );
  return { token, agentId: Number(rows[0]!.id) };
}

const PROJECT_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Turns a bearer token into who is calling: the admin, an agent (by its minted token), or a
 * GitHub Actions job (by its OIDC token). Messages never echo the token.
 */
export class Authenticator {
  constructor(
    private readonly db: Db,
    private readonly opts: { adminToken: string; publicRead: boolean; jobs?: JobVerifier | undefined },
  ) {}

  get publicRead(): boolean {
    return this.opts.publicRead;
  }

  async resolve(token: string | undefined): Promise<Principal> {
    if (!token) return { kind: 'public' };
    if (sameSecret(token, this.opts.adminToken)) return { kind: 'admin' };
    if (token.startsWith(AGENT_TOKEN_PREFIX)) {
      const { rows } = await this.db.query<{ id: number; pool: string; active: boolean; project_scope: string | null; project_id: number | null }>(
        `SELECT a.id, a.pool, a.active, a.project_scope, p.id AS project_id FROM agents a
         LEFT JOIN projects p ON lower(p.owner || '/' || p.repo) = lower(a.project_scope)
         WHERE a.token_hash = $1 ORDER BY p.id LIMIT 1`,
        [hashToken(token)],
      );
      const a = rows[0];
      if (a)
        return {
          kind: 'agent',
          agentId: Number(a.id),
          pool: a.pool,
          active: a.active,
          ...(a.project_scope ? { project: { name: a.project_scope, id: a.project_id === null ? null : Number(a.project_id) } } : {}),
        };
      throw new UnauthorizedError('unknown agent token: mint one with "fleet agents token <name>"');
    }
    if (this.opts.jobs && token.split('.').length === 3) {
      let repository: string;
      try {
        ({ repository } = await this.opts.jobs.verify(token));
      } catch (err) {
        if (err instanceof UnauthorizedError) throw err;
        throw new UnauthorizedError(`GitHub OIDC token refused: ${(err as Error).message}`, { cause: err });
      }
      // A job acts only in its own repository's project; the zero-configuration demo plan is nobody's.
      const { rows } = await this.db.query<{ id: number }>(
        `SELECT id FROM projects WHERE lower(owner || '/' || repo) = lower($1) AND NOT demo ORDER BY id LIMIT 1`,
        [repository],
      );
      return { kind: 'job', repository, project: { name: repository, id: rows[0] ? Number(rows[0].id) : null } };
    }
    throw new UnauthorizedError('invalid token: send "Authorization: Bearer <admin, agent or GitHub OIDC token>"');
  }
}

export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

import { upsertAgent } from '../engine/sql/upsertAgent.js';
import { findProject } from '../engine/sql/findProject.js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.js';
import type { Actor } from '../engine/types.js';
import { UnauthorizedError, ValidationError } from '../core/errors.js';
import { agentByTokenHash } from './sql/agentByTokenHash.js';
import { describeError } from '../core/describeError.js';

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
  const agent = await upsertAgent(db, {
    name,
    pool: opts.pool ?? null,
    labels: opts.labels ?? null,
    capacity: opts.capacity ?? null,
    token: { hash: hashToken(token), projectScope: opts.project ?? null },
  });
  return { token, agentId: agent.id };
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
      const a = await agentByTokenHash(this.db, hashToken(token));
      if (a)
        return {
          kind: 'agent',
          agentId: a.id,
          pool: a.pool,
          active: a.active,
          ...(a.projectScope ? { project: { name: a.projectScope, id: a.projectId } } : {}),
        };
      throw new UnauthorizedError('unknown agent token: mint one with "fleet agents token <name>"');
    }
    if (this.opts.jobs && token.split('.').length === 3) {
      let repository: string;
      try {
        ({ repository } = await this.opts.jobs.verify(token));
      } catch (err) {
        if (err instanceof UnauthorizedError) throw err;
        throw new UnauthorizedError(`GitHub OIDC token refused: ${describeError(err)}`, { cause: err });
      }
      // A job acts only in its own repository's project; the zero-configuration demo plan is nobody's.
      const [owner = '', repo = ''] = repository.split('/');
      const found = await findProject(this.db, owner, repo);
      return { kind: 'job', repository, project: { name: repository, id: found && !found.demo ? found.id : null } };
    }
    throw new UnauthorizedError('invalid token: send "Authorization: Bearer <admin, agent or GitHub OIDC token>"');
  }
}

export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

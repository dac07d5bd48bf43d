import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.js';
import type { Actor } from '../engine/types.js';
import { UnauthorizedError } from '../core/errors.js';

export type Principal = Actor | { kind: 'public' };

export interface JobVerifier {
  verify(token: string): Promise<{ repository: string }>;
}

export const AGENT_TOKEN_PREFIX = 'fla_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Mints a token for an agent (creating the agent if needed); only its hash is stored. */
export async function mintAgentToken(db: Db, name: string, opts: { pool?: string } = {}): Promise<{ token: string; agentId: number }> {
  const token = AGENT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO agents (name, pool, token_hash) VALUES ($1, COALESCE($2, 'default'), $3)
     ON CONFLICT (name) DO UPDATE SET token_hash = $3, pool = COALESCE($2, agents.pool), updated_at = now()
     RETURNING id`,
    [name, opts.pool ?? null, hashToken(token)],
  );
  return { token, agentId: rows[0]!.id };
}

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
      const { rows } = await this.db.query<{ id: number; pool: string; active: boolean }>(
        'SELECT id, pool, active FROM agents WHERE token_hash = $1',
        [hashToken(token)],
      );
      const a = rows[0];
      if (a) return { kind: 'agent', agentId: a.id, pool: a.pool };
      throw new UnauthorizedError('unknown agent token: mint one with "fleet agents token <name>"');
    }
    if (this.opts.jobs && token.split('.').length === 3) {
      try {
        const claims = await this.opts.jobs.verify(token);
        return { kind: 'job', repository: claims.repository };
      } catch (err) {
        if (err instanceof UnauthorizedError) throw err;
        throw new UnauthorizedError(`GitHub OIDC token refused: ${(err as Error).message}`, { cause: err });
      }
    }
    throw new UnauthorizedError('invalid token: send "Authorization: Bearer <admin, agent or GitHub OIDC token>"');
  }
}

export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

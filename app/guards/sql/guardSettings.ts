import type { Queryable } from '../../store/db.js';
import type { Budgets } from '../../core/budgets.js';

export interface GuardSettings {
  projectId: number;
  owner: string;
  repo: string;
  budgets: Budgets;
  paused: boolean;
  pauseMode: 'drain' | 'stop';
  backoff: { baseMinutes?: number; maxMinutes?: number; jitter?: number };
  circuitBreaker: { failures?: number; windowMinutes?: number; cooldownMinutes?: number; maxCooldownMinutes?: number };
}

const SQL = `SELECT id, owner, repo, budgets, paused, pause_mode, backoff, circuit_breaker FROM projects WHERE id = $1`;

/** A project's guard-rail settings (fleet.yml or the API); null when there is no such project. */
export async function guardSettings(q: Queryable, projectId: number): Promise<GuardSettings | null> {
  const { rows } = await q.query<{ id: number; owner: string; repo: string; budgets: Budgets; paused: boolean; pause_mode: 'drain' | 'stop'; backoff: GuardSettings['backoff']; circuit_breaker: GuardSettings['circuitBreaker'] }>(SQL, [projectId]);
  const r = rows[0];
  if (!r) return null;
  return { projectId: Number(r.id), owner: r.owner, repo: r.repo, budgets: r.budgets ?? {}, paused: r.paused, pauseMode: r.pause_mode, backoff: r.backoff ?? {}, circuitBreaker: r.circuit_breaker ?? {} };
}

import type { EffectRow } from '../../ports.js';

/** A github_effects row (migration 0010): one GitHub write of a delivery. */
export const EFFECT_COLUMNS = 'effect_key, intent, started_at, done_at, result';

export interface EffectDbRow {
  effect_key: string;
  intent: unknown;
  started_at: Date;
  done_at: Date | null;
  result: unknown;
}

export const mapEffect = (r: EffectDbRow): EffectRow => ({ key: r.effect_key, intent: r.intent ?? null, startedAt: r.started_at, done: r.done_at !== null, result: r.result ?? null });

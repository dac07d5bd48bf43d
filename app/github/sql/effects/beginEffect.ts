import type { Queryable } from '../../../store/db.js';
import { EFFECT_COLUMNS, mapEffect, type EffectDbRow } from './effectRow.js';
import type { EffectRow } from '../../ports.js';

const SQL = `INSERT INTO github_effects (delivery_id, effect_key, intent) VALUES ($1, $2, $3::jsonb)
ON CONFLICT (delivery_id, effect_key) DO NOTHING RETURNING ${EFFECT_COLUMNS}`;

/** Records the start of an effect; null when it was recorded already. */
export async function beginEffect(q: Queryable, deliveryId: string, key: string, intent: unknown): Promise<EffectRow | null> {
  const { rows } = await q.query<EffectDbRow>(SQL, [deliveryId, key, JSON.stringify(intent ?? null)]);
  return rows[0] ? mapEffect(rows[0]) : null;
}

import type { Queryable } from '../../../store/db.js';
import { EFFECT_COLUMNS, mapEffect, type EffectDbRow } from './effectRow.js';
import type { EffectRow } from '../../ports.js';

const SQL = `SELECT ${EFFECT_COLUMNS} FROM github_effects WHERE delivery_id = $1 AND left(effect_key, length($2)) = $2 ORDER BY started_at, effect_key`;

/** The delivery's effects whose key starts with `prefix`, oldest first. */
export async function listEffects(q: Queryable, deliveryId: string, prefix: string): Promise<EffectRow[]> {
  const { rows } = await q.query<EffectDbRow>(SQL, [deliveryId, prefix]);
  return rows.map(mapEffect);
}

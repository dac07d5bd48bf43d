import type { Queryable } from '../../../store/db.js';
import { EFFECT_COLUMNS, mapEffect, type EffectDbRow } from './effectRow.js';
import type { EffectRow } from '../../ports.js';

const SQL = `SELECT ${EFFECT_COLUMNS} FROM github_effects WHERE delivery_id = $1 AND effect_key = $2`;

export async function effectByKey(q: Queryable, deliveryId: string, key: string): Promise<EffectRow | null> {
  const { rows } = await q.query<EffectDbRow>(SQL, [deliveryId, key]);
  return rows[0] ? mapEffect(rows[0]) : null;
}

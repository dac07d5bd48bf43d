import type { Queryable } from '../../../store/db.js';

const SQL = `INSERT INTO github_effects (delivery_id, effect_key, done_at, result) VALUES ($1, $2, now(), $3::jsonb)
ON CONFLICT (delivery_id, effect_key) DO UPDATE SET done_at = now(), result = EXCLUDED.result
WHERE github_effects.done_at IS NULL`;

export async function finishEffect(q: Queryable, deliveryId: string, key: string, result: unknown): Promise<void> {
  await q.query(SQL, [deliveryId, key, JSON.stringify(result ?? null)]);
}

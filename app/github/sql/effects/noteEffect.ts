import type { Queryable } from '../../../store/db.js';

const SQL = `UPDATE github_effects SET intent = $3::jsonb WHERE delivery_id = $1 AND effect_key = $2 AND done_at IS NULL`;

/** Replaces a started effect's intent; false when another effect already names the same assignment. */
export async function noteEffect(q: Queryable, deliveryId: string, key: string, intent: unknown): Promise<boolean> {
  try {
    await q.query(SQL, [deliveryId, key, JSON.stringify(intent ?? null)]);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') return false; // github_effects_assignment_uniq
    throw err;
  }
}

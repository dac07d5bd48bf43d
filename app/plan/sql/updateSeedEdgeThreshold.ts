import type { Queryable } from '../../store/db.js';

export async function updateSeedEdgeThreshold(tx: Queryable, id: number, thresholdPercent: number): Promise<void> {
  await tx.query('UPDATE dependencies SET threshold_percent = $2 WHERE id = $1', [id, thresholdPercent]);
}

import type { Queryable } from '../../store/db.js';

export async function deleteSeedTask(tx: Queryable, id: number): Promise<void> {
  await tx.query('DELETE FROM tasks WHERE id = $1', [id]);
}

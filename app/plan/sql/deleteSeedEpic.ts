import type { Queryable } from '../../store/db.js';

export async function deleteSeedEpic(tx: Queryable, id: number): Promise<void> {
  await tx.query('DELETE FROM epics WHERE id = $1', [id]);
}

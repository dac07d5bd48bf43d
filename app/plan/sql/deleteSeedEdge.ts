import type { Queryable } from '../../store/db.js';

export async function deleteSeedEdge(tx: Queryable, id: number): Promise<void> {
  await tx.query('DELETE FROM dependencies WHERE id = $1', [id]);
}

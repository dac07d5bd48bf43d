import type { Queryable } from '../../store/db.js';

export async function updateSeedEpic(
  tx: Queryable,
  id: number,
  e: { title: string; priority: number; declaredHours: number | null; line: number | null },
): Promise<void> {
  await tx.query('UPDATE epics SET title = $2, priority = $3, declared_hours = $4, source_line = $5, updated_at = now() WHERE id = $1', [
    id, e.title, e.priority, e.declaredHours, e.line,
  ]);
}

import type { Queryable } from '../../store/db.js';

export async function insertSeedEpic(
  tx: Queryable,
  e: { projectId: number; key: string; title: string; priority: number; declaredHours: number | null; line: number | null },
): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    'INSERT INTO epics (project_id, key, title, priority, declared_hours, source_line) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [e.projectId, e.key, e.title, e.priority, e.declaredHours, e.line],
  );
  return Number(rows[0]!.id);
}

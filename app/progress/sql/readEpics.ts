import type { Queryable } from '../../store/db.js';

export interface EpicRow {
  id: number;
  project_id: number;
  project: string;
  key: string;
  title: string;
}

/** Epics of one project (or all), in plan order. */
export async function readEpics(db: Queryable, projectId: number | null): Promise<EpicRow[]> {
  const { rows } = await db.query<EpicRow>(
    `SELECT e.id, e.project_id, p.owner || '/' || p.repo AS project, e.key, e.title
     FROM epics e JOIN projects p ON p.id = e.project_id
     WHERE ($1::bigint IS NULL OR e.project_id = $1)
     ORDER BY p.owner, p.repo, (CASE WHEN e.key ~ '^[0-9]{1,9}$' THEN e.key::int END) NULLS LAST, e.key`,
    [projectId],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), project_id: Number(r.project_id) }));
}

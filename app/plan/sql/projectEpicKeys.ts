import type { Queryable } from '../../store/db.js';

const SQL = `SELECT id, key FROM epics WHERE project_id = $1`;

export interface EpicKeyRow {
  id: number | string;
  key: string;
}

export async function projectEpicKeys(q: Queryable, projectId: number): Promise<EpicKeyRow[]> {
  return (await q.query<EpicKeyRow>(SQL, [projectId])).rows;
}

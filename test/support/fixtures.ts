import type { Db } from '../../app/store/db.js';

export interface FixtureTask {
  key: string;
  hours?: number;
  priority?: number;
  cp?: number;
  pool?: string | null;
  caps?: string[];
  deps?: string[];
}

/**
 * Writes a project with tasks straight into the tables (no plan parser involved), so engine
 * tests pin down the engine alone. Epic of "2.3" is "2". Dependencies "1.2" or "epic:1[@50]".
 */
export async function insertProject(db: Db, tasks: FixtureTask[], name = 'acme/fleet', epicDeps: Record<string, string[]> = {}): Promise<{ projectId: number; ids: Map<string, number> }> {
  const [owner, repo] = name.split('/');
  const p = await db.query<{ id: number }>(`INSERT INTO projects (owner, repo) VALUES ($1, $2) RETURNING id`, [owner, repo]);
  const projectId = p.rows[0]!.id;
  const epics = new Map<string, number>();
  const epicKeys = new Set([...tasks.map((t) => t.key.split('.')[0]!), ...Object.keys(epicDeps)]);
  for (const k of epicKeys) {
    const e = await db.query<{ id: number }>(`INSERT INTO epics (project_id, key, title) VALUES ($1, $2, $3) RETURNING id`, [projectId, k, `Epic ${k}`]);
    epics.set(k, e.rows[0]!.id);
  }
  const ids = new Map<string, number>();
  // Bulk insert: large fixtures (100k tasks) go in one statement per chunk.
  for (let i = 0; i < tasks.length; i += 5000) {
    const chunk = tasks.slice(i, i + 5000);
    const { rows } = await db.query<{ id: number; key: string }>(
      `INSERT INTO tasks (project_id, epic_id, key, title, estimated_hours, priority, critical_path_hours, required_pool, required_capabilities)
       SELECT $1, e, k, 'Task ' || k, h, p, cp, pool, COALESCE(string_to_array(NULLIF(caps, ''), ','), '{}')
       FROM unnest($2::bigint[], $3::text[], $4::numeric[], $5::int[], $6::numeric[], $7::text[], $8::text[]) AS x(e, k, h, p, cp, pool, caps)
       RETURNING id, key`,
      [
        projectId,
        chunk.map((t) => epics.get(t.key.split('.')[0]!)!),
        chunk.map((t) => t.key),
        chunk.map((t) => t.hours ?? 8),
        chunk.map((t) => t.priority ?? 2),
        chunk.map((t) => t.cp ?? t.hours ?? 8),
        chunk.map((t) => t.pool ?? null),
        chunk.map((t) => (t.caps ?? []).join(',')),
      ],
    );
    for (const r of rows) ids.set(r.key, r.id);
  }
  const edge = async (dependent: { task?: number; epic?: number }, dep: string) => {
    const m = /^epic:([^@]+)(?:@(\d+))?$/.exec(dep);
    await db.query(
      `INSERT INTO dependencies (project_id, task_id, epic_id, depends_on_task_id, depends_on_epic_id, threshold_percent)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [projectId, dependent.task ?? null, dependent.epic ?? null, m ? null : ids.get(dep), m ? epics.get(m[1]!) : null, m?.[2] ? Number(m[2]) : 100],
    );
  };
  for (const t of tasks) for (const d of t.deps ?? []) await edge({ task: ids.get(t.key)! }, d);
  for (const [e, ds] of Object.entries(epicDeps)) for (const d of ds) await edge({ epic: epics.get(e)! }, d);
  return { projectId, ids };
}

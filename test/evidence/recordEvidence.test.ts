import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../app/store/db.js';
import { openPgliteDb } from '../../app/store/pgliteDb.js';
import { migrate } from '../../app/store/migrate.js';
import { recordEvidence, type EvidenceJson } from '../../app/evidence/recordEvidence.js';

/** The one evidence writer: one row per (delivery, task, type), and one event payload whoever writes. */

let db: Db;
let projectId: number;
let taskId: number;
beforeEach(async () => {
  db = await openPgliteDb();
  await migrate(db);
  projectId = Number((await db.query<{ id: number }>("INSERT INTO projects (owner, repo) VALUES ('octo', 'ev') RETURNING id")).rows[0]!.id);
  taskId = Number((await db.query<{ id: number }>("INSERT INTO tasks (project_id, key, title) VALUES ($1, '1.1', 'One') RETURNING id", [projectId])).rows[0]!.id);
});
afterEach(async () => {
  await db.close();
});

describe('recordEvidence', () => {
  it('publishes the same payload shape for a webhook and for an agent, and a delivery records once', async () => {
    const seen: EvidenceJson[] = [];
    const publish = (_t: 'evidence.created', d: EvidenceJson) => void seen.push(d);
    const hook = { projectId, taskId, type: 'check', ref: 'abc', url: null, source: 'webhook', deliveryId: 'd-1', metadata: { conclusion: 'success' } };
    const first = await recordEvidence(db, publish, hook);
    expect(await recordEvidence(db, publish, hook)).toBeNull();
    const agent = await recordEvidence(db, publish, { projectId, taskId, type: 'note', source: 'agent', metadata: { summary: 'done' } });
    expect(seen).toEqual([first, agent]);
    expect(first).toMatchObject({ task_id: taskId, task_key: '1.1', project: 'octo/ev', type: 'check', ref: 'abc', source: 'webhook', from_github: true });
    expect(agent).toMatchObject({ task_key: '1.1', type: 'note', source: 'agent', from_github: false, metadata: { summary: 'done' } });
    expect(Object.keys(first!).sort()).toEqual(Object.keys(agent!).sort());
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM evidence')).rows[0]!.n).toBe(2);
  });
});

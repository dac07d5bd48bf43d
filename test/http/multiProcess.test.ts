import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Orchestrator } from '../../app/server.js';
import { insertProject } from '../support/fixtures.js';
import { eventually } from '../support/eventually.js';
import { startReplicas, type Replicas } from '../support/replicas.js';

// Two orchestrator processes on one PostgreSQL and one Redis, as in a deployment with replicas.
describe('several orchestrator processes', () => {
  let replicas: Replicas;
  let a: Orchestrator;
  let b: Orchestrator;
  beforeAll(async () => {
    replicas = await startReplicas('multi');
    ({ a, b } = replicas);
    await insertProject(a.db, Array.from({ length: 60 }, (_, i) => ({ key: `1.${i + 1}` })), 'acme/multi');
    await a.engine.refreshAll();
    await a.engine.rebuildQueue();
  });
  afterAll(() => replicas?.close());

  const claim = async (o: Orchestrator, pool: string) => {
    const r = await fetch(`${o.url}/api/assignments/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${replicas.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pool }),
    });
    return r.status === 200 ? ((await r.json()) as { task: { key: string } }).task.key : null;
  };

  it('hands each task out once across both, and fans events out to clients of the other', async () => {
    const ws = new WebSocket(b.url.replace('http', 'ws') + '/ws', ['fleet.v1', `bearer.${replicas.admin}`]);
    const seen: { type: string; data: { key?: string } }[] = [];
    ws.on('message', (m) => seen.push(JSON.parse(String(m))));
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    // The app's pool agents on both processes claim at once; each has room for all 60 tasks.
    await a.engine.poolAgent({ name: 'multi', capacity: 100 });
    const keys = (await Promise.all(Array.from({ length: 80 }, (_, i) => claim(i % 2 ? a : b, 'multi')))).filter((k): k is string => k !== null);
    // Claims: the 200 answers, one per request (no retries here), and what Postgres holds.
    expect(keys).toHaveLength(60);
    expect(new Set(keys).size).toBe(60);
    const { rows } = await a.db.query<{ n: number; tasks: number }>(`SELECT count(*)::int AS n, count(DISTINCT task_id)::int AS tasks FROM assignments`);
    expect(rows[0]).toEqual({ n: 60, tasks: 60 });
    // Events: claims made through process A reach a WebSocket client of process B through Redis,
    // each once (a count above 60 here is a repeated event, not a repeated claim).
    await eventually(() => {
      const created = seen.filter((e) => e.type === 'assignment.created').map((e) => e.data.key);
      expect(new Set(created).size).toBe(60);
    });
    ws.close();
  });
});

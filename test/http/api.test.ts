import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import pino from 'pino';
import { startTestServer, type TestServer } from '../support/server.js';
import { eventually } from '../support/eventually.js';
import { insertProject } from '../support/fixtures.js';
import { mintAgentToken } from '../../app/http/auth.js';

describe.each([false, true])('HTTP API (redis ordering: %s)', (redis) => {
  let s: TestServer;
  let ids: Map<string, number>;
  beforeAll(async () => {
    s = await startTestServer(`api_${redis}`, { redis });
    ({ ids } = await insertProject(s.o.db, [{ key: '1.1', cp: 30 }, { key: '1.2', deps: ['1.1'] }, { key: '2.1', cp: 5 }], 'acme/api'));
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
  });
  afterAll(() => s.close());

  it('GET /health answers without a token and names each check', async () => {
    const r = await s.call('GET', '/health', undefined, null);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('healthy');
    expect(r.json.checks.database).toMatch(/^ok/);
    expect(r.json.checks.redis).toMatch(redis ? /^ok$/ : /not configured/);
  });

  it('refuses reads and writes without a valid token', async () => {
    expect((await s.call('GET', '/api/tasks', undefined, null)).status).toBe(401);
    expect((await s.call('POST', '/api/assignments/claim', {}, null)).status).toBe(401);
    const bad = await s.call('GET', '/api/tasks', undefined, 'not-a-real-token');
    expect(bad.status).toBe(401);
    expect(bad.text).not.toContain('not-a-real-token');
  });

  it('lists tasks wrapped as {tasks}, filters, and finds one by id or key', async () => {
    const all = await s.call('GET', '/api/tasks');
    expect(all.status).toBe(200);
    expect(all.json.tasks.map((t: { key: string }) => t.key)).toEqual(['1.1', '1.2', '2.1']);
    expect(all.json.tasks[0]).toHaveProperty('estimated_hours', 8);
    const epic2 = await s.call('GET', '/api/tasks?epic=2');
    expect(epic2.json.tasks.map((t: { key: string }) => t.key)).toEqual(['2.1']);
    const byKey = await s.call('GET', '/api/tasks/1.2');
    expect(byKey.json.task.id).toBe(ids.get('1.2'));
    expect(byKey.json.task.dependencies).toEqual([{ key: '1.1', status: 'pending', pr_number: null }]);
    expect((await s.call('GET', `/api/tasks/${ids.get('1.1')}`)).json.task.key).toBe('1.1');
    expect((await s.call('GET', '/api/tasks/9.9')).status).toBe(404);
    const bad = await s.call('GET', '/api/tasks?status=completed');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/status/);
  });

  it('GET /api/tasks/ready/list is in hand-out order', async () => {
    const r = await s.call('GET', '/api/tasks/ready/list');
    expect(r.json.tasks.map((t: { key: string }) => t.key)).toEqual(['1.1', '2.1']);
  });

  it('runs a claim through heartbeat, claim, progress and done; agents act only on their own work', async () => {
    const { token } = await mintAgentToken(s.o.db, `worker-${redis}`, { capacity: 2 });
    const { token: other } = await mintAgentToken(s.o.db, `other-${redis}`);
    const hb = await s.call('POST', '/api/agents/heartbeat', { name: `worker-${redis}`, pool: 'default', labels: [], capacity: 2, kind: 'vm' }, token);
    expect(hb.status).toBe(200);
    expect(hb.json.agent.id).toBeGreaterThan(0);
    expect((await s.call('POST', '/api/agents/heartbeat', { name: 'someone-else' }, token)).status).toBe(403);

    const c = await s.call('POST', '/api/assignments/claim', {}, token);
    expect(c.status).toBe(200);
    expect(c.json.task.key).toBe('1.1');
    expect(c.json.lease.epoch).toBe(1);
    const aid = c.json.assignment.id;

    expect((await s.call('PATCH', `/api/assignments/${aid}/progress`, { epoch: 1, percent_complete: 50 }, other)).status).toBe(403);
    const stale = await s.call('PATCH', `/api/assignments/${aid}/progress`, { epoch: 7, status: 'done' }, token);
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('stale_epoch');
    expect((await s.call('GET', '/api/tasks/1.1')).json.task.status).toBe('assigned');

    const hbA = await s.call('POST', `/api/assignments/${aid}/heartbeat`, { epoch: 1 }, token);
    expect(hbA.status).toBe(200);
    expect(hbA.json.lease.epoch).toBe(1);

    const half = await s.call('PATCH', `/api/assignments/${aid}/progress`, { epoch: 1, percent_complete: 50, notes: 'halfway' }, token);
    expect(half.json.task.status).toBe('in_progress');
    const done = await s.call('PATCH', `/api/assignments/${aid}/progress`, { epoch: 1, status: 'done' }, token);
    expect(done.status).toBe(200);
    expect(done.json.task.status).toBe('done');
    // Its dependent became ready in the same request's aftermath.
    expect((await s.call('GET', '/api/tasks/ready/list')).json.tasks.map((t: { key: string }) => t.key)).toEqual(['1.2', '2.1']);
  });

  it('answers 204 when nothing fits, 409 for an assignment that cannot be made, 404 for unknown ids', async () => {
    const { token, agentId } = await mintAgentToken(s.o.db, `gpu-${redis}`, { pool: 'gpu' });
    await s.call('POST', '/api/agents/heartbeat', { name: `gpu-${redis}`, pool: 'gpu', capacity: 1 }, token);
    await s.o.db.query(`UPDATE tasks SET required_pool = 'cpu' WHERE project_id = (SELECT project_id FROM tasks WHERE id = $1)`, [ids.get('1.2')]);
    await s.o.engine.rebuildQueue();
    expect((await s.call('POST', '/api/assignments/claim', {}, token)).status).toBe(204);
    const conflict = await s.call('POST', '/api/assignments', { task_id: '1.1', agent_id: agentId });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.message).toMatch(/1\.1 cannot be assigned: it is done/);
    expect((await s.call('GET', '/api/agents/999999')).status).toBe(404);
    expect((await s.call('PATCH', '/api/assignments/999999/progress', { epoch: 1 })).status).toBe(404);
  });

  it('turns bad input into 400/413 with the field and reason, never a 500', async () => {
    const missing = await s.call('PATCH', '/api/assignments/1/progress', { percent_complete: 500 });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toMatch(/epoch/);
    expect(missing.json.error.message).toMatch(/percent_complete/);
    expect((await s.call('POST', '/api/agents/heartbeat', '{"name": ')).status).toBe(400);
    expect((await s.call('POST', '/api/agents/heartbeat', { name: 'x', extra: 1 })).status).toBe(400);
    const big = await s.call('POST', '/api/agents/heartbeat', { name: 'x', pad: 'y'.repeat(1024 * 1024 + 10) });
    expect(big.status).toBe(413);
    const junk: unknown[] = [null, 0, -1, 'str', [], [1, 2], { epoch: 'x' }, { epoch: 1e308 }, { task_id: { $ne: 1 } }, { name: "'; DROP TABLE tasks; --" }];
    const routes: [string, string][] = [
      ['POST', '/api/agents/heartbeat'],
      ['POST', '/api/assignments/claim'],
      ['POST', '/api/assignments'],
      ['PATCH', '/api/assignments/1/progress'],
      ['POST', '/api/assignments/1/heartbeat'],
      ['PATCH', '/api/tasks/1.1/git'],
      ['PATCH', '/api/tasks/%00%ff/progress'],
      ['GET', '/api/tasks/%00'],
      ['GET', '/api/tasks/99999999999999999999999'],
      ['GET', '/api/tasks?epic=%00'],
      ['GET', '/api/tasks?status=%00&limit=1e999'],
      ['GET', '/api/assignments?task_id=99999999999999999999'],
      ['GET', '/api/tasks/1.1%00'],
      ['GET', '/api/tasks/..%2f..%2fetc'],
      ['GET', '/api/agents/1e999'],
      ['POST', '/api/agents/abc/deactivate'],
    ];
    for (const [m, p] of routes)
      for (const b of junk) {
        const r = await s.call(m, p, m === 'GET' ? undefined : b);
        expect(r.status, `${m} ${p} ${JSON.stringify(b)?.slice(0, 40)}`).toBeLessThan(500);
      }
    expect((await s.call('GET', '/api/tasks')).json.tasks.length).toBe(3);
  });

  it('streams engine events over /ws to an authenticated client, and closes on a client without a token', async () => {
    const ws = new WebSocket(s.url.replace('http', 'ws') + '/ws', ['fleet.v1', `bearer.${s.admin}`]);
    const events: { type: string }[] = [];
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    ws.on('message', (m) => events.push(JSON.parse(String(m))));
    expect(ws.protocol).toBe('fleet.v1');
    await s.call('POST', '/api/agents/heartbeat', { name: `ws-watch-${redis}` });
    await eventually(() => expect(events.map((e) => e.type)).toContain('agent.heartbeat'));
    ws.close();

    const anon = new WebSocket(s.url.replace('http', 'ws') + '/ws');
    const outcome = await new Promise<string>((res) => {
      anon.once('unexpected-response', (_req, r) => res(`http ${r.statusCode}`));
      anon.once('close', (code) => res(`close ${code}`));
      anon.once('error', () => res('error'));
    });
    expect(outcome).toMatch(/close 4401|http 401/);
  });
});

describe('FLEET_PUBLIC_READ', () => {
  it('lets anyone read but nobody write without a token', async () => {
    const s = await startTestServer('public_read', { env: { FLEET_PUBLIC_READ: 'true' } });
    try {
      await insertProject(s.o.db, [{ key: '1.10' }, { key: '2.1' }, { key: '1.2' }], 'acme/public');
      await s.o.engine.refreshAll();
      // Keys sort as numbers, the way people read them: 1.2 before 1.10.
      expect((await s.call('GET', '/api/tasks', undefined, null)).json.tasks.map((t: { key: string }) => t.key)).toEqual(['1.2', '1.10', '2.1']);
      expect((await s.call('GET', '/api/tasks/ready/list', undefined, null)).status).toBe(200);
      expect((await s.call('POST', '/api/assignments/claim', { pool: 'default' }, null)).status).toBe(401);
      expect((await s.call('POST', '/api/agents/heartbeat', { name: 'anon' }, null)).status).toBe(401);
      expect((await s.call('GET', '/api/agents', undefined, null)).json.agents).toEqual([]);
    } finally {
      await s.close();
    }
  });
});

describe('tokens in logs', () => {
  it('accepts a WebSocket token as a query parameter and never writes it to the request log', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const s = await startTestServer('ws_query_token', { start: { log } });
    try {
      const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws?token=${s.admin}`);
      const first = await new Promise<string>((res, rej) => {
        ws.once('message', (m) => res(String(m)));
        ws.once('error', rej);
      });
      expect(JSON.parse(first).type).toBe('hello');
      ws.close();
      await s.call('GET', `/api/tasks?token=${s.admin}`);
      expect(lines.some((l) => l.includes('/ws'))).toBe(true);
      expect(lines.join('\n')).not.toContain(s.admin);
    } finally {
      await s.close();
    }
  });
});

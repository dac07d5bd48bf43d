import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { mintAgentToken } from '../../app/http/auth.js';

/** Claims whose answer was lost, leases nobody names, and reports sent twice. */
describe.each([false, true])('claims survive lost answers (redis ordering: %s)', (redis) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(`retry_${redis}`, { redis });
    await insertProject(s.o.db, Array.from({ length: 12 }, (_, i) => ({ key: `1.${i + 1}`, cp: 20 - i })), 'acme/retry');
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
  });
  afterAll(() => s.close());

  const claim = async (token: string, key?: string) => {
    const res = await fetch(`${s.url}/api/assignments/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
      body: JSON.stringify({ project: 'acme/retry' }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };

  const agent = async (name: string, capacity = 5) => {
    // Capacity is the admin's, set when minting: an agent's own heartbeat may not raise it.
    const minted = await mintAgentToken(s.o.db, `${name}-${redis}`, { capacity });
    await s.call('POST', '/api/agents/heartbeat', { name: `${name}-${redis}` }, minted.token);
    return minted;
  };

  it('a claim retried with the same Idempotency-Key returns the same assignment, for that caller only', async () => {
    const a = await agent('idem-a');
    const b = await agent('idem-b');
    const first = await claim(a.token, 'claim-0001');
    expect(first.status).toBe(200);
    const again = await claim(a.token, 'claim-0001');
    expect(again.status).toBe(200);
    expect(again.json.assignment.id).toBe(first.json.assignment.id);
    expect(again.json.lease.epoch).toBe(first.json.lease.epoch);
    expect(again.json.task.key).toBe(first.json.task.key);
    // Another caller's use of the same key is its own claim, never a look at a's.
    const other = await claim(b.token, 'claim-0001');
    expect(other.status).toBe(200);
    expect(other.json.assignment.id).not.toBe(first.json.assignment.id);
    expect(other.json.assignment.agent_id).toBe(b.agentId);
    // A new key is a new claim.
    const next = await claim(a.token, 'claim-0002');
    expect(next.json.task.key).not.toBe(first.json.task.key);
    const held = await s.o.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM assignments WHERE agent_id = $1 AND status = 'active'`, [a.agentId]);
    expect(held.rows[0]!.n).toBe(2);
  });

  it('the same key sent again while the first claim is still in flight gets that claim, not a 204', async () => {
    // Capacity 1: a retry that runs beside the first request finds the agent full once the first
    // commits; it must answer with the first's assignment, not "nothing for you".
    const a = await agent('idem-race', 1);
    const answers = await Promise.all(Array.from({ length: 6 }, () => claim(a.token, 'race-key-1')));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(answers.map((r) => r.json.assignment.id)).size).toBe(1);
  });

  it('refuses a malformed Idempotency-Key with 400 saying what is accepted', async () => {
    const a = await agent('idem-bad');
    for (const bad of ['x'.repeat(300), 'has space', '']) {
      const r = await claim(a.token, bad);
      expect(r.status).toBe(400);
      expect(r.json.error.message).toMatch(/Idempotency-Key/);
    }
  });

  it('GET /api/agents/:id/assignments?status=active lists what the agent holds', async () => {
    const a = await agent('holder');
    const c = await claim(a.token);
    const r = await s.call('GET', `/api/agents/${a.agentId}/assignments?status=active`, undefined, a.token);
    expect(r.status).toBe(200);
    expect(r.json.assignments.map((x: { id: number }) => x.id)).toEqual([c.json.assignment.id]);
    expect(r.json.assignments[0]).toMatchObject({ status: 'active', epoch: c.json.lease.epoch, task_id: c.json.task.id });
    expect((await s.call('GET', `/api/agents/${a.agentId}/assignments?status=bogus`, undefined, a.token)).status).toBe(400);
  });

  it('an agent heartbeat extends only the leases it names; a lease nobody names expires', async () => {
    const a = await agent('namer');
    const named = await claim(a.token);
    const orphan = await claim(a.token);
    await s.o.db.query(`UPDATE assignments SET lease_expires_at = now() + interval '30 seconds' WHERE id = ANY($1::bigint[])`, [
      [named.json.assignment.id, orphan.json.assignment.id],
    ]);
    const hb = await s.call(
      'POST',
      '/api/agents/heartbeat',
      { name: `namer-${redis}`, assignments: [{ id: named.json.assignment.id, epoch: named.json.lease.epoch }] },
      a.token,
    );
    expect(hb.status).toBe(200);
    const { rows } = await s.o.db.query<{ id: number; left: number }>(
      `SELECT id, extract(epoch FROM lease_expires_at - now())::int AS left FROM assignments WHERE id = ANY($1::bigint[])`,
      [[named.json.assignment.id, orphan.json.assignment.id]],
    );
    const left = new Map(rows.map((r) => [r.id, r.left]));
    expect(left.get(named.json.assignment.id)).toBeGreaterThan(60);
    expect(left.get(orphan.json.assignment.id)).toBeLessThanOrEqual(30);
    // The orphan's time runs out: the sweep takes it back although the agent keeps beating.
    await s.o.db.query(`UPDATE assignments SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [orphan.json.assignment.id]);
    await s.call('POST', '/api/agents/heartbeat', { name: `namer-${redis}` }, a.token);
    await s.o.engine.sweepLeases();
    expect((await s.o.engine.getAssignment(orphan.json.assignment.id)).status).toBe('expired');
    expect((await s.o.engine.getAssignment(named.json.assignment.id)).status).toBe('active');
  });

  it('the same report repeated answers 200 with the current state; another status or epoch is still 409', async () => {
    const a = await agent('reporter');
    const c = await claim(a.token);
    const id = c.json.assignment.id;
    const epoch = c.json.lease.epoch;
    const done = await s.call('PATCH', `/api/assignments/${id}/progress`, { epoch, status: 'done' }, a.token);
    expect(done.status).toBe(200);
    const again = await s.call('PATCH', `/api/assignments/${id}/progress`, { epoch, status: 'done' }, a.token);
    expect(again.status).toBe(200);
    expect(again.json.task.status).toBe('done');
    expect(again.json.assignment).toMatchObject({ id, status: 'completed', epoch });
    expect((await s.call('PATCH', `/api/assignments/${id}/progress`, { epoch, status: 'failed' }, a.token)).status).toBe(409);
    expect((await s.call('PATCH', `/api/assignments/${id}/progress`, { epoch, status: 'in_review' }, a.token)).status).toBe(409);
    expect((await s.call('PATCH', `/api/assignments/${id}/progress`, { epoch: epoch + 1, status: 'done' }, a.token)).status).toBe(409);
    expect((await s.call('PATCH', `/api/assignments/${id}/progress`, { epoch, percent_complete: 10 }, a.token)).status).toBe(409);

    // A failure report repeated is the same: once ended by it, a repeat is 200, not 409.
    const f = await claim(a.token);
    const fid = f.json.assignment.id;
    const fe = f.json.lease.epoch;
    expect((await s.call('PATCH', `/api/assignments/${fid}/progress`, { epoch: fe, status: 'failed', notes: 'x' }, a.token)).status).toBe(200);
    const fAgain = await s.call('PATCH', `/api/assignments/${fid}/progress`, { epoch: fe, status: 'failed', notes: 'x' }, a.token);
    expect(fAgain.status).toBe(200);
    expect(fAgain.json.assignment.status).toBe('failed');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type Backend, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { StaleEpochError } from '../../app/core/errors.js';
import type { EngineEvent } from '../../app/engine/types.js';

// One contract, every ordering backend: the Postgres-only path and the Redis index must behave alike.
describe.each(['postgres', 'redis'] as Backend[])('claim contract on %s', (backend) => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('contract', backend, { maxAttempts: 2 });
  });
  afterAll(() => h.cleanup());

  const agent = (name: string, extra: { pool?: string; labels?: string[]; capacity?: number } = {}) =>
    h.engine.heartbeatAgent({ name: `${backend}-${name}`, capacity: 100, ...extra });

  it('hands out the longest remaining critical path first, then priority, then age', async () => {
    const { projectId } = await insertProject(
      h.t.db,
      [
        { key: '1.1', cp: 10, priority: 2 },
        { key: '1.2', cp: 40, priority: 3 },
        { key: '1.3', cp: 10, priority: 0 },
        { key: '1.4', cp: 25, priority: 1 },
      ],
      `order/${backend}`,
    );
    await prime(h.engine);
    const listed = (await h.engine.listReady({ projectId })).map((t) => t.key);
    expect(listed).toEqual(['1.2', '1.4', '1.3', '1.1']);
    const a = await agent('order');
    const got: string[] = [];
    for (;;) {
      const c = await h.engine.claim(a.id, { projectId });
      if (!c) break;
      got.push(c.task.key);
      expect(c.task.status).toBe('assigned');
      expect(c.lease.epoch).toBe(1);
    }
    expect(got).toEqual(listed);
  });

  it('routes by pool and capabilities, and answers null when nothing fits', async () => {
    const { projectId } = await insertProject(
      h.t.db,
      [
        { key: '1.1', pool: 'gpu', cp: 50 },
        { key: '1.2', caps: ['node', 'web'], cp: 40 },
        { key: '1.3', cp: 1 },
      ],
      `routing/${backend}`,
    );
    await prime(h.engine);
    const plain = await agent('plain', { pool: 'default', labels: [] });
    const web = await agent('web', { pool: 'default', labels: ['node', 'web', 'extra'] });
    const gpu = await agent('gpu', { pool: 'gpu', labels: [] });
    expect((await h.engine.claim(plain.id, { projectId }))?.task.key).toBe('1.3');
    expect(await h.engine.claim(plain.id, { projectId })).toBeNull();
    expect((await h.engine.claim(web.id, { projectId }))?.task.key).toBe('1.2');
    expect((await h.engine.claim(gpu.id, { projectId }))?.task.key).toBe('1.1');
    expect(await h.engine.claim(gpu.id, { projectId })).toBeNull();
  });

  it('respects an agent capacity', async () => {
    const { projectId } = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }], `capacity/${backend}`);
    await prime(h.engine);
    const a = await agent('cap2', { capacity: 2 });
    expect(await h.engine.claim(a.id, { projectId })).not.toBeNull();
    expect(await h.engine.claim(a.id, { projectId })).not.toBeNull();
    expect(await h.engine.claim(a.id, { projectId })).toBeNull();
    expect((await h.engine.listReady({ projectId })).map((t) => t.key)).toHaveLength(1);
  });

  it('makes dependents ready as soon as a task is done, and announces them', async () => {
    const { projectId } = await insertProject(
      h.t.db,
      [{ key: '1.1', cp: 20 }, { key: '1.2', deps: ['1.1'] }, { key: '1.3', deps: ['1.1', '1.2'] }],
      `deps/${backend}`,
    );
    await prime(h.engine);
    const seen: EngineEvent[] = [];
    const off = h.events.subscribe((e) => seen.push(e));
    const a = await agent('deps');
    const c = (await h.engine.claim(a.id, { projectId }))!;
    expect(c.task.key).toBe('1.1');
    expect(await h.engine.claim(a.id, { projectId })).toBeNull();
    await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, status: 'done' }, { kind: 'agent', agentId: a.id, pool: a.pool });
    off();
    expect(seen.some((e) => e.type === 'task.ready' && (e.data as { key: string }).key === '1.2')).toBe(true);
    expect((await h.engine.claim(a.id, { projectId }))?.task.key).toBe('1.2');
  });

  it('opens an epic only when its threshold of the prerequisite epic hours is done', async () => {
    const { projectId, ids } = await insertProject(
      h.t.db,
      [{ key: '1.1', hours: 30, cp: 30 }, { key: '1.2', hours: 70, cp: 70 }, { key: '2.1', hours: 5 }],
      `threshold/${backend}`,
      { '2': ['epic:1@50'] },
    );
    await prime(h.engine);
    expect((await h.engine.listReady({ projectId })).map((t) => t.key).sort()).toEqual(['1.1', '1.2']);
    await h.engine.setStatus(ids.get('1.1')!, 'done', 'test');
    expect((await h.engine.listReady({ projectId })).map((t) => t.key)).toEqual(['1.2']);
    await h.engine.setStatus(ids.get('1.2')!, 'done', 'test');
    expect((await h.engine.listReady({ projectId })).map((t) => t.key)).toEqual(['2.1']);
  });

  it('rejects a stale epoch with a typed error and changes nothing', async () => {
    const { projectId } = await insertProject(h.t.db, [{ key: '1.1' }], `stale/${backend}`);
    await prime(h.engine);
    const a = await agent('stale');
    const first = (await h.engine.claim(a.id, { projectId }))!;
    // The lease runs out; the task is claimed again at a new epoch.
    await h.t.db.query(`UPDATE assignments SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [first.assignment.id]);
    expect(await h.engine.sweepLeases()).toBeGreaterThanOrEqual(1);
    const second = (await h.engine.claim(a.id, { projectId }))!;
    expect(second.task.key).toBe('1.1');
    expect(second.lease.epoch).toBe(first.lease.epoch + 1);
    const actor = { kind: 'agent' as const, agentId: a.id, pool: a.pool };
    await expect(h.engine.reportProgress(first.assignment.id, { epoch: first.lease.epoch, status: 'done' }, actor)).rejects.toBeInstanceOf(StaleEpochError);
    await expect(h.engine.heartbeatAssignment(first.assignment.id, first.lease.epoch, actor)).rejects.toBeInstanceOf(StaleEpochError);
    await expect(h.engine.confirm(second.task.id, first.lease.epoch)).rejects.toBeInstanceOf(StaleEpochError);
    const task = await h.engine.getTask(second.task.id);
    expect(task.status).toBe('assigned');
    expect(task.leaseEpoch).toBe(second.lease.epoch);
  });

  it('returns an expired task to the queue with the attempt counted, then fails it after max attempts', async () => {
    const { projectId } = await insertProject(h.t.db, [{ key: '1.1' }], `expiry/${backend}`);
    await prime(h.engine);
    const a = await agent('expiry');
    for (let i = 1; i <= 2; i++) {
      const c = (await h.engine.claim(a.id, { projectId }))!;
      expect(c.task.attempts).toBe(i);
      await h.t.db.query(`UPDATE assignments SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [c.assignment.id]);
      await h.engine.sweepLeases();
    }
    const t = (await h.engine.listTasks({ projectId }))[0]!;
    expect(t.status).toBe('failed');
    expect(t.failureReason).toMatch(/lease expired.*after 2 attempts/);
    expect(await h.engine.claim(a.id, { projectId })).toBeNull();
  });

  it('uses a project\'s own lease length and attempt limit when its config sets them', async () => {
    const { projectId } = await insertProject(h.t.db, [{ key: '1.1' }], `settings/${backend}`);
    await h.t.db.query('UPDATE projects SET lease_ttl_seconds = 30, max_attempts = 1 WHERE id = $1', [projectId]);
    await prime(h.engine);
    const a = await agent('settings');
    const c = (await h.engine.claim(a.id, { projectId }))!;
    const ttl = (c.lease.expiresAt.getTime() - Date.now()) / 1000;
    expect(ttl).toBeGreaterThan(20);
    expect(ttl).toBeLessThanOrEqual(31);
    const hb = await h.engine.heartbeatAssignment(c.assignment.id, c.lease.epoch, { kind: 'admin' });
    expect((hb.leaseExpiresAt.getTime() - Date.now()) / 1000).toBeLessThanOrEqual(31);
    await h.t.db.query(`UPDATE assignments SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [c.assignment.id]);
    await h.engine.sweepLeases();
    const t = await h.engine.getTask(c.task.id);
    expect(t.status).toBe('failed');
    expect(t.failureReason).toMatch(/after 1 attempts/);
  });

  it('gives a deactivated agent\'s tasks back to the queue without counting an attempt', async () => {
    const { projectId } = await insertProject(h.t.db, [{ key: '1.1' }], `deactivate/${backend}`);
    await prime(h.engine);
    const a = await agent('leaver');
    const c = (await h.engine.claim(a.id, { projectId }))!;
    await h.engine.deactivateAgent(a.id);
    const t = await h.engine.getTask(c.task.id);
    expect(t.status).toBe('pending');
    expect(t.attempts).toBe(0);
    const b = await agent('taker');
    expect((await h.engine.claim(b.id, { projectId }))?.task.key).toBe('1.1');
  });
});

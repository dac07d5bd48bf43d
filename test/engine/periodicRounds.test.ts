import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { eventually } from '../support/eventually.js';
import { freshDb } from '../support/db.js';
import { Periodic } from '../../app/engine/periodic.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { PostgresQueue } from '../../app/queue/postgresQueue.js';
import { tryPeriodicLock } from '../../app/engine/sql/tryPeriodicLock.js';
import { recordingLog } from '../support/recordingLog.js';


/**
 * Issue 13 (engine survivors): the periodic round (app/engine/periodic.ts) one leader at a time:
 * registered jobs on their rounds, a failing job or round logged and survived, overlapping calls
 * sharing one round, the lock held elsewhere, the timer, and what a round logs about leases and
 * the ready index.
 */
describe('the periodic round', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('periodicRounds', 'redis');
  });
  afterAll(() => h.cleanup());

  const periodic = (log = recordingLog(), rebuildEvery?: number) =>
    new Periodic({ db: h.t.db, engine: h.engine, log, intervalMs: 10, ...(rebuildEvery === undefined ? {} : { rebuildEvery }) });

  it('runs a job on the first round and then every `everyRounds` rounds; a failing job is logged and the others still run', async () => {
    const log = recordingLog();
    const p = periodic(log);
    const everyThird: number[] = [];
    const every: number[] = [];
    let round = 0;
    p.register('third', 3, async () => void everyThird.push(round));
    p.register('broken', 1, () => Promise.reject(new Error('job boom')));
    p.register('each', 0, async () => void every.push(round));
    for (round = 1; round <= 7; round++) expect(await p.runOnce()).toBe(true);
    expect(everyThird).toEqual([1, 3, 6]);
    // everyRounds 0 counts as 1.
    expect(every).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const failed = log.lines.filter((l) => l.msg === 'periodic job failed');
    expect(failed).toHaveLength(7);
    expect(failed[0]).toEqual({ level: 'warn', obj: { job: 'broken', err: 'job boom' }, msg: 'periodic job failed' });
  });

  it('two overlapping calls share one round, and both say it ran', async () => {
    const p = periodic();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    p.register('slow', 1, async () => {
      runs++;
      await gate;
    });
    const first = p.runOnce();
    await eventually(() => expect(runs).toBe(1), { timeoutMs: 5000 });
    const second = p.runOnce();
    release();
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(runs).toBe(1);
  });

  it('returns false and runs no job while another process holds the round', async () => {
    const p = periodic();
    let runs = 0;
    p.register('job', 1, async () => void runs++);
    const other = await h.t.openAnother();
    await other.transaction(async (tx) => {
      expect(await tryPeriodicLock(tx)).toBe(true);
      expect(await p.runOnce()).toBe(false);
    });
    expect(runs).toBe(0);
    expect(await p.runOnce()).toBe(true);
    expect(runs).toBe(1);
  });

  it('a round that fails is logged, and the next round runs', async () => {
    const log = recordingLog();
    const p = periodic(log);
    let runs = 0;
    p.register('job', 1, async () => void runs++);
    // The prune statement fails while its table is away.
    await h.t.db.query(`ALTER TABLE claim_requests RENAME TO claim_requests_away`);
    try {
      expect(await p.runOnce()).toBe(false);
    } finally {
      await h.t.db.query(`ALTER TABLE claim_requests_away RENAME TO claim_requests`);
    }
    const failed = log.lines.filter((l) => l.msg === 'periodic round failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.level).toBe('warn');
    expect((failed[0]!.obj as { err: string }).err).toMatch(/claim_requests/);
    expect(runs).toBe(0);
    expect(await p.runOnce()).toBe(true);
    expect(runs).toBe(1);
  });

  it('start() runs rounds on its timer until stop()', async () => {
    const p = periodic();
    let runs = 0;
    p.register('job', 1, async () => void runs++);
    p.start();
    p.start();
    try {
      await eventually(() => expect(runs).toBeGreaterThanOrEqual(2), { timeoutMs: 5000 });
    } finally {
      await p.stop();
    }
  });

  it('one timer however often start() is called, and none after stop()', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const p = periodic();
      // The timer is what is under test here: each tick's round is counted, not run.
      const round = vi.spyOn(p, 'runOnce').mockResolvedValue(true);
      p.start();
      p.start();
      vi.advanceTimersByTime(10);
      expect(round).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(30);
      expect(round).toHaveBeenCalledTimes(4);
      await p.stop();
      vi.advanceTimersByTime(100);
      expect(round).toHaveBeenCalledTimes(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('logs the leases it expired', async () => {
    const proj = await insertProject(h.t.db, [{ key: '1.1' }], `acme/periodic-${++seq}`);
    await prime(h.engine);
    const agent = await h.engine.heartbeatAgent({ name: `periodic-agent-${seq}` });
    const c = (await h.engine.claim(agent.id, { projectId: proj.projectId }))!;
    await h.t.db.query(`UPDATE assignments SET lease_expires_at = now() - interval '1 minute' WHERE id = $1`, [c.assignment.id]);
    const log = recordingLog();
    expect(await periodic(log).runOnce()).toBe(true);
    expect(log.lines).toContainEqual({ level: 'info', obj: { expired: 1 }, msg: 'leases expired' });
    expect((await h.engine.getAssignment(c.assignment.id)).status).toBe('expired');
  });

  it('warns when the ready index had to be rebuilt because it was gone, not for a scheduled rebuild', async () => {
    await insertProject(h.t.db, [{ key: '1.1' }], `acme/periodic-${++seq}`);
    await prime(h.engine);
    // A scheduled rebuild (every round here) is not news.
    const quiet = recordingLog();
    expect(await periodic(quiet, 1).runOnce()).toBe(true);
    expect(quiet.lines.filter((l) => l.msg === 'ready index rebuilt from Postgres')).toEqual([]);
    // What FLUSHALL does to this test's keyspace.
    const keys = await h.redis!.keys(`${(h.queue as unknown as { prefix: string }).prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    await h.redis!.del(...keys);
    const log = recordingLog();
    expect(await periodic(log).runOnce()).toBe(true);
    const rebuilt = log.lines.filter((l) => l.msg === 'ready index rebuilt from Postgres');
    expect(rebuilt).toHaveLength(1);
    expect(rebuilt[0]!.level).toBe('warn');
    expect(rebuilt[0]!.obj).toMatchObject({ reason: 'missing' });
    expect((rebuilt[0]!.obj as { entries: number }).entries).toBeGreaterThan(0);
  });
});

describe('the periodic round on PGlite (one process: always the leader)', () => {
  it('runs its round and its jobs without the advisory lock', async () => {
    const t = await freshDb('periodicPglite', { backend: 'pglite' });
    try {
      const engine = new Engine({ db: t.db, queue: new PostgresQueue(), events: new LocalEventBus(), leaseTtlSeconds: 600, maxAttempts: 3 });
      const p = new Periodic({ db: t.db, engine, log: recordingLog(), intervalMs: 10 });
      let runs = 0;
      p.register('job', 1, async () => void runs++);
      expect(await p.runOnce()).toBe(true);
      expect(runs).toBe(1);
    } finally {
      await t.cleanup();
    }
  });
});

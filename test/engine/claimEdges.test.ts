import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject, type FixtureTask } from '../support/fixtures.js';
import { eventually } from '../support/eventually.js';
import { Engine } from '../../app/engine/engine.js';
import { PostgresQueue } from '../../app/queue/postgresQueue.js';
import { ConflictError, NotFoundError, StaleEpochError } from '../../app/core/errors.js';
import { recordingLog } from '../support/recordingLog.js';


/**
 * Issue 13 (engine survivors): the edges of claims (app/engine/claims.ts) on Redis ordering: a
 * draining engine, idempotency keys (repeated and raced), deactivated and unknown agents, every
 * reason an assignment is refused, the confirm of a task with no lease, the index gone (rebuilt
 * at once) or short of entries (repaired at once), and why a claim found nothing.
 */
describe('claim edges (Redis ordering)', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('claimEdges', 'redis');
  });
  afterAll(() => h.cleanup());

  async function project(tasks: FixtureTask[]) {
    const p = await insertProject(h.t.db, tasks, `acme/claims-${++seq}`);
    await prime(h.engine);
    return p;
  }
  const agent = (name: string, extra: { capacity?: number; pool?: string } = {}) => h.engine.heartbeatAgent({ name: `${name}-${seq}`, ...extra });
  const keyspace = () => h.redis!.keys(`${(h.queue as unknown as { prefix: string }).prefix}*`);
  /** An engine on the same rows and index that logs to `log`. */
  const loggingEngine = (log: ReturnType<typeof recordingLog>) => h.engineWith({ log });

  it('a draining engine hands out nothing; another process still does', async () => {
    const p = await project([{ key: '1.1' }]);
    const a = await agent('drain');
    const draining = await h.another();
    draining.drain();
    expect(await draining.claim(a.id, { projectId: p.projectId })).toBeNull();
    expect((await h.engine.claim(a.id, { projectId: p.projectId }))?.task.key).toBe('1.1');
  });

  it('a claim repeated with its key gets the first answer, not a second task', async () => {
    const p = await project([{ key: '1.1' }, { key: '1.2' }]);
    const a = await agent('idem', { capacity: 5 });
    const key = { caller: `agent:${a.id}`, key: `k-${seq}` };
    const first = (await h.engine.claim(a.id, { projectId: p.projectId, key }))!;
    const again = (await h.engine.claim(a.id, { projectId: p.projectId, key }))!;
    expect(again.assignment.id).toBe(first.assignment.id);
    expect((await h.engine.listAssignments({ status: 'active', agentId: a.id })).map((x) => x.id)).toEqual([first.assignment.id]);
    expect((await h.engine.listReady({ projectId: p.projectId })).map((t) => t.key)).toHaveLength(1);
  });

  it('claims raced with one key all get the one claim that committed', async () => {
    const p = await project([{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }, { key: '1.4' }]);
    const a = await agent('race', { capacity: 10 });
    const key = { caller: `agent:${a.id}`, key: `race-${seq}` };
    const engines = [h.engine, await h.another(), await h.another(), await h.another()];
    const got = await Promise.all(engines.map((e) => e.claim(a.id, { projectId: p.projectId, key })));
    expect(new Set(got.map((c) => c?.assignment.id)).size).toBe(1);
    expect(got[0]).not.toBeNull();
    expect(await h.engine.listAssignments({ status: 'active', agentId: a.id })).toHaveLength(1);
  });

  it('a deactivated agent is refused with how to activate it, by a claim and by an assignment', async () => {
    const p = await project([{ key: '1.1' }]);
    const a = await agent('off');
    await h.engine.deactivateAgent(a.id);
    const message = `agent ${a.name} is deactivated: an admin can activate it with POST /api/agents/${a.id}/activate`;
    const c = await h.engine.claim(a.id, { projectId: p.projectId }).catch((e: unknown) => e);
    expect(c).toBeInstanceOf(ConflictError);
    expect((c as Error).message).toBe(message);
    const s = await h.engine.assign(p.ids.get('1.1')!, a.id).catch((e: unknown) => e);
    expect(s).toBeInstanceOf(ConflictError);
    expect((s as Error).message).toBe(message);
    expect((await h.engine.getTask(p.ids.get('1.1')!)).status).toBe('pending');
  });

  it('an agent at its capacity is refused an assignment, saying so', async () => {
    const p = await project([{ key: '1.1' }, { key: '1.2' }]);
    const a = await agent('full', { capacity: 1 });
    await h.engine.assign(p.ids.get('1.1')!, a.id);
    const err = await h.engine.assign(p.ids.get('1.2')!, a.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toBe(`agent ${a.name} is at its capacity of 1: it must finish or release work first`);
  });

  it('an assignment says why a task cannot be assigned: status, hold, dependencies, routing', async () => {
    const p = await project([{ key: '1.1' }, { key: '1.2' }, { key: '1.3', deps: ['1.2'] }, { key: '1.4', pool: 'gpu' }]);
    const a = await agent('why', { capacity: 10 });
    const id = (k: string) => p.ids.get(k)!;
    await h.engine.setStatus(id('1.1'), 'done', 'merged');
    await h.engine.setHeld(id('1.2'), true);
    const why = (k: string) => h.engine.assign(id(k), a.id).then(() => 'assigned', (e: Error) => e.message);
    expect(await why('1.1')).toBe('task 1.1 cannot be assigned: it is done');
    expect(await why('1.2')).toBe('task 1.2 cannot be assigned: it is on hold');
    expect(await why('1.3')).toBe('task 1.3 cannot be assigned: its dependencies are not met');
    expect(await why('1.4')).toBe(`task 1.4 cannot be assigned: agent ${a.name} may not take it (pool or capabilities)`);
  });

  it('an assigned task leaves the ready index', async () => {
    const p = await project([{ key: '1.1' }, { key: '1.2' }]);
    const a = await agent('assign-index');
    const indexed = () => h.queue.ordered(h.t.db, { projectId: p.projectId }, 10);
    expect(await indexed()).toHaveLength(2);
    await h.engine.assign(p.ids.get('1.1')!, a.id);
    expect(await indexed()).toEqual([p.ids.get('1.2')!]);
  });

  it('confirming a task with no live lease says so', async () => {
    const p = await project([{ key: '1.1' }]);
    const err = await h.engine.confirm(p.ids.get('1.1')!, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleEpochError);
    expect((err as Error).message).toBe('lease epoch 1 for task 1.1 is no longer current (no active lease)');
  });

  it('an unknown agent is a 404 naming it, on Postgres ordering too', async () => {
    await project([{ key: '1.1' }]);
    const pg = new Engine({ db: h.t.db, queue: new PostgresQueue(), events: h.events });
    for (const e of [h.engine, pg]) {
      const err = await e.claim(9_999_999).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as Error).message).toBe('no agent with id 9999999');
    }
  });

  it('an index that is gone is rebuilt at once while the claim goes by Postgres ordering', async () => {
    const p = await project([{ key: '1.1' }, { key: '1.2' }]);
    const a = await agent('gone');
    const log = recordingLog();
    const e = loggingEngine(log);
    const keys = await keyspace();
    expect(keys.length).toBeGreaterThan(0);
    await h.redis!.del(...keys);
    expect(await e.queueIntact()).toBe(false);
    expect((await e.claim(a.id, { projectId: p.projectId }))?.task.key).toBe('1.1');
    // Rebuilt in the background, not marked down: no "unavailable" warning.
    await eventually(async () => expect(await e.queueIntact()).toBe(true), { timeoutMs: 5000 });
    expect(log.lines.filter((l) => l.msg?.startsWith('ready index unavailable'))).toEqual([]);
    expect(await h.queue.ordered(h.t.db, { projectId: p.projectId }, 10)).toEqual([p.ids.get('1.2')!]);
  });

  it('an index short of ready tasks is repaired at once after a claim finds it so, and the repair is logged', async () => {
    const p = await project([{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }]);
    const a = await agent('short');
    const log = recordingLog();
    const e = loggingEngine(log);
    const ids = ['1.1', '1.2', '1.3'].map((k) => p.ids.get(k)!);
    await h.queue.remove(ids);
    expect((await e.claim(a.id, { projectId: p.projectId }))?.task.key).toBe('1.1');
    await eventually(async () => expect(await h.queue.ordered(h.t.db, { projectId: p.projectId }, 10)).toEqual(ids.slice(1)), { timeoutMs: 5000 });
    // The repair may run before or after the claim commits: two or three entries were missing.
    const repaired = await eventually(() => {
      const l = log.lines.find((x) => x.msg === 'ready index repaired after a claim found it short');
      expect(l).toBeDefined();
      return l!;
    });
    expect(repaired.level).toBe('warn');
    expect(repaired.obj).toMatchObject({ rebuilt: false });
    expect((repaired.obj as { missing: number }).missing).toBeGreaterThanOrEqual(2);
  });

  it('a claim that finds every ready task overlapping work under way says why it idles', async () => {
    const p = await project([{ key: '1.1', cp: 30, hours: 8 }, { key: '1.2', cp: 29, hours: 8 }]);
    for (const k of ['1.1', '1.2']) await h.t.db.query(`UPDATE tasks SET plan_footprint = '{app/a.ts}', footprint = '{app/a.ts}' WHERE id = $1`, [p.ids.get(k)!]);
    await h.t.db.query(`UPDATE projects SET conflict_mode = 'forbid' WHERE id = $1`, [p.projectId]);
    await prime(h.engine);
    const [one, two] = [await agent('overlap-1'), await agent('overlap-2')];
    const log = recordingLog();
    const e = loggingEngine(log);
    expect((await e.claim(one.id, { projectId: p.projectId }))?.task.key).toBe('1.1');
    expect(await e.claim(two.id, { projectId: p.projectId })).toBeNull();
    expect(log.lines).toContainEqual({
      level: 'info',
      obj: { agent_id: two.id, project_id: p.projectId, reason: 'all-overlap' },
      msg: 'nothing handed out: every ready task overlaps work under way (scheduling.conflicts)',
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from './support/server.js';
import { insertProject, type FixtureTask } from './support/fixtures.js';
import { metricsRoutes } from '../app/metrics/metricsRoutes.js';
import { parseExposition, sampleValue } from './runners/prometheusText.js';

/**
 * fleet_claims_all_overlap_total (issue 14): claims where every ready task overlapped work under
 * way, by mode (avoid, forbid) and outcome (co_scheduled, held), read through GET /metrics.
 */
const METRIC = 'fleet_claims_all_overlap_total';

describe.each([false, true])('GET /metrics: claims where every ready task overlapped (redis: %s)', (redis) => {
  let s: TestServer;
  beforeAll(async () => {
    const env = { FLEET_METRICS_TOKEN: `metrics-${randomBytes(12).toString('hex')}` };
    s = await startTestServer(`metrics_overlap_${redis}`, { redis, env, start: { routes: [metricsRoutes({ env })] } });
  });
  afterAll(() => s.close());

  async function counts(): Promise<Record<string, number | undefined>> {
    const r = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${s.admin}` } });
    expect(r.status).toBe(200);
    const samples = parseExposition(await r.text());
    return {
      avoidCo: sampleValue(samples, METRIC, { mode: 'avoid', outcome: 'co_scheduled' }),
      avoidHeld: sampleValue(samples, METRIC, { mode: 'avoid', outcome: 'held' }),
      forbidHeld: sampleValue(samples, METRIC, { mode: 'forbid', outcome: 'held' }),
    };
  }

  async function project(name: string, tasks: (FixtureTask & { files: string[] })[], mode: 'avoid' | 'forbid') {
    const { projectId, ids } = await insertProject(s.o.db, tasks, `${name}/${redis ? 'r' : 'p'}`);
    for (const t of tasks) await s.o.db.query('UPDATE tasks SET plan_footprint = $2, footprint = $2 WHERE id = $1', [ids.get(t.key), t.files]);
    await s.o.db.query('UPDATE projects SET conflict_mode = $2 WHERE id = $1', [projectId, mode]);
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
    return projectId;
  }
  const agent = (name: string) => s.o.engine.heartbeatAgent({ name: `${redis ? 'r' : 'p'}-${name}`, capacity: 10 });

  it('counts nothing while a free task exists, then each mode and outcome as it happens', async () => {
    expect(await counts()).toEqual({ avoidCo: 0, avoidHeld: 0, forbidHeld: 0 });

    // A free task (1.3) is left when B collides with A: no count.
    const free = await project('free', [
      { key: '1.1', cp: 30, hours: 8, files: ['app/a.ts'] },
      { key: '1.2', cp: 20, hours: 8, files: ['app/a.ts'] },
      { key: '1.3', cp: 10, hours: 8, files: ['app/c.ts'] },
    ], 'avoid');
    const [one, two] = [await agent('one'), await agent('two')];
    expect((await s.o.engine.claim(one.id, { projectId: free }))?.task.key).toBe('1.1');
    expect((await s.o.engine.claim(two.id, { projectId: free }))?.task.key).toBe('1.3');
    expect(await counts()).toEqual({ avoidCo: 0, avoidHeld: 0, forbidHeld: 0 });
    // Now only B is ready and it collides with A; it has slack, so avoid holds the claimer back.
    expect(await s.o.engine.claim(two.id, { projectId: free })).toBeNull();
    expect(await counts()).toEqual({ avoidCo: 0, avoidHeld: 1, forbidHeld: 0 });

    // On the critical path B cannot wait: avoid co-schedules it.
    const critical = [
      { key: '1.1', cp: 30, hours: 8, files: ['app/a.ts'] },
      { key: '1.2', cp: 29, hours: 8, files: ['app/a.ts'] },
    ];
    const avoid = await project('critical-avoid', critical, 'avoid');
    const [three, four] = [await agent('three'), await agent('four')];
    expect((await s.o.engine.claim(three.id, { projectId: avoid }))?.task.key).toBe('1.1');
    expect((await s.o.engine.claim(four.id, { projectId: avoid }))?.task.key).toBe('1.2');
    expect(await counts()).toEqual({ avoidCo: 1, avoidHeld: 1, forbidHeld: 0 });

    // forbid refuses it.
    const forbid = await project('critical-forbid', critical, 'forbid');
    const [five, six] = [await agent('five'), await agent('six')];
    expect((await s.o.engine.claim(five.id, { projectId: forbid }))?.task.key).toBe('1.1');
    expect(await s.o.engine.claim(six.id, { projectId: forbid })).toBeNull();
    expect(await counts()).toEqual({ avoidCo: 1, avoidHeld: 1, forbidHeld: 1 });
  });
});

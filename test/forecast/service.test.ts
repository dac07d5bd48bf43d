import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { ForecastService } from '../../app/progress/forecast/service.js';
import { closeForecastWorkers, forecastWorkerCount } from '../../app/progress/forecast/runForecast.js';
import { PLAN, PLAN_EPIC_DEPS } from '../progress/helpers.js';

describe('ForecastService: big plans off the event loop, cached until the state changes (real PostgreSQL)', () => {
  let s: TestServer;
  let projectId: number;

  beforeAll(async () => {
    s = await startTestServer('forecast_service');
    ({ projectId } = await insertProject(s.o.db, PLAN, 'acme/fs', PLAN_EPIC_DEPS));
    await s.o.engine.refreshAll();
    await closeForecastWorkers();
  });
  afterAll(async () => {
    await closeForecastWorkers();
    await s?.close();
  });

  it('draws on worker threads above the threshold, the same answer as inline, and serves it again from the cache', async () => {
    const threaded = new ForecastService(s.o.db, { leaseTtlSeconds: 60, workerAbove: 0 });
    const inline = new ForecastService(s.o.db, { leaseTtlSeconds: 60, workerAbove: Number.MAX_SAFE_INTEGER, now: () => new Date(0) });
    const q = { agents: 4, runs: 600, seed: 5 };
    expect(forecastWorkerCount()).toBe(0);
    const first = await threaded.forecast(projectId, q);
    // It went through the pool: the workers are kept for the next big forecast.
    expect(forecastWorkerCount()).toBeGreaterThan(0);
    const strip = (f: { as_of: string; p50: { hours: number }; band: unknown; tasks: { key: string; finish_hours: number; slack_hours: number }[] }) => ({
      p50: f.p50.hours,
      band: f.band,
      tasks: f.tasks.map((t) => [t.key, t.finish_hours, t.slack_hours]),
    });
    expect(strip(first)).toEqual(strip(await inline.forecast(projectId, q)));
    // Cached: the very same answer object until the state changes.
    expect(await threaded.forecast(projectId, q)).toBe(first);
    await s.o.db.query(`UPDATE tasks SET estimated_hours = estimated_hours + 10, updated_at = now() WHERE project_id = $1 AND key = '2.2'`, [projectId]);
    const changed = await threaded.forecast(projectId, q);
    expect(changed).not.toBe(first);
    expect(changed.remaining_hours).toBe(first.remaining_hours + 10);
  });
});

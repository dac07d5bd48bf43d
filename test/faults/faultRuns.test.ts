import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, runFault, startFaultServices, type FaultServices } from '../support/faultRun.js';

/**
 * The faults of `npm run bench:faults`, scaled down (10 agents, 100 tasks, 1.5 s outages), with
 * the invariants only: nothing handed out twice, nothing lost, and while a dependency is down
 * the API answers 503 (or not at all while the orchestrator restarts), never 500.
 */
describe('claims survive faults (private Postgres and Redis, orchestrator as a process)', () => {
  let svc: FaultServices;
  beforeAll(async () => {
    svc = await startFaultServices();
  }, 120_000);
  afterAll(() => svc?.close());

  it.each(FAULTS)('%s: no task handed out twice, none lost, no 500', async (fault) => {
    const r = await runFault(svc, { fault, tasks: 100, agents: 10, faultMs: 1500, sweepSeconds: 1, workMs: [10, 40], pollMs: 50, settleMs: 20_000 });
    expect(r.duplicates).toBe(0);
    expect(r.duplicateAssignments).toBe(0);
    expect(r.lost).toBe(0);
    expect(r.done).toBe(100);
    expect(Object.keys(r.errors).filter((status) => status !== '503' && status !== 'net')).toEqual([]);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import type { EngineEvent } from '../../app/engine/types.js';

/**
 * Issue 13 (engine survivors): the same final report sent again (its answer was lost) gets the
 * state as it is, and is not announced a second time.
 */
describe('a repeated final progress report', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('progressRepeat', 'postgres');
  });
  afterAll(() => h.cleanup());

  it('answers with the state now and announces nothing again', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], 'acme/repeat');
    await prime(h.engine);
    const agent = await h.engine.heartbeatAgent({ name: 'repeat-agent' });
    const c = (await h.engine.claim(agent.id, { projectId: p.projectId }))!;
    const actor = { kind: 'agent' as const, agentId: agent.id, pool: agent.pool };
    const report = { epoch: c.lease.epoch, status: 'in_review' as const, percentComplete: 100 };
    const first = await h.engine.reportProgress(c.assignment.id, report, actor);
    expect(first.assignment.status).toBe('completed');
    const seen: EngineEvent[] = [];
    const off = h.events.subscribe((e) => seen.push(e));
    const again = await h.engine.reportProgress(c.assignment.id, report, actor);
    off();
    expect(again.assignment).toMatchObject({ id: c.assignment.id, status: 'completed', endReason: 'reported in_review' });
    expect(again.task.status).toBe('in_review');
    expect(seen).toEqual([]);
  });
});

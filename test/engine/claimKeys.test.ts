import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type Backend, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/** Retries of one claim racing each other: one assignment, the same answer to all, no errors. */
describe.each(['postgres', 'redis'] as Backend[])('claims with one Idempotency-Key at once on %s', (backend) => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('claimkeys', backend);
  });
  afterAll(() => h.cleanup());

  it('six copies of a claim sent together all get the one assignment it made', async () => {
    const { projectId } = await insertProject(h.t.db, Array.from({ length: 40 }, (_, i) => ({ key: `1.${i + 1}` })), `keys/${backend}`);
    await prime(h.engine);
    for (let round = 0; round < 8; round++) {
      const a = await h.engine.heartbeatAgent({ name: `${backend}-keyed-${round}`, capacity: 1 });
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          h.engine.claim(a.id, { projectId, key: { caller: `agent:${a.id}`, key: `retry-${round}` } }).then(
            (c) => c?.assignment.id ?? 'none',
            (e: Error) => `error: ${e.message}`,
          ),
        ),
      );
      expect(new Set(answers).size, JSON.stringify(answers)).toBe(1);
      expect(typeof answers[0]).toBe('number');
    }
    const { rows } = await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE t.project_id = $1`, [projectId]);
    expect(rows[0]!.n).toBe(8);
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { seedOnStart } from '../../app/seedOnStart.js';
import { mintAgentToken } from '../../app/http/auth.js';

// The example plan end to end through the API: seeded on start, claimed by a crowd, completed
// until nothing is left, with every dependency checked at the moment each task is handed out.
describe.each([false, true])('the example plan through the API (redis: %s)', (redis) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(`lifecycle_${redis}`, { redis, start: { onEngine: seedOnStart } });
  });
  afterAll(() => s.close());

  it('starts with exactly 1.1, 3.1 and 4.1 ready, longest critical path first', async () => {
    const r = await s.call('GET', '/api/tasks/ready/list');
    expect(r.json.tasks.map((t: { key: string }) => t.key)).toEqual(['3.1', '1.1', '4.1']);
    expect((await s.call('GET', '/api/tasks')).json.tasks).toHaveLength(27);
  });

  it('50 agents claiming at once get exactly those three; finishing the plan never breaks a dependency', async () => {
    const agents = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const { token } = await mintAgentToken(s.o.db, `crowd-${redis}-${i}`);
        return token;
      }),
    );
    const first = await Promise.all(agents.map((t) => s.call('POST', '/api/assignments/claim', {}, t)));
    const claimed = first.filter((r) => r.status === 200);
    expect(claimed.map((r) => r.json.task.key).sort()).toEqual(['1.1', '3.1', '4.1']);
    expect(first.filter((r) => r.status === 204)).toHaveLength(47);

    const all = (await s.call('GET', '/api/tasks')).json.tasks as { key: string; epic_key: string; estimated_hours: number }[];
    const hours = new Map(all.map((t) => [t.key, t.estimated_hours]));
    const epicHours = (e: string, done: Set<string>) => {
      const tasks = all.filter((t) => t.epic_key === e);
      const total = tasks.reduce((a, t) => a + t.estimated_hours, 0);
      return (100 * tasks.filter((t) => done.has(t.key)).reduce((a, t) => a + t.estimated_hours, 0)) / total;
    };
    // The plan's dependencies, read back from the API.
    const depsOf = new Map<string, string[]>();
    for (const t of all) depsOf.set(t.key, (await s.call('GET', `/api/tasks/${t.key}`)).json.task.dependencies.map((d: { key: string }) => d.key));

    const done = new Set<string>();
    const handedOut: string[] = claimed.map((r) => r.json.task.key);
    let inFlight = claimed.map((r, i) => ({ r, token: agents[first.indexOf(r)]!, i }));
    while (inFlight.length) {
      // Finish everything in flight, then let the whole crowd ask again.
      for (const { r, token } of inFlight) {
        const res = await s.call('PATCH', `/api/assignments/${r.json.assignment.id}/progress`, { epoch: r.json.lease.epoch, status: 'done' }, token);
        expect(res.status).toBe(200);
        done.add(r.json.task.key);
      }
      const next = await Promise.all(agents.map((t) => s.call('POST', '/api/assignments/claim', {}, t)));
      inFlight = next.flatMap((r, i) => (r.status === 200 ? [{ r, token: agents[i]!, i }] : []));
      for (const { r } of inFlight) {
        const key: string = r.json.task.key;
        handedOut.push(key);
        for (const d of depsOf.get(key)!) expect(done.has(d), `${key} handed out before its dependency ${d}`).toBe(true);
        if (key.startsWith('2.')) expect(epicHours('1', done)).toBeGreaterThanOrEqual(50);
        if (key === '5.2') expect(epicHours('1', done) === 100 && epicHours('2', done) === 100).toBe(true);
        if (key.startsWith('5.')) expect(epicHours('3', done)).toBe(100);
      }
    }
    expect(handedOut).toHaveLength(27);
    expect(new Set(handedOut).size).toBe(27);
    expect(done.size).toBe(27);
    expect([...hours.keys()].every((k) => done.has(k))).toBe(true);
  });
});

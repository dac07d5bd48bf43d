import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { mintAgentToken } from '../../app/http/auth.js';

/**
 * A wrong lease epoch sent while the assignment is still active (a confused or replayed agent,
 * not a lease that ran out): the heartbeat and the git report both answer 409 stale_epoch and
 * change nothing; the right epoch still works afterwards.
 */
describe('wrong epochs on an active assignment, through the real server', () => {
  let s: TestServer;
  let token: string;
  let taskId: number;
  let assignmentId: number;
  const lease = async () =>
    (
      await s.o.db.query<{ status: string; epoch: number; lease_expires_at: Date }>(
        'SELECT status, epoch, lease_expires_at FROM assignments WHERE id = $1',
        [assignmentId],
      )
    ).rows[0]!;
  const git = async () =>
    (await s.o.db.query<{ branch: string | null; pr_number: number | null; lease_epoch: number }>('SELECT branch, pr_number, lease_epoch FROM tasks WHERE id = $1', [taskId])).rows[0]!;

  beforeAll(async () => {
    s = await startTestServer('epochs');
    const { ids } = await insertProject(s.o.db, [{ key: '1.1' }], 'acme/epochs');
    taskId = ids.get('1.1')!;
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
    ({ token } = await mintAgentToken(s.o.db, 'epoch-worker'));
    expect((await s.call('POST', '/api/agents/heartbeat', { name: 'epoch-worker', capacity: 1 }, token)).status).toBe(200);
    const c = await s.call('POST', '/api/assignments/claim', {}, token);
    expect(c.status).toBe(200);
    expect(c.json.lease.epoch).toBe(1);
    assignmentId = c.json.assignment.id;
    // Age the lease so a wrongly accepted heartbeat would visibly move it.
    await s.o.db.query(`UPDATE assignments SET lease_expires_at = now() + interval '60 seconds' WHERE id = $1`, [assignmentId]);
  });
  afterAll(() => s.close());

  it.each([0, 2, 99])('heartbeat with epoch %i: refused (400 if never valid, else 409 stale_epoch), lease untouched', async (epoch) => {
    const before = await lease();
    const r = await s.call('POST', `/api/assignments/${assignmentId}/heartbeat`, { epoch }, token);
    expect(r.status).toBe(epoch === 0 ? 400 : 409);
    if (epoch !== 0) expect(r.json.error.code).toBe('stale_epoch');
    expect(await lease()).toEqual(before);
    expect(before.status).toBe('active');
  });

  it('PATCH /api/tasks/:id/git with a wrong epoch: 409 stale_epoch, branch and PR untouched', async () => {
    for (const epoch of [2, 99]) {
      const r = await s.call('PATCH', `/api/tasks/${taskId}/git`, { epoch, branch: 'fleet/wrong', pr_number: 666 }, token);
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe('stale_epoch');
      expect(r.json.error.message).toMatch(new RegExp(`epoch ${epoch}`));
    }
    const noEpoch = await s.call('PATCH', `/api/tasks/${taskId}/git`, { branch: 'fleet/wrong' }, token);
    expect(noEpoch.status).toBe(400);
    expect(await git()).toEqual({ branch: null, pr_number: null, lease_epoch: 1 });
  });

  it('the right epoch still works after the wrong ones', async () => {
    const before = await lease();
    const hb = await s.call('POST', `/api/assignments/${assignmentId}/heartbeat`, { epoch: 1 }, token);
    expect(hb.status).toBe(200);
    expect((await lease()).lease_expires_at.getTime()).toBeGreaterThan(before.lease_expires_at.getTime());
    const g = await s.call('PATCH', `/api/tasks/${taskId}/git`, { epoch: 1, branch: 'fleet/1.1', pr_number: 7 }, token);
    expect(g.status).toBe(200);
    expect(await git()).toEqual({ branch: 'fleet/1.1', pr_number: 7, lease_epoch: 1 });
  });

  it('after the task is claimed again, the old epoch is refused on both routes', async () => {
    await s.o.db.query(`UPDATE assignments SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [assignmentId]);
    expect(await s.o.engine.sweepLeases()).toBe(1);
    const c = await s.call('POST', '/api/assignments/claim', {}, token);
    expect(c.json.lease.epoch).toBe(2);
    const newId = c.json.assignment.id as number;
    const oldHb = await s.call('POST', `/api/assignments/${assignmentId}/heartbeat`, { epoch: 1 }, token);
    expect(oldHb.status).toBe(409);
    const wrongOnNew = await s.call('POST', `/api/assignments/${newId}/heartbeat`, { epoch: 1 }, token);
    expect(wrongOnNew.status).toBe(409);
    expect(wrongOnNew.json.error.code).toBe('stale_epoch');
    const oldGit = await s.call('PATCH', `/api/tasks/${taskId}/git`, { epoch: 1, branch: 'fleet/late' }, token);
    expect(oldGit.status).toBe(409);
    expect((await git()).branch).toBe('fleet/1.1');
  });
});

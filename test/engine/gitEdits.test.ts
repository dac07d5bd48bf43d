import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimedTask, engineHarness, prime, recordEvents, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { StaleEpochError, ValidationError } from '../../app/core/errors.js';

/**
 * Issue 13 (engine survivors): a job's git edit needs its lease epoch; a refused dependency edit
 * leaves the Redis index alone; a confirm with a superseded epoch names the current one; a git
 * edit announces the task with its branch and pull request.
 */
describe('git edits, refused edges and confirms (Redis ordering)', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('gitEdits', 'redis');
  });
  afterAll(() => h.cleanup());

  it("a job's git edit without an epoch is refused, saying what to send", async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], 'acme/git-job');
    await prime(h.engine);
    const job = { kind: 'job' as const, repository: 'acme/git-job', project: { name: 'acme/git-job', id: p.projectId } };
    const err = await h.engine.setGit(p.ids.get('1.1')!, { branch: 'fleet/1.1' }, job).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toBe('epoch is required: send the lease epoch you were given with the claim');
    expect((await h.engine.getTask(p.ids.get('1.1')!)).branch).toBeNull();
  });

  it("a lease holder's git edit announces the task with its branch and pull request", async () => {
    const { id, c, actor } = await claimedTask(h, 'git-announce');
    const seen = recordEvents(h);
    await h.engine.setGit(id, { epoch: c.lease.epoch, branch: 'fleet/1.1', prNumber: 7, prUrl: 'https://github.com/acme/git-announce/pull/7' }, actor);
    seen.stop();
    // The edit's refresh announces the task too; the git announcement is the one with the fields.
    expect(seen.of('task.updated')).toContainEqual({ id, key: '1.1', status: 'assigned', branch: 'fleet/1.1', pr_number: 7, pr_url: 'https://github.com/acme/git-announce/pull/7' });
  });

  it('a dependency edit that adds nothing does not touch the index', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], 'acme/git-edges');
    await prime(h.engine);
    const id = p.ids.get('1.1')!;
    await h.queue.remove([id]);
    expect(await h.engine.addDependencies(id, [id])).toEqual({ added: 0, refused: ['1.1 cannot depend on itself'] });
    expect(await h.queue.ordered(h.t.db, { projectId: p.projectId }, 10)).toEqual([]);
  });

  it('a confirm with a superseded epoch names the current one', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], 'acme/git-confirm');
    await prime(h.engine);
    const agent = await h.engine.heartbeatAgent({ name: 'confirm-agent' });
    const c = (await h.engine.claim(agent.id, { projectId: p.projectId }))!;
    const err = await h.engine.confirm(c.task.id, c.lease.epoch + 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleEpochError);
    expect((err as Error).message).toBe(`lease epoch ${c.lease.epoch + 5} for task 1.1 is no longer current (current is ${c.lease.epoch})`);
    expect((await h.engine.confirm(c.task.id, c.lease.epoch)).assignment.id).toBe(c.assignment.id);
  });
});

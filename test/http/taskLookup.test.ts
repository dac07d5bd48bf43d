import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { gitRoutes } from '../../app/http/routes/git.js';

// A task key shared by two projects: the 409 names ?project=owner/repo, which must then work;
// and PATCH /api/tasks/:id/git keeps the pr_url it accepts.
describe('task lookup by key across projects, and the PR URL an agent reports', () => {
  let s: TestServer;
  let a: Map<string, number>;
  let b: Map<string, number>;
  beforeAll(async () => {
    s = await startTestServer('task_lookup', { start: { routes: [gitRoutes] } });
    ({ ids: a } = await insertProject(s.o.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/one'));
    ({ ids: b } = await insertProject(s.o.db, [{ key: '1.1' }], 'acme/two'));
    await s.o.engine.refreshAll();
  });
  afterAll(() => s.close());

  it('answers the ambiguous key with 409 naming ?project=, and ?project= picks the task', async () => {
    const ambiguous = await s.call('GET', '/api/tasks/1.1');
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.json.error.message).toContain('?project=owner/repo');
    const one = await s.call('GET', '/api/tasks/1.1?project=acme/one');
    expect(one.status).toBe(200);
    expect(one.json.task.id).toBe(a.get('1.1'));
    const two = await s.call('GET', '/api/tasks/1.1?project=acme/two');
    expect(two.status).toBe(200);
    expect(two.json.task.id).toBe(b.get('1.1'));
    // A key unique to one project still resolves without it; an unknown project is a 404, a bad one a 400.
    expect((await s.call('GET', '/api/tasks/1.2')).json.task.id).toBe(a.get('1.2'));
    expect((await s.call('GET', '/api/tasks/1.2?project=acme/two')).status).toBe(404);
    const unknown = await s.call('GET', '/api/tasks/1.1?project=acme/none');
    expect(unknown.status).toBe(404);
    const bad = await s.call('GET', '/api/tasks/1.1?project=not-a-repo');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/owner\/repo/);
    expect((await s.call('GET', '/api/tasks/1.1?projekt=acme/one')).status).toBe(400);
  });

  it('stores pr_url from PATCH /api/tasks/:id/git and shows it in the task and its branch', async () => {
    const id = a.get('1.2')!;
    const url = 'https://github.com/acme/one/pull/42';
    const r = await s.call('PATCH', `/api/tasks/${id}/git`, { branch: 'fleet/1.2', pr_number: 42, pr_url: url });
    expect(r.status).toBe(200);
    expect(r.json.task.pr_url).toBe(url);
    expect((await s.call('GET', `/api/tasks/${id}`)).json.task.pr_url).toBe(url);
    const { rows } = await s.o.db.query<{ pr_url: string | null }>('SELECT pr_url FROM tasks WHERE id = $1', [id]);
    expect(rows[0]!.pr_url).toBe(url);
    const branches = await s.call('GET', '/api/git/branches?project=acme/one');
    expect(branches.json.branches.find((x: { task_key: string }) => x.task_key === '1.2').pr_url).toBe(url);
    // Another call without pr_url leaves it; a non-http URL is refused and changes nothing.
    await s.call('PATCH', `/api/tasks/${id}/git`, { branch: 'fleet/1.2b' });
    expect((await s.call('GET', `/api/tasks/${id}`)).json.task.pr_url).toBe(url);
    const bad = await s.call('PATCH', `/api/tasks/${id}/git`, { pr_url: 'javascript:alert(1)' });
    expect(bad.status).toBe(400);
    expect((await s.call('GET', `/api/tasks/${id}`)).json.task.pr_url).toBe(url);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { registerGuardCommands } from '../../app/cli/guardCommands.js';
import { CliExit, type CliIo } from '../../app/cli/io.js';
import { freePort } from '../support/privateServices.js';

/** `fleet pause|resume <owner/repo>` and `fleet budgets set` against a real orchestrator. */
describe('fleet pause, resume and budgets set', () => {
  let s: TestServer;
  let projectId: number;
  beforeAll(async () => {
    s = await startTestServer('guards_cli');
    ({ projectId } = await insertProject(s.o.db, [{ key: '1.1' }], 'acme/cli-guards'));
    await s.o.engine.refreshAll();
  });
  afterAll(() => s.close());

  async function fleet(...args: string[]): Promise<string[]> {
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerGuardCommands(program, { stdout: (l: string) => void out.push(l), stderr: () => undefined, env: { FLEET_URL: s.url, FLEET_TOKEN: s.admin } } satisfies CliIo);
    await program.parseAsync(['node', 'fleet', ...args]);
    return out;
  }

  it('pauses and resumes by owner/repo, and sets budgets', async () => {
    expect(await fleet('pause', 'acme/cli-guards')).toEqual(['acme/cli-guards paused (drain): 1 task(s) held, running jobs finish']);
    const row = async () => (await s.o.db.query<{ paused: boolean; budgets: unknown }>('SELECT paused, budgets FROM projects WHERE id = $1', [projectId])).rows[0]!;
    expect((await row()).paused).toBe(true);
    expect(await fleet('resume', String(projectId))).toEqual(['acme/cli-guards resumed: 1 task(s) back in the queue']);
    expect(await fleet('budgets', 'set', 'acme/cli-guards', '--per-task-usd', '5', '--per-day-usd', '40')).toEqual(['acme/cli-guards budgets: perTaskUsd=5, perDayUsd=40']);
    expect((await row()).budgets).toEqual({ perTaskUsd: 5, perDayUsd: 40 });
  });

  it('says what is wrong with a bad value or an unknown project', async () => {
    await expect(fleet('budgets', 'set', 'acme/cli-guards', '--per-day-usd', 'lots')).rejects.toThrow(/--per-day-usd: expected a number of 0 or more, got "lots"/);
    await expect(fleet('pause', 'no/such')).rejects.toBeInstanceOf(CliExit);
    await expect(fleet('pause', 'no/such')).rejects.toThrow(/HTTP 404/);
  });

  it('says why it cannot reach an orchestrator that is not running', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const program = new Command().exitOverride();
    registerGuardCommands(program, { stdout: () => undefined, stderr: () => undefined, env: { FLEET_URL: url, FLEET_TOKEN: s.admin } } satisfies CliIo);
    const run = program.parseAsync(['node', 'fleet', 'pause', 'acme/cli-guards']);
    await expect(run).rejects.toBeInstanceOf(CliExit);
    await expect(run).rejects.toThrow(`cannot reach the orchestrator at ${url}: fetch failed (ECONNREFUSED)`);
  });
});

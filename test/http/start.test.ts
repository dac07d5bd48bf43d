import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

// `npm start` as a user runs it: no configuration at all, a fresh data dir.
describe('npm start with no configuration', () => {
  it('seeds the example plan into embedded PGlite, serves it with a generated token, and drains on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'fleet-start-'));
    const env = { ...process.env, FLEET_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' } as NodeJS.ProcessEnv;
    for (const k of ['DATABASE_URL', 'REDIS_URL', 'FLEET_ADMIN_TOKEN', 'DATABASE_SCHEMA', 'APP_ID']) delete env[k];
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        // The banner comes in several writes: wait for its last line, which names the token file.
        const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (m && /\. Try:/.test(out)) {
          clearInterval(t);
          resolve(m[1]!);
        }
      }, 50);
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const tokenFile = path.join(dataDir, 'admin-token');
    expect(out).toContain(tokenFile);
    expect(((await stat(tokenFile)).mode & 0o777).toString(8)).toBe('600');
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(out).not.toContain(token);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect((await fetch(`${url}/api/tasks`)).status).toBe(401);
    const tasks = await (await fetch(`${url}/api/tasks`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(tasks.tasks).toHaveLength(27);

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

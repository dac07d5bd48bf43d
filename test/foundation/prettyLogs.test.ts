import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PG_URL } from '../support/db.js';

/**
 * `npm start` (tsx app/main.ts) as a person runs it: in a terminal the log is pino-pretty's
 * readable lines; piped (containers, log shippers) it stays one JSON object per line.
 * The terminal is a real pseudo-terminal from util-linux `script`.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

async function runUntilListening(tty: boolean): Promise<string> {
  const schema = `s_logs_${randomBytes(4).toString('hex')}`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: PG_URL,
    DATABASE_SCHEMA: schema,
    FLEET_SEED_PLAN: 'none',
    FLEET_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'fleet-logs-')),
    FLEET_ADMIN_TOKEN: 'admin-token-for-the-log-test',
    LOG_LEVEL: 'info' as const,
    NO_COLOR: '1',
  };
  const cmd = `${TSX} app/main.ts`;
  // detached: the child leads its own process group, so the whole group (script, tsx, node) is ended below.
  const child = tty
    ? spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(TSX, ['app/main.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  try {
    const deadline = Date.now() + 60_000;
    // The console banner comes after the log line; wait for both.
    while (!/Try:/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    return out;
  } finally {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
}

describe('npm start logs', () => {
  it('are readable lines in a terminal', async () => {
    const out = await runUntilListening(true);
    expect(out).toContain('Try:');
    const line = out.split(/\r?\n/).find((l) => l.includes('fleet orchestrator listening') && !l.startsWith('fleet orchestrator listening on'));
    expect(line, out).toBeDefined();
    expect(line).toMatch(/INFO/);
    expect(line).not.toMatch(/^\{.*"level":30/);
  });

  it('stay JSON when piped', async () => {
    const out = await runUntilListening(false);
    const line = out.split('\n').find((l) => l.includes('"msg":"fleet orchestrator listening"'));
    expect(line, out).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: 30, msg: 'fleet orchestrator listening' });
    // With no App configured, the banner says where to register one.
    expect(out).toMatch(/No GitHub App configured yet: register one from app.yml at http:\/\/127\.0\.0\.1:\d+\/setup/);
  });
});

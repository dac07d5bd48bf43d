import type { Command } from 'commander';
import { CliExit, type CliIo } from './io.js';
import { apiToken } from './apiToken.js';
import { describeError } from '../core/describeError.js';

/**
 * `fleet pause|resume <owner/repo>` and `fleet budgets set <project>` (issue 15): the admin API
 * (POST /api/projects/:project/pause|resume, PUT /api/projects/:project/budgets) of a running
 * orchestrator. URL from --url, FLEET_URL or http://127.0.0.1:3000; token from FLEET_TOKEN or the
 * admin token file of a local embedded server.
 */
export function registerGuardCommands(program: Command, io: CliIo): void {
  const common = (c: Command) =>
    c.option('--url <url>', 'orchestrator URL (default: FLEET_URL or http://127.0.0.1:3000)').option('--token <token>', 'admin token (default: FLEET_TOKEN or the local admin token file)');

  for (const verb of ['pause', 'resume'] as const) {
    common(
      program
        .command(`${verb} <project>`)
        .description(verb === 'pause' ? 'pause a project: nothing is dispatched or handed out (owner/repo or numeric id)' : 'resume a paused project'),
    ).action(async (project: string, opts: { url?: string; token?: string }) => {
      const out = await call(io, opts, 'POST', `/api/projects/${projectRef(project)}/${verb}`);
      const r = out as { project: string; changed: boolean; mode: string; held: number; released: number; stopping: number };
      io.stdout(
        verb === 'pause'
          ? r.changed
            ? `${r.project} paused (${r.mode}): ${r.held} task(s) held${r.mode === 'stop' ? `, ${r.stopping} running job(s) told to stop` : ', running jobs finish'}`
            : `${r.project} was already paused`
          : r.changed
            ? `${r.project} resumed: ${r.released} task(s) back in the queue`
            : `${r.project} was not paused`,
      );
    });
  }

  const budgets = program.command('budgets').description('spend caps of a project (USD and minutes)');
  common(
    budgets
      .command('set <project>')
      .description('set the budgets of a project without a repository (.github/fleet.yml sets them for a repository)')
      .option('--per-task-usd <n>', 'USD one task may spend across its attempts')
      .option('--per-epic-usd <n>', 'USD the tasks of one epic may spend together')
      .option('--per-day-usd <n>', 'USD the project may spend in a day (UTC)')
      .option('--per-task-minutes <n>', 'minutes of agent time one task may use'),
  ).action(async (project: string, opts: { url?: string; token?: string; perTaskUsd?: string; perEpicUsd?: string; perDayUsd?: string; perTaskMinutes?: string }) => {
    const body: Record<string, number> = {};
    for (const [flag, key, raw] of [
      ['--per-task-usd', 'perTaskUsd', opts.perTaskUsd],
      ['--per-epic-usd', 'perEpicUsd', opts.perEpicUsd],
      ['--per-day-usd', 'perDayUsd', opts.perDayUsd],
      ['--per-task-minutes', 'perTaskMinutes', opts.perTaskMinutes],
    ] as const) {
      if (raw === undefined) continue;
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) throw new CliExit(`${flag}: expected a number of 0 or more, got "${raw}"`, 2);
      body[key] = n;
    }
    const r = (await call(io, opts, 'PUT', `/api/projects/${projectRef(project)}/budgets`, body)) as { project: string; budgets: Record<string, number>; held: string[] };
    const set = Object.entries(r.budgets).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
    io.stdout(`${r.project} budgets: ${set}${r.held.length ? `; held for budget: ${r.held.join(', ')}` : ''}`);
  });
}

/** The numeric id as it is, owner/repo URL-encoded (the slash included). */
function projectRef(project: string): string {
  if (/^\d+$/.test(project)) return project;
  if (!/^[\w.-]+\/[\w.-]+$/.test(project)) throw new CliExit(`expected owner/repo or a numeric project id, got "${project}"`, 2);
  return encodeURIComponent(project);
}

async function call(io: CliIo, opts: { url?: string; token?: string }, method: string, p: string, body?: unknown): Promise<unknown> {
  const base = (opts.url ?? io.env.FLEET_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(`${base}${p}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new CliExit(`--url must be an http(s) URL, got "${base}"`, 2);
  }
  const token = await apiToken(opts.token, io.env);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new CliExit(`cannot reach the orchestrator at ${base}: ${describeError(err)}`, 1);
  }
  const json = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!res.ok) throw new CliExit(`${method} ${p}: HTTP ${res.status}${json?.error?.message ? `: ${json.error.message}` : ''}`, 1);
  return json;
}


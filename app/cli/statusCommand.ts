import type { Command } from 'commander';
import { CliExit, type CliIo } from './io.js';
import { apiToken } from './apiToken.js';
import { describeError } from '../core/describeError.js';

/**
 * `fleet status`: the progress summary of a running orchestrator in the terminal, the same
 * numbers GET /api/progress/summary answers. URL from --url, FLEET_URL or http://127.0.0.1:3000;
 * token from --token, FLEET_TOKEN, or the admin token file of a local embedded server.
 */

interface Eta {
  hours: number;
  days: number;
  date: string;
  basis?: string;
  workers?: number;
}
interface Summary {
  epics: { epic: string; title: string; project?: string; tasks_by_status: Record<string, number>; hours_done: number; hours_total: number; percent: number }[];
  overall: {
    tasks_by_status: Record<string, number>;
    hours_done: number;
    hours_total: number;
    overall_percent: number;
    velocity_hours_per_day: number | null;
    active_agents: number;
    eta: { by_velocity: Eta | null; by_simulation: Eta | null };
  };
}

const bar = (pct: number, width = 20) => {
  const n = Math.max(0, Math.min(width, Math.round((pct / 100) * width)));
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
};
const num = (n: number) => (Math.round(n * 100) / 100).toString();
const eta = (e: Eta | null, none: string) =>
  e ? `${e.date.slice(0, 10)} (${num(e.days)} days, ${num(e.hours)} h${e.basis === 'estimate_pace' ? ', at estimate pace' : ''}${e.workers ? `, ${e.workers} worker(s)` : ''})` : none;

/** The parts of GET /api/progress/forecast the terminal shows. */
export interface ForecastLine {
  p50: { hours: number; date: string };
  p90: { hours: number; date: string };
  agents: { count: number; source: string };
  calibration: { observations: number };
}

export function formatForecast(f: ForecastLine | null, why?: string): string {
  if (!f) return `forecast  ${why ?? 'not available'}`;
  const src = f.agents.source === 'query' ? 'as asked' : f.agents.source.replace('_', ' ');
  return `forecast  P50 ${f.p50.date.slice(0, 10)} (${num(f.p50.hours)} h)  P90 ${f.p90.date.slice(0, 10)} (${num(f.p90.hours)} h)  ` +
    `${f.agents.count} agent(s), ${src}; calibrated on ${f.calibration.observations} finished attempt(s)`;
}

export function formatSummary(s: Summary): string {
  const o = s.overall;
  const statuses = Object.entries(o.tasks_by_status)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    `overall   ${bar(o.overall_percent)} ${num(o.overall_percent)}%  ${num(o.hours_done)} of ${num(o.hours_total)} h done`,
    `tasks     ${statuses || 'none'}`,
    `velocity  ${o.velocity_hours_per_day === null ? 'no history yet (snapshots build it)' : `${num(o.velocity_hours_per_day)} h/day`}`,
    `agents    ${o.active_agents} active`,
    `ETA       by velocity:   ${eta(o.eta.by_velocity, 'not computable yet (no velocity)')}`,
    `          by simulation: ${eta(o.eta.by_simulation, 'not computable (no active agents)')}`,
  ];
  if (s.epics.length) {
    lines.push('', 'epic  progress                 %        hours           title');
    const multi = new Set(s.epics.map((e) => e.project)).size > 1;
    for (const e of s.epics) {
      const hours = `${num(e.hours_done)}/${num(e.hours_total)}`;
      lines.push(`${e.epic.padEnd(5)} ${bar(e.percent)} ${num(e.percent).padStart(6)}%  ${hours.padEnd(14)}  ${e.title}${multi && e.project ? ` (${e.project})` : ''}`);
    }
  }
  return lines.join('\n');
}

/** P50/P90 from the forecast endpoint; an older server without it, or a failure, says why instead. */
async function readForecast(summaryUrl: URL, token: string | undefined): Promise<{ forecast: ForecastLine | null; why?: string }> {
  const url = new URL('/api/progress/forecast', summaryUrl);
  const project = summaryUrl.searchParams.get('project');
  if (project) url.searchParams.set('project', project);
  try {
    const res = await fetch(url, { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: AbortSignal.timeout(30_000) });
    if (res.status === 404) return { forecast: null, why: 'not available (this orchestrator has no forecast endpoint)' };
    if (!res.ok) return { forecast: null, why: `not available (HTTP ${res.status})` };
    const f = (await res.json()) as ForecastLine;
    return f && typeof f === 'object' && f.p50 && f.p90 ? { forecast: f } : { forecast: null, why: 'not available (unexpected answer)' };
  } catch (err) {
    return { forecast: null, why: `not available (${describeError(err)})` };
  }
}

export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('print the progress summary of a running orchestrator (same numbers as GET /api/progress/summary)')
    .option('--url <url>', 'orchestrator URL (default: FLEET_URL or http://127.0.0.1:3000)')
    .option('--token <token>', 'API token (default: FLEET_TOKEN, or the local admin token file); prefer FLEET_TOKEN, options show in ps')
    .option('--project <owner/repo>', 'one project only')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { url?: string; token?: string; project?: string; json?: boolean }) => {
      const base = (opts.url ?? io.env.FLEET_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
      let url: URL;
      try {
        url = new URL(`${base}/api/progress/summary`);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      } catch {
        throw new CliExit(`fleet status: --url must be an http(s) URL, got "${base}"`, 2);
      }
      if (opts.project) {
        if (!/^[\w.-]+\/[\w.-]+$/.test(opts.project)) throw new CliExit('fleet status: --project expects owner/repo', 2);
        url.searchParams.set('project', opts.project);
      }
      const token = await apiToken(opts.token, io.env);
      let res: Response;
      try {
        res = await fetch(url, { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: AbortSignal.timeout(15_000) });
      } catch (err) {
        throw new CliExit(`fleet status: cannot reach ${url.origin}: ${describeError(err)}; is the orchestrator running? (npm start)`, 1);
      }
      const text = await res.text();
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        // reported below
      }
      if (!res.ok) {
        const msg = (body as { error?: { message?: string } } | null)?.error?.message ?? text.slice(0, 200);
        const hint = res.status === 401 ? ' (set FLEET_TOKEN or pass --token)' : '';
        throw new CliExit(`fleet status: HTTP ${res.status}: ${msg}${hint}`, 1);
      }
      if (!body || typeof body !== 'object' || !('overall' in body)) throw new CliExit(`fleet status: ${url.origin} did not answer with a progress summary`, 1);
      const fc = await readForecast(url, token);
      if (opts.json) io.stdout(JSON.stringify(fc.forecast ? { ...body, forecast: fc.forecast } : body, null, 2));
      else io.stdout(`${formatSummary(body as Summary)}\n${formatForecast(fc.forecast, fc.why)}`);
    });
}

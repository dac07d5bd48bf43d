import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, type ErrorOptions } from 'commander';
import { formatPlanIssue, type PlanResult } from '../../schema/plan.js';
import { parsePlan } from '../plan/parse/parsePlan.js';
import { schedule, type ScheduleResult } from '../plan/schedule/schedule.js';
import { DEFAULT_PROJECT, parseProjectName, seedPlan, type SeedCounts, type SeedProgress } from '../plan/seedPlan.js';
import { openDbFromEnv } from '../store/openDb.js';
import { workFromPlan } from '../progress/forecast/fromPlan.js';
import { forecastRemaining, type ForecastCore } from '../progress/forecast/monteCarlo.js';
import { DEFAULT_PRIORS } from '../progress/forecast/calibration.js';
import { storeBaseline } from '../progress/forecast/storeBaseline.js';
import { LOCAL_FLEET_CAPACITY } from '../progress/forecast/fleetSettings.js';
import { findProject } from '../engine/sql/findProject.js';
import { describeError } from '../core/describeError.js';

export interface PlanCliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: NodeJS.ProcessEnv;
}

/** Largest plan file read; far beyond any real plan, small enough to refuse a wrong path to a disk image. */
const MAX_PLAN_BYTES = 64 * 1024 * 1024;

/**
 * Commander reports unknown flags, missing arguments and bad values with exit code 1; this CLI
 * promises 2 for every usage error, so commands built here remap them. Plan errors stay 1.
 * Exiting goes through commander as usual: process.exit, or a thrown CommanderError when the
 * program called exitOverride() before registerPlanCommands.
 */
class FleetCommand extends Command {
  override createCommand(name?: string): Command {
    return new FleetCommand(name);
  }

  override error(message: string, errorOptions?: ErrorOptions): never {
    const code = errorOptions?.code ?? 'commander.error';
    const usage = code.startsWith('commander.') && code !== 'commander.error';
    return super.error(message, { ...errorOptions, exitCode: usage ? 2 : (errorOptions?.exitCode ?? 1) });
  }
}

function positiveInt(max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}, got "${value}"`);
    }
    return Number(value);
  };
}

function hoursPerDay(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0 && n <= 24)) throw new InvalidArgumentError(`expected hours from 0 to 24 (e.g. 8 or 6.5), got "${value}"`);
  return n;
}

/** The plan and its text: `fleet seed` stores the text's hash with the tasks (the prompt header prints it). */
async function readPlanFile(cmd: Command, file: string): Promise<PlanResult & { text: string }> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : describeError(err);
    return cmd.error(`cannot read plan ${file}: ${why}`, { exitCode: 2, code: 'fleet.unreadableFile' });
  }
  if (buf.length > MAX_PLAN_BYTES) {
    return cmd.error(`cannot read plan ${file}: ${buf.length} bytes is more than the ${MAX_PLAN_BYTES} accepted`, { exitCode: 2, code: 'fleet.unreadableFile' });
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  return { ...parsePlan(text, file), text };
}

function failOnErrors(cmd: Command, io: PlanCliIo, plan: PlanResult): void {
  if (plan.errors.length === 0) return;
  for (const e of plan.errors) io.stderr.write(`${formatPlanIssue(plan.file, e)}\n`);
  cmd.error(`${plan.file}: ${plan.errors.length} error(s); nothing was done`, { exitCode: 1, code: 'fleet.planErrors' });
}

function pad(s: string | number, width: number, right = false): string {
  const t = String(s);
  return right ? t.padStart(width) : t.padEnd(width);
}

const fmt = (h: number): string => (Number.isInteger(h) ? String(h) : h.toFixed(1));

function planSummary(plan: PlanResult): string {
  const lines: string[] = [];
  const declared = plan.totals.declaredHours !== null && plan.totals.declaredHours !== plan.totals.hours ? ` (the document says ${fmt(plan.totals.declaredHours)})` : '';
  lines.push(`${plan.file}: ${plan.totals.epics} epics, ${plan.totals.tasks} tasks, ${fmt(plan.totals.hours)} hours${declared}`);
  for (const e of plan.epics) {
    const n = plan.tasks.filter((t) => t.epic === e.key).length;
    const deps = e.dependsOn.length > 0 ? `  after ${e.dependsOn.join(', ')}` : '';
    lines.push(`  epic ${pad(e.key, 3)} P${e.priority}  ${pad(`${fmt(e.hours)} h`, 8, true)}  ${pad(`${n} tasks`, 9)}  ${e.title}${deps}`);
  }
  if (plan.warnings.length > 0) {
    lines.push(`${plan.warnings.length} warning(s):`);
    for (const w of plan.warnings) lines.push(formatPlanIssue(plan.file, w));
  }
  return `${lines.join('\n')}\n`;
}

/** Runs and seed of the plan-file forecast (no history yet: the priors). */
const PLAN_FORECAST_RUNS = 2000;
const PLAN_FORECAST_SEED = 1;

function forecastLines(f: ForecastCore, hoursPerDay: number): string[] {
  const days = (h: number): string => (h / hoursPerDay).toFixed(1);
  return [
    `forecast P50 ${fmt(f.p50)} h (${days(f.p50)} days), P90 ${fmt(f.p90)} h (${days(f.p90)} days) at ${fmt(hoursPerDay)} h/day`,
    `  ${f.runs} Monte Carlo runs (seed ${PLAN_FORECAST_SEED}) of this schedule with no history yet: actual/estimate lognormal ` +
      `(median ${DEFAULT_PRIORS.ratio.median}, σ ${DEFAULT_PRIORS.ratio.sigma}), ${DEFAULT_PRIORS.retryRate * 100}% of tasks redone`,
  ];
}

function scheduleTable(plan: PlanResult, s: ScheduleResult, f: ForecastCore): string {
  const onPath = new Set(s.criticalPath);
  const titles = new Map(plan.tasks.map((t) => [t.key, t.title]));
  const ratio = s.lowerBoundHours > 0 ? ` (${((100 * s.makespanHours) / s.lowerBoundHours).toFixed(1)}% of the lower bound ${fmt(s.lowerBoundHours)} h)` : '';
  const lines = [
    `${plan.file}: ${s.agents} agent(s), ${fmt(s.totalHours)} task hours`,
    `makespan ${fmt(s.makespanHours)} h${ratio}; ETA ${s.etaDays.toFixed(1)} days at ${fmt(s.hoursPerDay)} h/day`,
    `critical path ${fmt(s.criticalPathHours)} h: ${s.criticalPath.join(' → ')}`,
    ...forecastLines(f, s.hoursPerDay),
    '',
    `   ${pad('task', 8)} ${pad('agent', 5, true)} ${pad('start', 8, true)} ${pad('end', 8, true)} ${pad('hours', 6, true)}  title`,
  ];
  for (const a of s.assignments) {
    const mark = onPath.has(a.task) ? ' * ' : '   ';
    lines.push(`${mark}${pad(a.task, 8)} ${pad(a.agent, 5, true)} ${pad(fmt(a.start), 8, true)} ${pad(fmt(a.end), 8, true)} ${pad(fmt(a.end - a.start), 6, true)}  ${titles.get(a.task) ?? ''}`);
  }
  lines.push('', '* on the critical path');
  if (s.unscheduled.length > 0) lines.push(`never scheduled (dependency cycle): ${s.unscheduled.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function countsLine(name: string, c: SeedCounts): string {
  return `${name}: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.deleted} deleted`;
}

/** Adds `plan check`, `plan schedule` and `seed` to a commander program. The commands only call the pure modules. */
export function registerPlanCommands(program: Command, io: PlanCliIo): void {
  const output = { writeOut: (s: string) => void io.stdout.write(s), writeErr: (s: string) => void io.stderr.write(s) };

  const plan = new FleetCommand('plan').description('check and schedule a remediation plan written in markdown');
  plan.copyInheritedSettings(program);
  plan.configureOutput(output);
  program.addCommand(plan);

  plan
    .command('check')
    .description('parse a plan and report its epics, tasks, hours, warnings and errors (exit 1 on errors)')
    .argument('<file>', 'markdown plan')
    .option('--json', 'print the plan model as JSON')
    .action(async function (this: Command, file: string, opts: { json?: boolean }) {
      const result = await readPlanFile(this, file);
      if (opts.json) {
        const { epics, tasks, totals, warnings, errors } = result;
        io.stdout.write(`${JSON.stringify({ epics, tasks, totals, warnings, errors }, null, 2)}\n`);
      } else {
        io.stdout.write(planSummary(result));
      }
      failOnErrors(this, io, result);
    });

  plan
    .command('schedule')
    .description('schedule a plan on N agents (highest remaining critical path first) and estimate the ETA')
    .argument('<file>', 'markdown plan')
    .requiredOption('--agents <n>', 'number of agents working in parallel', positiveInt(100_000))
    .option('--hours-per-day <h>', 'agent working hours per day, for the ETA', hoursPerDay, 8)
    .option('--json', 'print the schedule as JSON')
    .action(async function (this: Command, file: string, opts: { agents: number; hoursPerDay: number; json?: boolean }) {
      const result = await readPlanFile(this, file);
      failOnErrors(this, io, result);
      const s = schedule(result, { agents: opts.agents, hoursPerDay: opts.hoursPerDay });
      const f = forecastRemaining(workFromPlan(result), { agents: opts.agents, runs: PLAN_FORECAST_RUNS, seed: PLAN_FORECAST_SEED });
      if (opts.json) {
        const { agents, makespanHours, lowerBoundHours, criticalPath, criticalPathHours, totalHours, hoursPerDay: hpd, etaDays, assignments } = s;
        const forecast = { p50Hours: f.p50, p80Hours: f.p80, p90Hours: f.p90, runs: f.runs, seed: PLAN_FORECAST_SEED };
        io.stdout.write(`${JSON.stringify({ agents, makespanHours, lowerBoundHours, criticalPath, criticalPathHours, totalHours, hoursPerDay: hpd, etaDays, assignments, forecast }, null, 2)}\n`);
      } else {
        io.stdout.write(scheduleTable(result, s, f));
      }
    });

  plan
    .command('baseline')
    .description('store the project\'s current schedule as its baseline (planned start and finish per task), replacing the one in force')
    .option('--project <owner/repo>', 'project to re-baseline', DEFAULT_PROJECT)
    .option('--agents <n>', `agents the plan assumes (default ${LOCAL_FLEET_CAPACITY})`, positiveInt(100_000))
    .option('--hours-per-day <h>', 'agent working hours per calendar day (calendar.hoursPerDay), for the dates', hoursPerDay, 24)
    .action(async function (this: Command, opts: { project: string; agents?: number; hoursPerDay: number }) {
      let name: { owner: string; repo: string };
      try {
        name = parseProjectName(opts.project);
      } catch (err) {
        return this.error(`--project: ${describeError(err)}`, { exitCode: 2, code: 'fleet.badProject' });
      }
      const db = await openDbFromEnv(io.env);
      try {
        const projectId = (await findProject(db, name.owner, name.repo))?.id ?? null;
        if (projectId === null) return this.error(`no project ${opts.project}: seed its plan first ("fleet seed <plan> --project ${opts.project}")`, { exitCode: 1, code: 'fleet.noProject' });
        const b = await storeBaseline(db, projectId, { reason: 'request', agents: opts.agents, hoursPerDay: opts.hoursPerDay });
        io.stdout.write(`baselined ${opts.project}: ${b!.tasks} task(s) on ${b!.agents} agent(s), makespan ${fmt(b!.makespanHours)} h, from ${b!.createdAt.toISOString()}\n`);
      } finally {
        await db.close();
      }
    });

  const seed = new FleetCommand('seed')
    .description('write a plan\'s epics, tasks and dependencies into the database (DATABASE_URL, else the embedded one); safe to repeat')
    .argument('<file>', 'markdown plan')
    .option('--project <owner/repo>', 'project the plan belongs to', DEFAULT_PROJECT);
  seed.copyInheritedSettings(program);
  seed.configureOutput(output);
  program.addCommand(seed);
  seed.action(async function (this: Command, file: string, opts: { project: string }) {
    try {
      parseProjectName(opts.project);
    } catch (err) {
      this.error(`--project: ${describeError(err)}`, { exitCode: 2, code: 'fleet.badProject' });
    }
    const result = await readPlanFile(this, file);
    failOnErrors(this, io, result);
    const db = await openDbFromEnv(io.env);
    let lastShown = 0;
    const onProgress = (p: SeedProgress): void => {
      // Only long runs get a progress line, and at most one a second.
      if (p.total < 500 || (Date.now() - lastShown < 1000 && p.done !== p.total)) return;
      lastShown = Date.now();
      io.stderr.write(`seeding ${p.phase}: ${p.done}/${p.total}\n`);
    };
    try {
      const r = await seedPlan(db, result, { project: opts.project, onProgress, source: { path: file, text: result.text } });
      const lines = [
        `seeded ${result.file} into ${r.project.owner}/${r.project.repo}${r.project.created ? ' (new project)' : ''}`,
        `  ${countsLine('epics', r.epics)}`,
        `  ${countsLine('tasks', r.tasks)}`,
        `  ${countsLine('dependencies', r.dependencies)}`,
      ];
      for (const o of r.orphaned) lines.push(`  orphaned ${o.key}: ${o.reason} (kept)`);
      // The seeder stores the first plan of a project as its baseline ("fleet plan baseline" replaces it).
      const b = r.baseline;
      if (b) lines.push(`  baseline: ${b.tasks} task(s) on ${b.agents} agent(s), makespan ${fmt(b.makespanHours)} h`);
      io.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      await db.close();
    }
  });
}

/**
 * npm run bench:faults — what agents see when a dependency fails mid-run: a private Postgres
 * cluster and a private redis-server (never the shared ones), an orchestrator process, 100 agents
 * over 2,000 tasks, and one fault per row beside the no-fault baseline of the same run.
 *
 * Columns: tasks handed out twice (as agents saw it / as Postgres recorded it), tasks not done at
 * the end, the longest time a ready task waited while an agent asking for work got 204, answers
 * other than 2xx by status (net = no answer), and the time from the end of the fault to the first
 * claim answered 200 that was sent after it.
 * Targets: 0 duplicates, 0 lost, the wait at most one sweep interval, 503 (not 500) while down.
 * Sizes: BENCH_TASKS=2000 BENCH_AGENTS=100 BENCH_FAULT_MS=10000 BENCH_SWEEP_SECONDS=5 BENCH_FAULTS=none,redis-flushall,...
 */
import { FAULTS, runFault, startFaultServices, type Fault, type FaultRunResult } from '../test/support/faultRun.js';

const TASKS = Number(process.env.BENCH_TASKS ?? 2000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 100);
const FAULT_MS = Number(process.env.BENCH_FAULT_MS ?? 10_000);
const SWEEP = Number(process.env.BENCH_SWEEP_SECONDS ?? 5);
const WHICH = (process.env.BENCH_FAULTS?.split(',') as Fault[] | undefined) ?? FAULTS;

const s = (ms: number | null) => (ms === null ? '-' : (ms / 1000).toFixed(2));
const errs = (e: Record<string, number>) =>
  Object.entries(e)
    .map(([k, v]) => `${k}:${v}`)
    .join(' ') || 'none';

async function main(): Promise<void> {
  const svc = await startFaultServices();
  const results: FaultRunResult[] = [];
  try {
    for (const fault of WHICH) {
      process.stderr.write(`running ${fault}...\n`);
      results.push(
        await runFault(svc, {
          fault,
          tasks: TASKS,
          agents: AGENTS,
          faultMs: FAULT_MS,
          sweepSeconds: SWEEP,
          workMs: [300, 900],
          pollMs: 200,
          settleMs: 60_000,
          log: process.env.BENCH_VERBOSE ? (l) => process.stderr.write(`${l}\n`) : undefined,
        }),
      );
    }
  } finally {
    await svc.close();
  }
  console.log(`\nbench:faults — ${AGENTS} agents, ${TASKS} tasks, outages of ${FAULT_MS / 1000} s, sweep every ${SWEEP} s (target wait ≤ ${SWEEP} s)\n`);
  const head = ['fault', 'duplicates (agents/pg)', 'lost', 'longest ready wait s', 'client errors by status', 'recover s', 'run s'];
  const rows = results.map((r) => [
    r.fault === 'none' ? 'none (baseline)' : r.fault,
    `${r.duplicates}/${r.duplicateAssignments}`,
    String(r.lost),
    s(r.longestReadyWaitMs),
    errs(r.errors),
    s(r.recoverMs),
    s(r.durationMs),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(w[i]!)).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
  const bad = results.filter((r) => r.duplicates || r.duplicateAssignments || r.lost || r.errors['500']);
  if (bad.length) {
    console.log(`\nMISSED TARGETS: ${bad.map((r) => r.fault).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

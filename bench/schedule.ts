/**
 * Schedule quality, not speed: makespan / lower bound for HLFET and for the naive baseline
 * (file order, first ready first served) on the example plan and 200 random DAGs.
 * Run with `npm run bench:schedule` (optionally `-- --seed 7`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePlan } from '../app/plan/parse/parsePlan.js';
import { naiveSchedule, schedule, type SchedulablePlan } from '../app/plan/schedule/index.js';
import { createRng } from '../app/progress/forecast/prng.js';

const AGENTS = [1, 3, 16, 64];
const seedArg = process.argv.indexOf('--seed');
// The forecast's seeded generator (mulberry32): deterministic, so runs are comparable.
// Called through the generator: a detached `.next` loses its state.
const rng = createRng(seedArg > 0 ? Number(process.argv[seedArg + 1]) : 20251209);
const rnd = (): number => rng.next();
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

/** A random plan: `width` controls how far back dependencies reach (wide = shallow, narrow = deep). */
function randomPlan(tasks: number): SchedulablePlan {
  const epicCount = Math.max(1, Math.round(tasks / int(5, 40)));
  const reach = rnd() < 0.5 ? int(1, 5) : int(10, Math.max(10, tasks));
  const depsPer = rnd() < 0.3 ? 0 : int(1, 3);
  const epics = Array.from({ length: epicCount }, (_, i) => ({ key: String(i + 1), dependsOn: [] as string[] }));
  const out: SchedulablePlan & { tasks: { key: string; epic: string; hours: number; dependsOn: string[] }[] } = { epics, tasks: [] };
  const perEpic = new Map<number, number>();
  for (let i = 0; i < tasks; i++) {
    const e = Math.min(epicCount - 1, Math.floor((i * epicCount) / tasks));
    const n = (perEpic.get(e) ?? 0) + 1;
    perEpic.set(e, n);
    const deps = new Set<string>();
    for (let d = 0; d < depsPer && i > 0; d++) {
      const j = i - int(1, Math.min(i, reach));
      deps.add(out.tasks[j]!.key);
    }
    out.tasks.push({ key: `${e + 1}.${n}`, epic: String(e + 1), hours: rnd() < 0.1 ? int(20, 80) : int(1, 16), dependsOn: [...deps] });
  }
  // Some epics wait for earlier ones, whole or in part.
  for (let e = 1; e < epicCount; e++) {
    if (rnd() < 0.25) epics[e]!.dependsOn.push(`epic:${int(1, e)}${rnd() < 0.5 ? `@${[25, 50, 75][int(0, 2)]}` : ''}`);
  }
  return out;
}

interface Row { name: string; tasks: number; ratios: Map<number, { hlfet: number; naive: number }> }

function measure(name: string, plan: SchedulablePlan): Row {
  const ratios = new Map<number, { hlfet: number; naive: number }>();
  for (const agents of AGENTS) {
    const h = schedule(plan, { agents });
    const n = naiveSchedule(plan, { agents });
    const lb = h.lowerBoundHours || 1;
    ratios.set(agents, { hlfet: h.makespanHours / lb, naive: n.makespanHours / lb });
  }
  return { name, tasks: plan.tasks.length, ratios };
}

const started = performance.now();
const examplePath = fileURLToPath(new URL('../seed/plans/remediation-plan.md', import.meta.url));
const example = parsePlan(readFileSync(examplePath, 'utf8'), examplePath);
const exampleRow = measure('example plan', example);

const random: Row[] = [];
for (let i = 0; i < 200; i++) {
  // Sizes spread log-uniformly over 10..2,000 so small and large graphs both count.
  const size = Math.round(Math.exp(Math.log(10) + rnd() * (Math.log(2000) - Math.log(10))));
  random.push(measure(`random #${i + 1}`, randomPlan(size)));
}

const f = (x: number): string => x.toFixed(3);
const header = ['set', 'tasks', ...AGENTS.flatMap((a) => [`${a}a hlfet`, `${a}a naive`])];
const rows: string[][] = [];
rows.push([exampleRow.name, String(exampleRow.tasks), ...AGENTS.flatMap((a) => [f(exampleRow.ratios.get(a)!.hlfet), f(exampleRow.ratios.get(a)!.naive)])]);
const stat = (pick: (r: Row) => number, kind: 'mean' | 'p95' | 'max'): number => {
  const xs = random.map(pick).sort((a, b) => a - b);
  if (kind === 'mean') return xs.reduce((s, x) => s + x, 0) / xs.length;
  if (kind === 'max') return xs[xs.length - 1]!;
  return xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
};
for (const kind of ['mean', 'p95', 'max'] as const) {
  rows.push([
    `200 random DAGs ${kind}`, '10..2000',
    ...AGENTS.flatMap((a) => [f(stat((r) => r.ratios.get(a)!.hlfet, kind)), f(stat((r) => r.ratios.get(a)!.naive, kind))]),
  ]);
}
const better = AGENTS.map((a) => random.filter((r) => r.ratios.get(a)!.hlfet < r.ratios.get(a)!.naive - 1e-9).length);
const worse = AGENTS.map((a) => random.filter((r) => r.ratios.get(a)!.hlfet > r.ratios.get(a)!.naive + 1e-9).length);

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log('makespan / lower bound (1.000 is optimal; lower bound = max(critical path, total hours / agents))\n');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
console.log(`\nHLFET better than naive on ${AGENTS.map((a, i) => `${a}a: ${better[i]}`).join(', ')} of 200; worse on ${AGENTS.map((a, i) => `${a}a: ${worse[i]}`).join(', ')}`);
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);

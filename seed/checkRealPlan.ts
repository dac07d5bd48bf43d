/**
 * Manual check against the real plan the project was built for (not part of the test suite,
 * which must not depend on files outside the repository):
 *
 *   npx tsx seed/checkRealPlan.ts [path]      default: ../shared/plans/ARCHITECTURE_REMEDIATION_PLAN.md
 *
 * Exits 1 when any acceptance fact does not hold.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePlan } from './parse/parsePlan.js';
import { criticalPath, schedule } from './schedule/index.js';
import { formatPlanIssue } from '../schema/plan.js';

const file = process.argv[2] ?? fileURLToPath(new URL('../../shared/plans/ARCHITECTURE_REMEDIATION_PLAN.md', import.meta.url));
let text: string;
try {
  text = readFileSync(file, 'utf8');
} catch (err) {
  console.error(`cannot read ${file}: ${(err as Error).message}`);
  process.exit(2);
}

parsePlan(text, file); // warm-up, so the timing below is the steady-state parse
const t0 = performance.now();
const plan = parsePlan(text, file);
const parseMs = performance.now() - t0;

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const task = (k: string) => plan.tasks.find((t) => t.key === k);
const epic = (k: string) => plan.epics.find((e) => e.key === k);

console.log(`parsed ${file} in ${parseMs.toFixed(1)} ms`);
for (const e of plan.errors) console.log(`  error   ${formatPlanIssue(file, e)}`);
for (const w of plan.warnings) console.log(`  warning ${formatPlanIssue(file, w)}`);
check(plan.errors.length === 0, '0 errors');
check(plan.totals.epics === 5 && plan.totals.tasks === 27 && plan.totals.hours === 564, `5 epics, 27 tasks, 564 hours (got ${plan.totals.epics}, ${plan.totals.tasks}, ${plan.totals.hours})`);
const warnings = plan.warnings.map((w) => w.message).join('\n');
check(/120 .*140/.test(warnings) && /152 .*164/.test(warnings) && /592 .*564/.test(warnings), 'warnings name 120 vs 140, 152 vs 164 and 592 vs 564');
check(JSON.stringify(task('5.2')?.dependsOn) === '["epic:1","epic:2"]', `5.2 depends on epic:1, epic:2 (got ${task('5.2')?.dependsOn})`);
check(JSON.stringify(epic('2')?.dependsOn) === '["epic:1@50"]', `epic 2 depends on epic:1@50 (got ${epic('2')?.dependsOn})`);

const cp = criticalPath(plan);
check(cp.hours === 116 && cp.keys.join(' ') === '3.1 3.2 5.4', `critical path 116 h 3.1 → 3.2 → 5.4 (got ${cp.hours} h ${cp.keys.join(' → ')})`);
for (const agents of [1, 3, 16]) {
  const s = schedule(plan, { agents });
  console.log(`  ${String(agents).padStart(2)} agents: makespan ${s.makespanHours} h, lower bound ${s.lowerBoundHours} h, ETA ${s.etaDays} days at 8 h/day`);
  if (agents === 16) check(s.makespanHours === 116, '16 agents: makespan 116 h');
  if (agents === 3) check(s.makespanHours <= 188 * 1.05, `3 agents: makespan within 5% of 188 h (got ${s.makespanHours})`);
}
if (failures.length > 0) process.exit(1);

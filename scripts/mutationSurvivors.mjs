#!/usr/bin/env node
// Per-file scores and the mutants left alive, from a Stryker JSON report or, for a run that was
// stopped before it finished, from its event-recorder directory (one onMutantTested file per
// mutant, written as the run goes: stryker.focus.config.mjs records them).
// Usage: node scripts/mutationSurvivors.mjs reports/runs/<focus>.json | reports/runs/<focus>-events
// Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const src = process.argv[2];
if (!src) {
  console.error('usage: node scripts/mutationSurvivors.mjs <report.json | events dir>');
  process.exit(2);
}
const byFile = new Map();
const add = (file, m) => {
  const f = path.relative(process.cwd(), path.resolve(file));
  if (!byFile.has(f)) byFile.set(f, []);
  byFile.get(f).push(m);
};
let partial = false;
if (statSync(src).isDirectory()) {
  const names = readdirSync(src).sort();
  const planned = names.find((n) => n.endsWith('onMutationTestingPlanReady.json'));
  const plannedCount = planned ? JSON.parse(readFileSync(path.join(src, planned), 'utf8')).mutantPlans.length : null;
  const tested = names.filter((n) => n.endsWith('onMutantTested.json'));
  for (const n of tested) {
    const m = JSON.parse(readFileSync(path.join(src, n), 'utf8'));
    add(m.fileName, m);
  }
  partial = !names.some((n) => n.endsWith('onMutationTestReportReady.json'));
  console.log(`${tested.length} mutant results${plannedCount === null ? '' : ` of ${plannedCount} planned`}${partial ? ' (run not finished: partial)' : ''}`);
} else {
  const r = JSON.parse(readFileSync(src, 'utf8'));
  for (const [f, { mutants }] of Object.entries(r.files)) for (const m of mutants) add(f, m);
}
const VALID = ['Killed', 'Timeout', 'Survived', 'NoCoverage'];
for (const [f, ms] of [...byFile].sort()) {
  const count = (s) => ms.filter((m) => m.status === s).length;
  const valid = ms.filter((m) => VALID.includes(m.status)).length;
  const detected = count('Killed') + count('Timeout');
  const score = valid ? ((100 * detected) / valid).toFixed(1) : 'n/a';
  console.log(`\n${f}: ${score}% of ${valid} valid (killed ${count('Killed')}, timeout ${count('Timeout')}, survived ${count('Survived')}, no coverage ${count('NoCoverage')}; compile errors ${count('CompileError')}, ignored ${count('Ignored')})`);
  const left = ms.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
  left.sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
  for (const m of left) {
    const rep = String(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 90);
    console.log(`  ${m.status === 'NoCoverage' ? 'NOCOV ' : ''}${m.location.start.line}:${m.location.start.column} ${m.mutatorName} → ${rep}`);
  }
}

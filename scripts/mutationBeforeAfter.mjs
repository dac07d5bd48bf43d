#!/usr/bin/env node
// Before/after scores from ONE Stryker run made with `--disableBail` (so `killedBy` lists every
// test that kills a mutant): "before" counts a mutant as killed when a test outside the given new
// test files killed it, i.e. the score the suite had without them; "after" is the run's own score.
// A timeout counts as detected before when an older test covers the mutant.
// Usage: node scripts/mutationBeforeAfter.mjs reports/mutation/mutation.json test/core/newA.test.ts ...
import { readFileSync } from 'node:fs';
const [file, ...newFiles] = process.argv.slice(2);
const r = JSON.parse(readFileSync(file, 'utf8'));
const testFileOf = new Map();
for (const [tf, { tests }] of Object.entries(r.testFiles ?? {})) for (const t of tests) testFileOf.set(t.id, tf);
const isNew = (id) => newFiles.some((n) => (testFileOf.get(id) ?? '').endsWith(n));
console.log('| file | mutants (valid) | before | after | survived after | no coverage after |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [f, { mutants }] of Object.entries(r.files)) {
  let valid = 0, before = 0, after = 0, surv = 0, nocov = 0;
  for (const m of mutants) {
    if (!['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(m.status)) continue;
    valid++;
    if (m.status === 'Timeout') { after++; if ((m.coveredBy ?? []).some((id) => !isNew(id))) before++; continue; }
    if (m.status === 'Killed') { after++; if ((m.killedBy ?? []).some((id) => !isNew(id))) before++; }
    if (m.status === 'Survived') surv++;
    if (m.status === 'NoCoverage') nocov++;
  }
  console.log(`| ${f} | ${valid} | ${(100 * before / valid).toFixed(1)}% | ${(100 * after / valid).toFixed(1)}% | ${surv} | ${nocov} |`);
}

#!/usr/bin/env node
// Prints the mutation score per folder from Stryker's JSON report(s) (mutation-testing-report-schema).
// Usage: node scripts/mutationScores.mjs [report.json ...]   (default: reports/mutation/mutation.json)
// Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it;
// compile errors and ignored (static) mutants are left out.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const files = process.argv.slice(2);
if (!files.length) files.push('reports/mutation/mutation.json');

const rows = new Map();
for (const f of files) {
  if (!existsSync(f)) {
    console.error(`${f} not found: run npm run test:mutation (or test:mutation:engine) first`);
    process.exitCode = 1;
    continue;
  }
  const report = JSON.parse(readFileSync(f, 'utf8'));
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const folder = path.dirname(path.relative(process.cwd(), path.resolve(file)));
    const r = rows.get(folder) ?? { killed: 0, survived: 0, noCoverage: 0, timeout: 0, other: 0 };
    for (const m of mutants) {
      if (m.status === 'Killed') r.killed++;
      else if (m.status === 'Timeout') r.timeout++;
      else if (m.status === 'Survived') r.survived++;
      else if (m.status === 'NoCoverage') r.noCoverage++;
      else r.other++;
    }
    rows.set(folder, r);
  }
}

const score = (r) => {
  const valid = r.killed + r.timeout + r.survived + r.noCoverage;
  return valid ? ((100 * (r.killed + r.timeout)) / valid).toFixed(1) : 'n/a';
};
const total = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, other: 0 };
console.log('| folder | killed | timeout | survived | no coverage | score % |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [folder, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
  for (const k of Object.keys(total)) total[k] += r[k];
  console.log(`| ${folder} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${score(r)} |`);
}
console.log(`| **all** | ${total.killed} | ${total.timeout} | ${total.survived} | ${total.noCoverage} | **${score(total)}** |`);

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_PLAN = fileURLToPath(new URL('../../seed/plans/remediation-plan.md', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/plans/${name}`, import.meta.url));
export const read = (path: string): string => readFileSync(path, 'utf8');

/** A hand-written-form plan of `epics` × `perEpic` tasks, each task after the previous one of its epic. */
export function generatedListPlan(epics: number, perEpic: number): string {
  const out: string[] = ['# Generated plan', ''];
  for (let e = 1; e <= epics; e++) {
    out.push(`## Epic ${e}: Generated epic ${e} (${perEpic * 2} hours)`, '');
    if (e > 1) out.push(`Dependencies: Epic #${e - 1} must be 50% complete`, '');
    for (let t = 1; t <= perEpic; t++) out.push(`- [ ] ${e}.${t} Task ${e}.${t} (2 hours)${t > 1 ? ` — depends on ${e}.${t - 1}` : ''}`);
    out.push('');
  }
  return out.join('\n');
}

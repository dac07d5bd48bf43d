import { createHash } from 'node:crypto';

/** Where a task's text came from, printed in the agent's prompt header (issue 15: agents read only trusted text). */
export interface PlanProvenance {
  planPath: string;
  planCommit: string | null;
  planHash: string | null;
}

/** The provenance of a plan file's text: the same hash whichever door (push, `fleet sync`, `fleet seed`) it came by. */
export function planProvenance(source: { path: string; commit?: string | null; text: string }): PlanProvenance {
  return { planPath: source.path, planCommit: source.commit ?? null, planHash: `sha256:${createHash('sha256').update(source.text).digest('hex')}` };
}

import type { DiffResult, SyncAction } from './diff.js';

/** What a plan sync did (or, in a dry run, would do), and the words for it. */

export interface SyncReport {
  dryRun: boolean;
  created: { kind: 'epic' | 'task'; key: string; number: number }[];
  updated: { kind: 'epic' | 'task'; key: string; number: number; changes: string[] }[];
  linked: { epicKey: string; taskKey: string }[];
  blockedBy: { taskKey: string; blockedByKey: string }[];
  orphans: DiffResult['orphans'];
  duplicates: DiffResult['duplicates'];
  errors: string[];
  /** key → issue (number, node id) for every plan item, for the database. */
  issues: { tasks: Map<string, { number: number; nodeId: string | null }>; epics: Map<string, { number: number; nodeId: string | null }> };
  /** Planned actions (dry run) or what was done. */
  actions: SyncAction[];
}

export function describe(a: SyncAction): string {
  switch (a.op) {
    case 'create':
      return `create ${a.kind} ${a.key}`;
    case 'update':
      return `update ${a.kind} ${a.key} (#${a.number}: ${a.changes.join(', ')})`;
    case 'link-sub-issue':
      return `make ${a.taskKey} a sub-issue of epic ${a.epicKey}`;
    case 'add-blocked-by':
      return `mark ${a.taskKey} blocked by ${a.blockedByKey}`;
  }
}

/** The plan of changes as text, for `--dry-run` and logs. */
export function formatSyncReport(r: SyncReport): string {
  const lines: string[] = [];
  if (r.dryRun) {
    lines.push(r.actions.length ? `Plan of changes (${r.actions.length}; nothing written):` : 'No changes: the issues match the plan.');
    for (const a of r.actions) lines.push(`  ${a.op === 'create' ? '+' : a.op === 'update' ? '~' : '>'} ${describe(a)}`);
  } else {
    lines.push(`Created ${r.created.length}, updated ${r.updated.length}, sub-issues linked ${r.linked.length}, blocked-by added ${r.blockedBy.length}.`);
    for (const c of r.created) lines.push(`  + ${c.kind} ${c.key} → #${c.number}`);
    for (const u of r.updated) lines.push(`  ~ ${u.kind} ${u.key} #${u.number} (${u.changes.join(', ')})`);
  }
  for (const o of r.orphans) lines.push(`  ! #${o.number} (${o.kind} ${o.key}) is no longer in the plan; left as it is`);
  for (const d of r.duplicates) lines.push(`  ! ${d.key} appears on issues ${d.numbers.map((n) => `#${n}`).join(', ')}; using #${d.numbers[0]}`);
  for (const e of r.errors) lines.push(`  x ${e}`);
  return lines.join('\n');
}

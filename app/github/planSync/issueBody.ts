import type { IssueRecord } from '../gateway/gitHubGateway.js';
import type { PlanEpic, PlanTask } from '../../../schema/plan.js';

/**
 * The issue body of a plan item: the hidden marker that finds the issue again, the managed text
 * rendered from the plan, and the people's part below END_MARKER, which is kept.
 */

/** An issue as found on GitHub. */
export type ExistingIssue = IssueRecord;

export interface Marker {
  kind: 'task' | 'epic';
  key: string;
}

const MARKER = /<!--\s*fleet:(task|epic)=([^\s>]{1,100})\s*-->/;
export const END_MARKER = '<!-- fleet:end -->';

export function readMarker(body: string | null | undefined): Marker | null {
  const m = MARKER.exec(body ?? '');
  return m ? { kind: m[1] as 'task' | 'epic', key: m[2]! } : null;
}

export const epicTitle = (e: Pick<PlanEpic, 'key' | 'title'>) => `Epic ${e.key}: ${e.title}`.slice(0, 256);
export const taskTitle = (t: Pick<PlanTask, 'key' | 'title'>) => `${t.key} ${t.title}`.slice(0, 256);

function fmtHours(h: number | null | undefined): string {
  return h === null || h === undefined ? '?' : `${Number(h.toFixed(2))}h`;
}

function depLabel(dep: string, numbers: NumberMap): string {
  const m = /^epic:([^@]+)(?:@(\d+(?:\.\d+)?))?$/.exec(dep);
  if (m) {
    const n = numbers.epics.get(m[1]!);
    const ref = n ? `#${n}` : `epic ${m[1]}`;
    return m[2] ? `${ref} (${m[2]}%)` : ref;
  }
  const n = numbers.tasks.get(dep);
  return n ? `#${n}` : `\`${dep}\``;
}

export interface NumberMap {
  tasks: Map<string, number>;
  epics: Map<string, number>;
}

/** The managed part of a task issue's body; what people write below END_MARKER is kept. */
export function renderTaskBody(t: PlanTask, numbers: NumberMap): string {
  const lines = [`<!-- fleet:task=${t.key} -->`];
  const epicN = numbers.epics.get(t.epic);
  lines.push(`Epic: ${epicN ? `#${epicN}` : `epic ${t.epic}`}`);
  lines.push(`Estimate: ${fmtHours(t.hours)}`);
  if (t.dependsOn.length) lines.push(`Depends on: ${t.dependsOn.map((d) => depLabel(d, numbers)).join(', ')}`);
  if (t.deliverables.length) {
    lines.push('', '### Deliverables', ...t.deliverables.map((d) => `- ${d}`));
  }
  lines.push('', '_Managed by fleet from the plan: edit the plan, not this text; notes below the line are kept._', END_MARKER);
  return lines.join('\n');
}

export function renderEpicBody(e: PlanEpic, tasks: readonly PlanTask[], numbers: NumberMap): string {
  const lines = [`<!-- fleet:epic=${e.key} -->`];
  const hours = e.hours;
  lines.push(`Estimate: ${fmtHours(hours)}${e.declaredHours !== null && e.declaredHours !== hours ? ` (declared ${fmtHours(e.declaredHours)})` : ''}`);
  if (e.dependsOn.length) lines.push(`Depends on: ${e.dependsOn.map((d) => depLabel(d, numbers)).join(', ')}`);
  lines.push(`Priority: p${e.priority}`);
  lines.push('', '### Tasks', ...tasks.map((t) => `- ${numbers.tasks.get(t.key) ? `#${numbers.tasks.get(t.key)}` : `\`${t.key}\``} ${t.title} (${fmtHours(t.hours)})`));
  if (e.completionCriteria.length) lines.push('', '### Completion criteria', ...e.completionCriteria.map((c) => `- ${c}`));
  lines.push('', '_Managed by fleet from the plan: edit the plan, not this text; notes below the line are kept._', END_MARKER);
  return lines.join('\n');
}

/** Managed part replaced, people's part (after END_MARKER) kept. */
export function mergeBody(existing: string, managed: string): string {
  const i = existing.indexOf(END_MARKER);
  const tail = i >= 0 ? existing.slice(i + END_MARKER.length) : '';
  return managed + tail;
}

export const TASK_LABEL = 'fleet:task';
export const EPIC_LABEL = 'fleet:epic';

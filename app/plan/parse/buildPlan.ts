import { formatDependency, type ParsedDependency, type Plan, type PlanEpic, type PlanIssue, type PlanTask } from '../../../schema/plan.js';
import type { RawDependency, RawPlan, RawTask } from './rawPlan.js';
import { pathsInBackticks, uniqueGlobs } from './footprint.js';
import { findCycles } from './findCycles.js';

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** One name per dependency target, for finding the same one written twice. */
const depId = (d: ParsedDependency): string => `${d.kind}:${d.key}`;

const NO_PLAN =
  'no epics or tasks found: expected epic headings like "### Epic 1: Title (40 hours)" followed by a code block tree of ' +
  '"├── Issue #1.1: Title (8 hours)" lines, or list items like "- [ ] 1.1 Title (8 hours) — depends on 1.2"';

/** Checks what the document said and turns it into the plan model; every problem is reported, none thrown. */
export function buildPlan(raw: RawPlan): Plan {
  const errors: PlanIssue[] = [...raw.errors];
  const warnings: PlanIssue[] = [...raw.warnings];
  const epics: PlanEpic[] = [];
  const tasks: PlanTask[] = [];
  const epicByKey = new Map<string, PlanEpic>();
  const taskByKey = new Map<string, PlanTask>();
  const rawDeps = new Map<PlanEpic | PlanTask, RawDependency[]>();

  for (const re of raw.epics) {
    const seen = epicByKey.get(re.key);
    if (seen) {
      errors.push({ line: re.line, message: `epic ${re.key} is defined twice (first at line ${seen.line}); give each epic its own number` });
      continue;
    }
    const epic: PlanEpic = {
      key: re.key, title: re.title, priority: re.priority, declaredHours: re.declaredHours, hours: 0,
      dependsOn: [], completionCriteria: re.completionCriteria, line: re.line,
    };
    epicByKey.set(epic.key, epic);
    epics.push(epic);
    rawDeps.set(epic, re.dependsOn);
    for (const rt of re.tasks) {
      const first = taskByKey.get(rt.key);
      if (first) {
        errors.push({ line: rt.line, message: `duplicate task key ${rt.key} (first defined at line ${first.line}); each task needs its own key` });
        continue;
      }
      if (rt.hours === null) {
        errors.push({ line: rt.line, message: `task ${rt.key} "${rt.title}" has no estimate: end its title with "(N hours)", e.g. "${rt.key} ${rt.title} (8 hours)"` });
      }
      if (rt.keyEpic !== rt.epic) {
        warnings.push({ line: rt.line, message: `task ${rt.key} is listed under epic ${rt.epic}; it is counted there although its key names epic ${rt.keyEpic}` });
      }
      const task: PlanTask = { key: rt.key, epic: rt.epic, title: rt.title, hours: rt.hours ?? 0, dependsOn: [], deliverables: rt.deliverables, footprint: taskFootprint(rt), line: rt.line };
      taskByKey.set(task.key, task);
      tasks.push(task);
      rawDeps.set(task, rt.dependsOn);
      epic.hours = round2(epic.hours + task.hours);
    }
  }

  if (epics.length === 0) errors.push({ line: 1, message: NO_PLAN });
  const epicsWithTasks = new Set(tasks.map((t) => t.epic));
  const keysByEpic = new Map<string, string[]>();
  for (const t of tasks) keysByEpic.set(t.epic, [...(keysByEpic.get(t.epic) ?? []).slice(0, 8), t.key]);
  // Only named in an error about a dependency, which is always read inside an epic: never empty.
  const epicList = [...epicByKey.keys()].slice(0, 20).join(', ') + (epicByKey.size > 20 ? ', ...' : '');
  for (const epic of epics) {
    if (!epicsWithTasks.has(epic.key)) {
      errors.push({ line: epic.line, message: `epic ${epic.key} "${epic.title}" has no tasks: list them as "Issue #${epic.key}.1: Title (8 hours)" in a tree, or "- [ ] ${epic.key}.1 Title (8 hours)"` });
    }
  }

  // Resolve dependencies: every reference must name something, and none may wait on its own epic.
  const resolve = (owner: string, ownEpic: string, deps: RawDependency[], isEpic: boolean): ParsedDependency[] => {
    const out = new Map<string, ParsedDependency>();
    for (const { dep, line } of deps) {
      if (dep.kind === 'task' && !taskByKey.has(dep.key)) {
        errors.push({ line, message: `${owner} depends on ${dep.key}, which is not a task in this plan${suggestTask(dep.key, keysByEpic)}` });
        continue;
      }
      if (dep.kind === 'epic' && !epicByKey.has(dep.key)) {
        errors.push({ line, message: `${owner} depends on epic ${dep.key}, which is not an epic in this plan (epics: ${epicList})` });
        continue;
      }
      if (dep.kind === 'epic' && dep.key === ownEpic) {
        errors.push({
          line,
          message: isEpic
            ? `epic ${ownEpic} depends on itself; remove that dependency`
            : `${owner} depends on its own epic ${ownEpic}, which is done only when ${owner} is: depend on specific tasks (e.g. ${ownEpic}.1) instead`,
        });
        continue;
      }
      const id = depId(dep);
      const prev = out.get(id);
      // The same epic named twice keeps the stricter threshold.
      if (!prev || (prev.kind === 'epic' && dep.kind === 'epic' && dep.percent > prev.percent)) out.set(id, dep);
    }
    return [...out.values()];
  };
  for (const epic of epics) epic.dependsOn = resolve(`epic ${epic.key}`, epic.key, rawDeps.get(epic) ?? [], true).map(formatDependency);
  for (const task of tasks) {
    const epic = epicByKey.get(task.epic);
    const epicDeps = new Map((epic ? rawDeps.get(epic) ?? [] : []).map((d) => [depId(d.dep), d.dep]));
    task.dependsOn = resolve(`task ${task.key}`, task.epic, rawDeps.get(task) ?? [], false)
      // What the epic already requires is not repeated on its tasks.
      .filter((d) => {
        const e = epicDeps.get(depId(d));
        return !e || (e.kind === 'epic' && d.kind === 'epic' && d.percent > e.percent);
      })
      .map(formatDependency);
  }

  for (const cycle of findCycles({ epics, tasks })) {
    errors.push({ line: tasks[cycle.task]?.line ?? 1, message: `dependency cycle: ${cycle.path} (each waits for the next, so none can start)` });
  }

  const hours = round2(tasks.reduce((s, t) => s + t.hours, 0));
  for (const epic of epics) {
    if (epic.declaredHours !== null && Math.abs(epic.declaredHours - epic.hours) > 0.005) {
      warnings.push({ line: epic.line, message: `epic ${epic.key} "${epic.title}" declares ${epic.declaredHours} hours but its tasks add up to ${epic.hours} hours` });
    }
  }
  for (const total of raw.declaredTotals) {
    if (Math.abs(total.hours - hours) > 0.005) {
      warnings.push({ line: total.line, message: `the ${total.where} declares ${total.hours} hours in total but the tasks add up to ${hours} hours` });
    }
  }
  const allDeclared = epics.length > 0 && epics.every((e) => e.declaredHours !== null);
  const declaredHours = raw.declaredTotals[0]?.hours ?? (allDeclared ? round2(epics.reduce((s, e) => s + (e.declaredHours ?? 0), 0)) : null);

  errors.sort((a, b) => a.line - b.line);
  warnings.sort((a, b) => a.line - b.line);
  return { epics, tasks, totals: { epics: epics.length, tasks: tasks.length, hours, declaredHours }, warnings, errors };
}

function suggestTask(key: string, keysByEpic: Map<string, string[]>): string {
  const epic = key.split('.')[0]!;
  const same = keysByEpic.get(epic) ?? [];
  return same.length > 0 ? ` (epic ${epic} has ${same.slice(0, 8).join(', ')}${same.length > 8 ? ', ...' : ''})` : '';
}

/** The files the plan says a task touches: its `Files:` line plus paths in backticks in its text. */
function taskFootprint(rt: RawTask): string[] {
  return uniqueGlobs([...rt.files, ...pathsInBackticks(rt.title), ...rt.deliverables.flatMap(pathsInBackticks)]);
}

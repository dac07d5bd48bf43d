import type { ClaimedTask } from './orchestratorClient.js';

/** `Add the OIDC verifier!` → `add-the-oidc-verifier`, at most `max` characters, never empty. */
export function slugify(text: string, max = 40): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return slug || 'task';
}

/** The task's branch: `fleet/<key>-<slug>` (the GitHub app ties PRs to tasks by this prefix). */
export function branchName(task: Pick<ClaimedTask, 'key' | 'title' | 'branch'>): string {
  if (task.branch && /^fleet\/[A-Za-z0-9._/-]+$/.test(task.branch) && !task.branch.includes('..')) return task.branch;
  const key = task.key.replace(/[^A-Za-z0-9._-]/g, '-');
  return `fleet/${key}-${slugify(task.title)}`;
}

/** Lines of the body that read like acceptance criteria (a section so titled, or checklist items). */
export function acceptanceCriteria(body: string): string[] {
  const lines = body.split(/\r?\n/);
  const out: string[] = [];
  let inSection = false;
  for (const line of lines) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      inSection = /acceptance|definition of done|done when/i.test(heading[1] ?? '');
      continue;
    }
    const item = /^\s*[-*]\s+(?:\[[ xX]\]\s+)?(.*\S)\s*$/.exec(line);
    if (inSection && item?.[1]) out.push(item[1]);
  }
  return out;
}

export interface PromptContext {
  repository: string;
  branch: string;
  baseBranch: string;
  serverUrl: string;
}

/** The prompt file the agent reads: everything it needs to do the task, nothing secret. */
export function buildPrompt(task: ClaimedTask, ctx: PromptContext): string {
  const parts: string[] = [];
  parts.push(`# Task ${task.key}: ${task.title}`, '');
  const facts = [
    `- Repository: ${ctx.repository}`,
    `- Branch: \`${ctx.branch}\` (from \`${ctx.baseBranch}\`); your changes are committed and pushed for you`,
  ];
  if (task.issue_number) facts.push(`- Issue: #${task.issue_number} (${ctx.serverUrl}/${ctx.repository}/issues/${task.issue_number})`);
  if (task.epic_key) facts.push(`- Epic: ${task.epic_key}`);
  if (task.estimated_hours) facts.push(`- Estimate: ${task.estimated_hours}h`);
  parts.push(...facts, '');
  if (task.body.trim()) parts.push('## Description', '', task.body.trim(), '');
  if (task.deliverables.length) parts.push('## Deliverables', '', ...task.deliverables.map((d) => `- ${d}`), '');
  const criteria = acceptanceCriteria(task.body);
  parts.push('## Acceptance criteria', '');
  if (criteria.length) parts.push(...criteria.map((c) => `- [ ] ${c}`));
  else parts.push('- Every deliverable above exists and works.', '- The project\'s tests and linters pass.');
  parts.push('');
  if (task.dependencies.length) {
    parts.push('## Dependencies (already done or in review; build on them)', '');
    for (const d of task.dependencies) {
      const pr = d.pr_number ? ` - PR #${d.pr_number} (${ctx.serverUrl}/${ctx.repository}/pull/${d.pr_number})` : '';
      parts.push(`- ${d.key}${d.status ? ` (${d.status})` : ''}${pr}`);
    }
    parts.push('');
  }
  parts.push(
    '## How to work',
    '',
    '- Make the change in the working directory; do not push or open a pull request yourself.',
    '- Keep the change focused on this task; add or update tests for what you change.',
    '- Exit with status 0 when the task is done, non-zero if you could not do it.',
    '',
  );
  return parts.join('\n');
}

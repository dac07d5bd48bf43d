import { describe, expect, it } from 'vitest';
import { runJob, type JobDeps } from '../../action/src/main.js';
import type { BeatAnswer, ClaimResponse, OrchestratorClient, ProgressBody, UsageBody } from '../../action/src/orchestratorClient.js';
import type { AgentOptions } from '../../action/src/processRunner.js';

/**
 * Issue 15 in the Action: a heartbeat answer that says stop makes the job stop its agent, commit
 * and push nothing, post its usage, and report failed with the exit reason `budget`. The prompt is
 * the task text the orchestrator served (the synced plan), headed by the plan's provenance.
 */
const claim = {
  assignment: { id: 41, task_id: 7, agent_id: null, pool: 'vm', epoch: 3, status: 'active', percent_complete: 0, notes: null, end_reason: null, workflow_run_id: null, runner_name: null, lease_expires_at: '2026-11-29T10:00:00.000Z', created_at: '2026-11-29T09:00:00.000Z', updated_at: '2026-11-29T09:00:00.000Z', ended_at: null },
  task: { id: 7, key: '1.1', title: 'Widget', body: 'Build the widget exactly as planned.', deliverables: [], epic_key: '1', issue_number: 12, dependencies: [] },
  lease: { epoch: 3, expires_at: '2026-11-29T10:00:00.000Z' },
  provenance: { plan_path: 'plans/widgets.md', plan_commit: 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0', plan_hash: 'sha256:abc123' },
} as unknown as ClaimResponse;

function harness(stopOnBeat: number) {
  let now = 1_000_000;
  const beats: number[] = [];
  const progress: ProgressBody[] = [];
  const usage: UsageBody[] = [];
  const gitCalls: string[] = [];
  const files = new Map<string, string>();
  let agentSignal: AbortSignal | null = null;
  const orchestrator: OrchestratorClient = {
    claim: async () => claim,
    heartbeat: async (): Promise<BeatAnswer> => {
      beats.push(now);
      const lease = { epoch: 3, expires_at: '2026-11-29T10:00:00.000Z' };
      return beats.length >= stopOnBeat ? { ...lease, stop: { reason: 'budget', message: 'task budget $1.00 spent ($1.20)' } } : lease;
    },
    progress: async (_id: number, b: ProgressBody) => void progress.push(b),
    usage: async (_id: number, b: UsageBody) => void usage.push(b),
    taskGit: async () => undefined,
    evidence: async () => undefined,
  } as unknown as OrchestratorClient;
  const deps: JobDeps = {
    inputs: { orchestratorUrl: 'http://o', task: '1.1', pool: 'vm', epoch: 3, agentCommand: 'agent', githubToken: 't', orchestratorToken: 'x', heartbeatSeconds: 30, timeoutMinutes: 60, draftPr: false, mode: 'new' },
    context: { workspace: '/ws', tempDir: '/nonexistent-tmp', repository: 'acme/widgets', serverUrl: 'https://github.com', baseEnv: {} },
    orchestrator,
    github: {} as JobDeps['github'],
    git: {
      defaultBranch: async () => 'main',
      remoteBranchSha: async () => '',
      checkoutNewBranch: async () => 'base0000',
      checkoutExistingBranch: async () => 'base0000',
      hasChanges: async () => (gitCalls.push('hasChanges'), true),
      commitAll: async () => (gitCalls.push('commitAll'), 'c0ffee'),
      changedFiles: async () => [],
      push: async () => void gitCalls.push('push'),
    },
    processes: {
      exec: async () => ({ code: 0, stdout: '', stderr: '' }),
      // The agent runs until it is stopped, printing a Codex turn's token counts as it goes.
      runAgent: (_cmd: string, o: AgentOptions) =>
        new Promise((resolve) => {
          agentSignal = o.signal;
          o.onOutput?.('{"type":"turn.started"}\n{"type":"turn.completed","usage":{"input_tokens":1200,"cached_input_tokens":0,"output_tokens":300}}\n');
          o.signal.addEventListener('abort', () => resolve({ exitCode: null, signal: 'SIGTERM', timedOut: false, aborted: true }), { once: true });
        }),
    },
    clock: {
      now: () => now,
      sleep: async (ms: number, signal?: AbortSignal) => {
        await new Promise((r) => setImmediate(r));
        if (!signal?.aborted) now += ms;
      },
    },
    log: { info: () => undefined, warning: () => undefined, error: () => undefined, debug: () => undefined, group: (_n, fn) => fn() },
    writeFile: async (p, c) => void files.set(p, c),
    output: () => undefined,
    killGraceMs: 10,
  };
  return { deps, beats, progress, usage, gitCalls, files, agentAborted: () => agentSignal?.aborted ?? false };
}

describe('the Action on a heartbeat answer that says stop', () => {
  it('stops the agent, commits nothing and reports failed with reason budget', async () => {
    const h = harness(2);
    const res = await runJob(h.deps);
    expect(h.agentAborted()).toBe(true);
    expect(h.beats.length).toBeGreaterThanOrEqual(2);
    expect(res.result).toBe('failed');
    expect(res.reason).toMatch(/stopped by the orchestrator \(budget\)/);
    expect(h.gitCalls).toEqual([]);
    expect(h.progress.at(-1)).toMatchObject({ status: 'failed', exit_reason: 'budget', epoch: 3 });
    // Usage went out during the run (with a beat) and at the end (final totals).
    expect(h.usage.length).toBeGreaterThanOrEqual(1);
    expect(h.usage.at(-1)).toMatchObject({ epoch: 3, input_tokens: 1200, output_tokens: 300 });
    // Runner minutes come from the job (the Action's time on the runner).
    expect(h.usage.at(-1)!.runner_minutes).toEqual(expect.any(Number));
  });

  it('builds the prompt from the task text the orchestrator served, headed by the synced plan file, commit and hash', async () => {
    const h = harness(1);
    await runJob(h.deps);
    const prompt = [...h.files.values()][0]!;
    expect(prompt).toContain('Build the widget exactly as planned.');
    expect(prompt).toContain('plan `plans/widgets.md` at commit a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0 (content hash sha256:abc123)');
  });
});

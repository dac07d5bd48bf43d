import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyExit, mentionsRateLimit, type ExitFacts } from '../../action/src/exitReason.js';
import { parseAgentOutput } from '../../action/src/usage/index.js';

/** Why the agent stopped, from the process facts and the agent's own output (fixtures as in usage.test.ts). */
const endOf = (name: string) => parseAgentOutput(readFileSync(join(import.meta.dirname, 'fixtures', 'usage', name), 'utf8'))?.end ?? null;
const clean: ExitFacts = { exitCode: 0, signal: null, timedOut: false, changed: true };

describe('classifyExit', () => {
  it('success and no_change for a clean exit, by whether anything changed', () => {
    expect(classifyExit({ ...clean, agentEnd: endOf('claude-json-success.json') })).toEqual({ reason: 'success', detail: 'the agent finished with changes' });
    expect(classifyExit({ ...clean, changed: false })).toEqual({ reason: 'no_change', detail: 'the agent finished but produced no change' });
  });

  it('budget when the orchestrator stopped it, or when the agent hit its own spending cap', () => {
    expect(classifyExit({ ...clean, exitCode: null, signal: 'SIGTERM', stoppedFor: 'budget' }).reason).toBe('budget');
    expect(classifyExit({ ...clean, exitCode: 1, agentEnd: endOf('claude-json-max-budget.json') })).toEqual({
      reason: 'budget',
      detail: "the agent reached its spending cap (Claude Code's error_max_budget_usd)",
    });
  });

  it('timeout when the time limit ran out, whatever the output said', () => {
    expect(classifyExit({ exitCode: null, signal: 'SIGKILL', timedOut: true, outputTail: '429 Too Many Requests' }).reason).toBe('timeout');
  });

  it.each([
    ['Claude Code 529 overloaded', 'claude-json-overloaded.json', 1],
    ['Claude Code rate_limit flag', 'claude-stream-rate-limited.jsonl', 1],
    ['Codex 429 after retries', 'codex-exec-rate-limited.jsonl', 1],
    // Claude Code can end with is_error and exit 0: the error result decides.
    ['an error result with exit code 0', 'claude-json-overloaded.json', 0],
  ])('rate_limited for %s', (_what, file, exitCode) => {
    expect(classifyExit({ ...clean, exitCode, agentEnd: endOf(file) }).reason).toBe('rate_limited');
  });

  it('rate_limited from the output tail when the agent printed nothing structured', () => {
    for (const tail of [
      'Error: 429 Too Many Requests',
      'anthropic.RateLimitError: rate_limit_error',
      'HTTP 529: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      'Claude AI usage limit reached|1767225600',
      'openai.RateLimitError: Rate limit reached for gpt-5',
    ]) {
      expect(classifyExit({ exitCode: 1, timedOut: false, outputTail: tail })).toMatchObject({ reason: 'rate_limited', detail: 'the model API was rate-limited or overloaded (exit code 1)' });
    }
    expect(classifyExit({ exitCode: 0, timedOut: false, changed: false, outputTail: 'status 429: too many requests' }).reason).toBe('rate_limited');
  });

  it('agent_error for other failures, with the agent words', () => {
    expect(classifyExit({ ...clean, exitCode: 1, agentEnd: endOf('claude-json-max-turns.json') })).toEqual({
      reason: 'agent_error',
      detail: 'the agent failed (exit code 1): Reached maximum number of turns (60)',
    });
    expect(classifyExit({ ...clean, exitCode: 1, agentEnd: endOf('codex-exec-failed.jsonl') }).detail).toBe(
      'the agent failed (exit code 1): sandbox denied the command: write outside the workspace',
    );
    expect(classifyExit({ exitCode: null, signal: 'SIGSEGV', timedOut: false }).detail).toBe('the agent failed (killed by SIGSEGV)');
    expect(classifyExit({ exitCode: null, timedOut: false, spawnError: 'spawn bash ENOENT' }).reason).toBe('agent_error');
    expect(classifyExit({ exitCode: 2, timedOut: false, outputTail: 'TypeError: x is undefined' }).reason).toBe('agent_error');
  });

  it("prefers the agent's error words over the raw output when both exist", () => {
    // The output mentions 429 (in code it read), but the agent's own error does not: not a rate limit.
    expect(classifyExit({ ...clean, exitCode: 1, agentEnd: endOf('codex-exec-failed.jsonl'), outputTail: 'Error: 429 Too Many Requests' }).reason).toBe('agent_error');
  });

  it('only reads the end of a long output', () => {
    expect(classifyExit({ exitCode: 1, timedOut: false, outputTail: `Error: 429 Too Many Requests\n${'x'.repeat(5000)}` }).reason).toBe('agent_error');
  });
});

describe('mentionsRateLimit', () => {
  it('does not fire on numbers or words that merely look alike', () => {
    for (const s of ['port 4290 open', 'issue #529 fixed', 'the overloading operator', 'rate of change', '', null]) expect(mentionsRateLimit(s)).toBe(false);
  });
});

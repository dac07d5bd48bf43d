import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { combineReadings, parseAgentOutput, parseUsageFile, readAgentUsage, UsageTracker, usageReportBody } from '../../action/src/usage/index.js';

/** Usage from each documented format (fixtures in test/action/fixtures/usage, see its README). */
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', 'usage', name), 'utf8');

describe('Claude Code output', () => {
  it('reads --output-format json: cost, turns, all input tokens, and the model that cost most', () => {
    expect(parseAgentOutput(fixture('claude-json-success.json'))).toEqual({
      source: 'claude_code',
      usage: { input_tokens: 52 + 31877 + 412006, output_tokens: 9120, cached_input_tokens: 412006, cost_usd: 0.8421, model: 'claude-sonnet-4-5-20250929', turns: 14 },
      end: { is_error: false, subtype: 'success', messages: [], rate_limited: false },
      complete: true,
    });
  });

  it('reads a pretty-printed json result too', () => {
    expect(parseAgentOutput(fixture('claude-json-pretty.json'))?.usage).toMatchObject({ cost_usd: 0.0123, turns: 2, input_tokens: 10, output_tokens: 20 });
  });

  it('reads --output-format stream-json: the result line wins over the running total', () => {
    const r = parseAgentOutput(fixture('claude-stream-success.jsonl'));
    expect(r).toMatchObject({ source: 'claude_code', complete: true, end: { is_error: false, subtype: 'success' } });
    expect(r?.usage).toEqual({ input_tokens: 10 + 10200 + 32200, output_tokens: 240, cached_input_tokens: 32200, cost_usd: 0.0731, model: 'claude-sonnet-4-5-20250929', turns: 3 });
  });

  it('gives a running total without cost before the result, counting a message split over lines once', () => {
    const r = parseAgentOutput(fixture('claude-stream-partial.jsonl'));
    expect(r).toEqual({
      source: 'claude_code',
      usage: { input_tokens: 4 + 9800 + 11200 + 6 + 400 + 21000, output_tokens: 30 + 210, cached_input_tokens: 11200 + 21000, cost_usd: null, model: 'claude-sonnet-4-5-20250929', turns: null },
      end: null,
      complete: false,
    });
  });

  it('reports error endings with their words', () => {
    expect(parseAgentOutput(fixture('claude-json-overloaded.json'))?.end).toMatchObject({ is_error: true, subtype: 'success', rate_limited: false });
    expect(parseAgentOutput(fixture('claude-json-overloaded.json'))?.end?.messages[0]).toMatch(/^API Error: 529 .*overloaded_error/);
    expect(parseAgentOutput(fixture('claude-stream-rate-limited.jsonl'))?.end).toMatchObject({ is_error: true, rate_limited: true });
    expect(parseAgentOutput(fixture('claude-json-max-budget.json'))).toMatchObject({ usage: { cost_usd: 5.0213, turns: 41 }, end: { is_error: true, subtype: 'error_max_budget_usd' } });
    expect(parseAgentOutput(fixture('claude-json-max-turns.json'))?.end).toEqual({
      is_error: true,
      subtype: 'error_max_turns',
      messages: ['Reached maximum number of turns (60)'],
      rate_limited: false,
    });
  });
});

describe('Codex output', () => {
  it('reads codex exec --json: tokens from turn.completed (input includes cached), no cost or model', () => {
    expect(parseAgentOutput(fixture('codex-exec-success.jsonl'))).toEqual({
      source: 'codex',
      usage: { input_tokens: 24763, output_tokens: 122, cached_input_tokens: 24448, cost_usd: null, model: null, turns: 1 },
      end: { is_error: false, subtype: 'turn.completed', messages: [], rate_limited: false },
      complete: true,
    });
  });

  it('takes the last turn.completed as the running total, not the sum', () => {
    expect(parseAgentOutput(fixture('codex-exec-two-turns.jsonl'))?.usage).toMatchObject({ input_tokens: 26000, cached_input_tokens: 21000, output_tokens: 1400, turns: 2 });
  });

  it('reports failed turns and stream errors', () => {
    expect(parseAgentOutput(fixture('codex-exec-rate-limited.jsonl'))).toMatchObject({
      usage: { input_tokens: null, turns: 1 },
      end: { is_error: true, subtype: 'turn.failed', messages: ['exceeded retry limit, last status: 429 Too Many Requests', 'exceeded retry limit, last status: 429 Too Many Requests'] },
    });
    expect(parseAgentOutput(fixture('codex-exec-failed.jsonl'))?.end?.messages).toEqual(['sandbox denied the command: write outside the workspace']);
  });

  it('does not take a stray {"type":"error"} line for Codex', () => {
    expect(parseAgentOutput('{"type":"error","message":"x"}\nplain text')).toBeNull();
  });
});

describe('the usage file', () => {
  it('takes the last valid line and says what was wrong with the others', () => {
    const r = parseUsageFile(fixture('usage-file.jsonl'));
    expect(r.reading).toEqual({
      source: 'usage_file',
      usage: { input_tokens: 5400, output_tokens: 1320, cached_input_tokens: null, cost_usd: 0.11, model: 'my-agent/gpt-5', turns: 4 },
      end: null,
      complete: true,
    });
    expect(r.warnings).toEqual([
      'usage file line 2: not a JSON object',
      'usage file line 3: input_tokens must be a whole number of 0 or more',
      'usage file line 5: states none of input_tokens, output_tokens, cost_usd, turns',
    ]);
  });

  it('has no reading when no line is valid', () => {
    expect(parseUsageFile('{"cost_usd":"cheap"}\n').reading).toBeNull();
    expect(parseUsageFile('').reading).toBeNull();
  });
});

describe('combining sources', () => {
  it('prefers the usage file, falls back for what it does not state, and never takes a smaller count or cost', () => {
    const tracker = new UsageTracker();
    tracker.write(fixture('claude-json-success.json'));
    tracker.end();
    const { reading } = readAgentUsage({ usageFile: '{"input_tokens":100,"output_tokens":50000,"cost_usd":0.01}\n', output: tracker });
    expect(reading).toEqual({
      source: 'usage_file',
      usage: { input_tokens: 52 + 31877 + 412006, output_tokens: 50000, cached_input_tokens: 412006, cost_usd: 0.8421, model: 'claude-sonnet-4-5-20250929', turns: 14 },
      end: { is_error: false, subtype: 'success', messages: [], rate_limited: false },
      complete: true,
    });
  });

  it('names the model from the job when no source does', () => {
    const tracker = new UsageTracker();
    tracker.write(fixture('codex-exec-success.jsonl'));
    expect(readAgentUsage({ output: tracker, model: 'gpt-5-codex' }).reading?.usage.model).toBe('gpt-5-codex');
    expect(readAgentUsage({}).reading).toBeNull();
    expect(combineReadings([null, undefined])).toBeNull();
  });

  it('builds the cumulative report body', () => {
    const reading = parseAgentOutput(fixture('claude-stream-partial.jsonl'))!;
    expect(usageReportBody(reading, { epoch: 3, wallMs: 61_400, final: true })).toEqual({
      epoch: 3,
      source: 'claude_code',
      input_tokens: 42410,
      output_tokens: 240,
      cached_input_tokens: 32200,
      cost_usd: null,
      model: 'claude-sonnet-4-5-20250929',
      turns: null,
      wall_seconds: 61,
      final: false,
    });
    // With the job's time so far: runner minutes, to the hundredth.
    expect(usageReportBody(reading, { epoch: 3, wallMs: 61_400, final: true, jobMs: 185_000 })).toMatchObject({ wall_seconds: 61, runner_minutes: 3.08 });
  });
});

describe('the output tracker', () => {
  it('reads lines split across chunks, keeps a bounded tail, and drops over-long lines', () => {
    const text = fixture('claude-stream-success.jsonl');
    const whole = parseAgentOutput(text);
    const t = new UsageTracker({ tail: 100 });
    for (let i = 0; i < text.length; i += 7) t.write(text.slice(i, i + 7));
    t.end();
    expect(t.reading()).toEqual(whole);
    expect(t.tail()).toBe(text.slice(-100));

    const small = new UsageTracker({ maxLine: 50 });
    small.write('{"type":"turn.completed","usage":{"input_tokens":1,');
    small.write('"cached_input_tokens":0,"output_tokens":1}}\n');
    small.write('{"type":"turn.started"}\n');
    // The long turn.completed line was dropped; the short line after it still counts.
    expect(small.reading()).toMatchObject({ source: 'codex', complete: false, usage: { input_tokens: null } });
  });
});

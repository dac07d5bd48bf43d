import { count, record, sumPresent, text, type AgentEnd, type AgentUsage, type UsageReading } from './types.js';

/**
 * Claude Code's `--output-format json` (one result object) and `--output-format stream-json`
 * (one message per line, the result last). Shapes as documented for the CLI's headless mode
 * (https://docs.claude.com/en/docs/claude-code/headless, "Output formats") and the Agent SDK's
 * message types (https://docs.claude.com/en/docs/agent-sdk/typescript, `SDKMessage`):
 *
 * - `{"type":"system","subtype":"init","model":…,"session_id":…}` opens a stream;
 * - `{"type":"assistant","message":{"id","model","usage":{input_tokens, output_tokens,
 *   cache_creation_input_tokens, cache_read_input_tokens}},"error"?}` per model response; one
 *   response may span several lines with the same `message.id` (and the same usage);
 * - `{"type":"result","subtype":"success"|"error_max_turns"|"error_during_execution"|
 *   "error_max_budget_usd"|…,"is_error","num_turns","result","total_cost_usd","usage",
 *   "modelUsage":{<model>:{inputTokens, outputTokens, cacheReadInputTokens,
 *   cacheCreationInputTokens, costUSD}},"errors"?}` ends the run with its totals.
 *
 * Anthropic's `input_tokens` leaves out cache writes and reads; here they are added back (see
 * AgentUsage). Before the result arrives, the assistant messages give a running total without cost.
 */
export class ClaudeCodeUsage {
  private seen = false;
  private initModel: string | null = null;
  private lastModel: string | null = null;
  private readonly messages = new Map<string, { input: number | null; output: number | null; cached: number | null }>();
  private rateLimitFlag = false;
  private result: Record<string, unknown> | null = null;

  /** Takes one parsed output line; ignores what is not Claude Code's. */
  feed(v: Record<string, unknown>): void {
    switch (v.type) {
      case 'system':
        if (v.subtype === 'init') {
          this.seen = true;
          this.initModel = text(v.model, 200) ?? this.initModel;
        }
        return;
      case 'assistant': {
        const m = record(v.message);
        if (!m) return;
        this.seen = true;
        if (v.error === 'rate_limit') this.rateLimitFlag = true;
        this.lastModel = text(m.model, 200) ?? this.lastModel;
        const u = record(m.usage);
        const id = text(m.id, 200) ?? `line-${this.messages.size}`;
        if (u) this.messages.set(id, tokensOf(u));
        return;
      }
      case 'result':
        if (typeof v.subtype !== 'string' && typeof v.is_error !== 'boolean') return;
        this.seen = true;
        this.result = v;
        return;
    }
  }

  reading(): UsageReading | null {
    if (!this.seen) return null;
    const r = this.result;
    if (!r) {
      const parts = [...this.messages.values()];
      return {
        source: 'claude_code',
        usage: {
          input_tokens: sumPresent(...parts.map((p) => p.input)),
          output_tokens: sumPresent(...parts.map((p) => p.output)),
          cached_input_tokens: sumPresent(...parts.map((p) => p.cached)),
          cost_usd: null,
          model: this.lastModel ?? this.initModel,
          turns: null,
        },
        end: null,
        complete: false,
      };
    }
    const totals = tokensOf(record(r.usage) ?? {});
    const usage: AgentUsage = {
      input_tokens: totals.input,
      output_tokens: totals.output,
      cached_input_tokens: totals.cached,
      cost_usd: count(r.total_cost_usd),
      model: mainModel(record(r.modelUsage)) ?? this.initModel ?? this.lastModel,
      turns: count(r.num_turns),
    };
    const subtype = text(r.subtype, 100);
    const isError = r.is_error === true || (subtype !== null && subtype !== 'success');
    const messages = [
      ...(isError && text(r.result) ? [text(r.result)!] : []),
      ...(Array.isArray(r.errors) ? r.errors.map((e) => text(e)).filter((e): e is string => !!e) : []),
    ].slice(0, 20);
    const end: AgentEnd = { is_error: isError, subtype, messages, rate_limited: this.rateLimitFlag };
    return { source: 'claude_code', usage, end, complete: true };
  }
}

function tokensOf(u: Record<string, unknown>): { input: number | null; output: number | null; cached: number | null } {
  const cached = count(u.cache_read_input_tokens);
  return {
    input: sumPresent(count(u.input_tokens), count(u.cache_creation_input_tokens), cached),
    output: count(u.output_tokens),
    cached,
  };
}

/** The model that cost the most (Claude Code also calls a small model for housekeeping). */
function mainModel(modelUsage: Record<string, unknown> | null): string | null {
  if (!modelUsage) return null;
  let best: string | null = null;
  let bestCost = -1;
  for (const [name, v] of Object.entries(modelUsage)) {
    const cost = count(record(v)?.costUSD) ?? 0;
    if (cost > bestCost) {
      best = name.slice(0, 200);
      bestCost = cost;
    }
  }
  return best;
}

/**
 * What one agent run used, as the Action reports it (`POST /api/assignments/:id/usage`). Counts are
 * cumulative for the run: a report sent again later replaces the earlier one.
 *
 * `input_tokens` counts every prompt token, cached ones included (OpenAI's convention, and the sum
 * of Anthropic's input, cache-creation and cache-read counts), so numbers from different agents
 * compare; `cached_input_tokens` says how many of them were cache reads. A field a source does not
 * state is null, never a guessed 0.
 */
export interface AgentUsage {
  input_tokens: number | null;
  output_tokens: number | null;
  cached_input_tokens: number | null;
  cost_usd: number | null;
  model: string | null;
  turns: number | null;
}

export type UsageSource = 'usage_file' | 'claude_code' | 'codex';

/** How the agent's own output says the run ended (for the exit classification). */
export interface AgentEnd {
  is_error: boolean;
  /** The tool's own name for the ending: Claude Code's result `subtype`, Codex's `turn.failed`. */
  subtype: string | null;
  /** Error texts the tool reported (Claude's `result` on error and `errors`, Codex's error messages). */
  messages: string[];
  /** The tool flagged a rate limit itself (Claude Code's assistant message `error: "rate_limit"`). */
  rate_limited: boolean;
}

export interface UsageReading {
  source: UsageSource;
  usage: AgentUsage;
  /** Null while the run is still going (no final message yet) or when the source does not say. */
  end: AgentEnd | null;
  /** The source's final word was seen (Claude's `result` message, a Codex turn that ended). */
  complete: boolean;
}

export const EMPTY_USAGE: AgentUsage = { input_tokens: null, output_tokens: null, cached_input_tokens: null, cost_usd: null, model: null, turns: null };

/** A non-negative finite number, or null. */
export function count(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

/** Sum of the numbers that are present; null when none is. */
export function sumPresent(...vs: (number | null | undefined)[]): number | null {
  let total: number | null = null;
  for (const v of vs) if (typeof v === 'number') total = (total ?? 0) + v;
  return total;
}

/** One line of output as a JSON object, or null (a log line, a warning, a broken line). */
export function jsonObject(line: string): Record<string, unknown> | null {
  const s = line.trim();
  if (!s.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(s);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function record(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function text(v: unknown, max = 2000): string | null {
  return typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : null;
}

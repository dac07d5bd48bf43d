import type { AgentEnd } from './usage/types.js';

/**
 * Why the agent stopped, for the failure report and the orchestrator's circuit breaker:
 * - `budget`: stopped because a budget was spent (the orchestrator said stop, or the agent's own
 *   spending cap ended it, Claude Code's `error_max_budget_usd`);
 * - `timeout`: the job's time limit ran out and the Action killed it;
 * - `rate_limited`: the model API answered 429 or 529 or said it was overloaded, and the run failed;
 * - `agent_error`: the agent failed for any other reason (non-zero exit, killed, an error result);
 * - `no_change`: it finished cleanly but changed nothing;
 * - `success`: it finished and changed something.
 * Pure: the facts in, the reason and a sentence out.
 */
export type ExitReason = 'success' | 'agent_error' | 'rate_limited' | 'timeout' | 'budget' | 'no_change';

export interface ExitFacts {
  /** The process: exit code (null when a signal ended it), the signal, and whether the time limit ran out. */
  exitCode: number | null;
  signal?: string | null;
  timedOut: boolean;
  /** Set when the Action stopped the agent on the orchestrator's word (`{stop: true, reason}`). */
  stoppedFor?: 'budget' | 'pause' | 'stop' | null;
  spawnError?: string | null;
  /** Whether the work changed any file; undefined when it was not checked (the run failed first). */
  changed?: boolean;
  /** How the agent's own output says it ended (Claude Code's result, Codex's last turn), if known. */
  agentEnd?: AgentEnd | null;
  /** The last part of the agent's output, searched for rate-limit signs when nothing better says why. */
  outputTail?: string | null;
}

export interface ExitClassification {
  reason: ExitReason;
  detail: string;
}

/**
 * Signs that the model API refused for load, in the wording of Anthropic's and OpenAI's APIs and
 * the CLIs that print them: HTTP 429 and 529, `rate_limit_error`, `overloaded_error`, "Too Many
 * Requests", "rate limit reached/exceeded", Claude's "usage limit reached".
 */
const RATE_LIMIT_SIGNS: readonly RegExp[] = [
  /\b(?:status|error|code|http|api error)\b[^\n\d]{0,12}\b(?:429|529)\b/i,
  /\b(?:429|529)\b[^\n]{0,40}\b(?:too many requests|overloaded|rate)/i,
  /\btoo many requests\b/i,
  /\brate[ _-]?limit(?:ed|_error|_exceeded)?\b/i,
  /\boverloaded(?:_error)?\b/i,
  /\busage limit reached\b/i,
];

/** True when the text says the model API refused for load. */
export function mentionsRateLimit(text: string | null | undefined): boolean {
  if (!text) return false;
  return RATE_LIMIT_SIGNS.some((re) => re.test(text));
}

/** The tail is searched only near its end: a long log mentions 429 in code far more often than in an error. */
const TAIL_SEARCH_CHARS = 4_000;

export function classifyExit(f: ExitFacts): ExitClassification {
  const end = f.agentEnd ?? null;
  if (f.stoppedFor === 'budget') return { reason: 'budget', detail: 'stopped by the orchestrator: a budget is spent' };
  if (end?.subtype === 'error_max_budget_usd') return { reason: 'budget', detail: "the agent reached its spending cap (Claude Code's error_max_budget_usd)" };
  if (f.timedOut) return { reason: 'timeout', detail: 'the agent did not finish within the time limit and was stopped' };
  if (f.spawnError) return { reason: 'agent_error', detail: `the agent command could not be started: ${f.spawnError}` };

  const processFailed = f.exitCode !== 0;
  const agentFailed = end?.is_error === true;
  if (processFailed || agentFailed) {
    const how = processFailed ? (f.exitCode === null ? `killed by ${f.signal ?? 'a signal'}` : `exit code ${f.exitCode}`) : `reported ${end?.subtype ?? 'an error'}`;
    if (rateLimited(f, end)) return { reason: 'rate_limited', detail: `the model API was rate-limited or overloaded (${how})` };
    const said = end?.messages[0] ? `: ${oneLine(end.messages[0])}` : '';
    return { reason: 'agent_error', detail: `the agent failed (${how})${said}` };
  }
  if (f.changed === false) {
    // A clean exit that did nothing, after being refused by the API, is the API's doing.
    if (rateLimited(f, end)) return { reason: 'rate_limited', detail: 'the agent changed nothing after the model API was rate-limited or overloaded' };
    return { reason: 'no_change', detail: 'the agent finished but produced no change' };
  }
  return { reason: 'success', detail: 'the agent finished with changes' };
}

function rateLimited(f: ExitFacts, end: AgentEnd | null): boolean {
  if (end?.rate_limited) return true;
  // The tool's own error words are the best evidence; the raw output only when there are none.
  if (end?.messages.length) return end.messages.some(mentionsRateLimit);
  return mentionsRateLimit(f.outputTail?.slice(-TAIL_SEARCH_CHARS));
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
}

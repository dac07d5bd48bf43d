import { count, record, text, type UsageReading } from './types.js';

/**
 * Codex's `codex exec --json` event stream, one JSON object per line (documented in the Codex
 * repository, docs/exec.md "JSON output mode"; types in sdk/typescript/src/events.ts):
 * `thread.started`, `turn.started`, `turn.completed {usage: {input_tokens, cached_input_tokens,
 * output_tokens}}`, `turn.failed {error: {message}}`, `item.*`, and `error {message}`.
 *
 * The usage in `turn.completed` is the thread's running total, not the turn's own
 * (codex-rs/exec/src/event_processor_with_jsonl_output.rs builds it from the last total token
 * usage), so the last one wins. OpenAI's `input_tokens` already includes the cached ones. Codex
 * states neither cost nor model in this stream.
 */
export class CodexUsage {
  private seen = false;
  private usage: { input: number | null; cached: number | null; output: number | null } | null = null;
  private turns = 0;
  private readonly errors: string[] = [];
  private lastEnd: string | null = null;

  feed(v: Record<string, unknown>): void {
    const type = typeof v.type === 'string' ? v.type : '';
    switch (type) {
      case 'thread.started':
      case 'turn.started':
        this.seen = true;
        return;
      case 'turn.completed': {
        this.seen = true;
        this.turns++;
        this.lastEnd = type;
        const u = record(v.usage);
        if (u) this.usage = { input: count(u.input_tokens), cached: count(u.cached_input_tokens), output: count(u.output_tokens) };
        return;
      }
      case 'turn.failed': {
        this.seen = true;
        this.turns++;
        this.lastEnd = type;
        const m = text(record(v.error)?.message);
        if (m) this.errors.push(m);
        return;
      }
      case 'error': {
        // A top-level error only counts once the stream is known to be Codex's.
        if (!this.seen) return;
        this.lastEnd = type;
        const m = text(v.message);
        if (m) this.errors.push(m);
        return;
      }
      default:
        if (type.startsWith('item.') && record(v.item)) this.seen = true;
    }
  }

  reading(): UsageReading | null {
    if (!this.seen) return null;
    const complete = this.lastEnd !== null;
    return {
      source: 'codex',
      usage: {
        input_tokens: this.usage?.input ?? null,
        output_tokens: this.usage?.output ?? null,
        cached_input_tokens: this.usage?.cached ?? null,
        cost_usd: null,
        model: null,
        turns: complete ? this.turns : null,
      },
      // The run ended well only if its last word was a completed turn (a later turn may succeed after a failed one).
      end: complete
        ? { is_error: this.lastEnd !== 'turn.completed', subtype: this.lastEnd, messages: this.errors.slice(-20), rate_limited: false }
        : null,
      complete,
    };
  }
}

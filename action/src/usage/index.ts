import { ClaudeCodeUsage } from './claudeCode.js';
import { CodexUsage } from './codex.js';
import { parseUsageFile } from './usageFile.js';
import { jsonObject, type AgentUsage, type UsageReading } from './types.js';
import type { UsageBody } from '../orchestratorClient.js';

export { ClaudeCodeUsage } from './claudeCode.js';
export { CodexUsage } from './codex.js';
export { parseUsageFile, type UsageFileResult } from './usageFile.js';
export type { AgentEnd, AgentUsage, UsageReading, UsageSource } from './types.js';

const DEFAULT_MAX_LINE = 8 * 1024 * 1024;
const DEFAULT_TAIL = 16 * 1024;

/**
 * Watches the agent's output as it is written (stdout and stderr chunks, in order) and keeps what
 * the usage parsers need: each complete line goes to the Claude Code and Codex readers, and the
 * last 16 KiB of text is kept for the exit classification. Memory stays bounded however long the
 * run: an over-long line is dropped, not buffered.
 */
export class UsageTracker {
  private readonly claude = new ClaudeCodeUsage();
  private readonly codex = new CodexUsage();
  private partial = '';
  private skipping = false;
  private tailText = '';

  constructor(private readonly opts: { maxLine?: number; tail?: number } = {}) {}

  write(chunk: string): void {
    const tailMax = this.opts.tail ?? DEFAULT_TAIL;
    this.tailText = (this.tailText + chunk).slice(-tailMax);
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, nl);
      if (!this.skipping) this.line(this.partial + piece);
      this.partial = '';
      this.skipping = false;
      start = nl + 1;
    }
    if (this.skipping) return;
    this.partial += chunk.slice(start);
    if (this.partial.length > (this.opts.maxLine ?? DEFAULT_MAX_LINE)) {
      this.partial = '';
      this.skipping = true;
    }
  }

  /** The output ended: a last line without a newline still counts. */
  end(): void {
    if (!this.skipping && this.partial) this.line(this.partial);
    this.partial = '';
    this.skipping = false;
  }

  /** The last characters the agent wrote. */
  tail(): string {
    return this.tailText;
  }

  /** What the agent's own output says, Claude Code's first, then Codex's. */
  reading(): UsageReading | null {
    return this.claude.reading() ?? this.codex.reading();
  }

  private line(s: string): void {
    const v = jsonObject(s);
    if (!v) return;
    this.claude.feed(v);
    this.codex.feed(v);
  }
}

/** Parses a whole output text at once (tests, or an output file). */
export function parseAgentOutput(output: string): UsageReading | null {
  const t = new UsageTracker();
  t.write(output);
  t.end();
  const r = t.reading();
  if (r) return r;
  // `--output-format json` may be pretty-printed over several lines.
  const whole = jsonObject(output.replace(/\s*\n\s*/g, ' '));
  if (!whole) return null;
  const c = new ClaudeCodeUsage();
  c.feed(whole);
  return c.reading();
}

/**
 * One reading from every source there is, in the order of preference: the usage file, then
 * Claude Code's output, then Codex's. The preferred source names the model and the turns (each
 * falls back to the next source that states it); token counts and cost take the largest any
 * source reports, so an agent cannot slip under a budget by writing a smaller number to its
 * usage file than its tool printed. How the run ended comes from the tool's output only.
 */
export function combineReadings(readings: readonly (UsageReading | null | undefined)[]): UsageReading | null {
  const rs = readings.filter((r): r is UsageReading => !!r);
  const first = rs[0];
  if (!first) return null;
  const max = (k: 'input_tokens' | 'output_tokens' | 'cached_input_tokens' | 'cost_usd') => {
    const vs = rs.map((r) => r.usage[k]).filter((v): v is number => typeof v === 'number');
    return vs.length ? Math.max(...vs) : null;
  };
  const firstStated = <K extends 'model' | 'turns'>(k: K): AgentUsage[K] => rs.map((r) => r.usage[k]).find((v) => v !== null) ?? null;
  return {
    source: first.source,
    usage: {
      input_tokens: max('input_tokens'),
      output_tokens: max('output_tokens'),
      cached_input_tokens: max('cached_input_tokens'),
      cost_usd: max('cost_usd'),
      model: firstStated('model'),
      turns: firstStated('turns'),
    },
    end: rs.find((r) => r.end)?.end ?? null,
    complete: first.complete,
  };
}

/** Usage from the usage file's text (when there is one) and the tracked output. */
export function readAgentUsage(sources: { usageFile?: string | null; output?: UsageTracker | null; model?: string | null }): {
  reading: UsageReading | null;
  warnings: string[];
} {
  const file = sources.usageFile ? parseUsageFile(sources.usageFile) : { reading: null, warnings: [] };
  const combined = combineReadings([file.reading, sources.output?.reading()]);
  if (combined && !combined.usage.model && sources.model) combined.usage.model = sources.model.slice(0, 200);
  return { reading: combined, warnings: file.warnings };
}


/** The body of `POST /api/assignments/:id/usage` (schema/api.ts `AssignmentUsageBody`): the run's totals so far. */
export function usageReportBody(reading: UsageReading, run: { epoch: number; wallMs: number; final: boolean; jobMs?: number }): UsageBody {
  return {
    epoch: run.epoch,
    source: reading.source,
    ...reading.usage,
    wall_seconds: Math.max(0, Math.round(run.wallMs / 1000)),
    // Runner minutes come from the job: the Action runs for (nearly) all of it, checkout to report.
    ...(run.jobMs === undefined ? {} : { runner_minutes: Math.max(0, Math.round(run.jobMs / 600) / 100) }),
    final: run.final && reading.complete,
  };
}

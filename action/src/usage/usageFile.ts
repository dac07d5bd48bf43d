import { z } from 'zod';
import { jsonObject, type UsageReading } from './types.js';

/**
 * `$FLEET_USAGE_FILE`: the agent (or its wrapper) writes JSON lines
 * `{"input_tokens": 1200, "output_tokens": 340, "cost_usd": 0.05, "model": "…", "turns": 3}`.
 * Each line states the run's totals so far; the last valid line wins. Every field is optional,
 * but a line must state at least one count or the cost.
 */
const whole = (name: string) =>
  z
    .number({ error: `${name} must be a whole number of 0 or more` })
    .int(`${name} must be a whole number of 0 or more`)
    .min(0, `${name} must be a whole number of 0 or more`);

const UsageLineSchema = z
  .object({
    input_tokens: whole('input_tokens').nullable().optional(),
    output_tokens: whole('output_tokens').nullable().optional(),
    cached_input_tokens: whole('cached_input_tokens').nullable().optional(),
    cost_usd: z.number({ error: 'cost_usd must be a number of 0 or more' }).min(0, 'cost_usd must be a number of 0 or more').nullable().optional(),
    model: z.string({ error: 'model must be a string' }).max(200, 'model must be at most 200 characters').nullable().optional(),
    turns: whole('turns').nullable().optional(),
  })
  .refine((u) => [u.input_tokens, u.output_tokens, u.cost_usd, u.turns].some((v) => typeof v === 'number'), {
    message: 'states none of input_tokens, output_tokens, cost_usd, turns',
  });

const MAX_WARNINGS = 5;

export interface UsageFileResult {
  reading: UsageReading | null;
  /** Lines that were not valid records, in words for the job log (at most 5). */
  warnings: string[];
}

/** Reads the usage file's text; `reading` is null when it holds no valid line. */
export function parseUsageFile(content: string): UsageFileResult {
  let last: z.infer<typeof UsageLineSchema> | null = null;
  const warnings: string[] = [];
  content.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const value = jsonObject(line);
    const r = value ? UsageLineSchema.safeParse(value) : null;
    if (r?.success) last = r.data;
    else if (warnings.length < MAX_WARNINGS) {
      warnings.push(`usage file line ${i + 1}: ${r ? r.error.issues.map((x) => x.message).join('; ') : 'not a JSON object'}`);
    }
  });
  const u = last as z.infer<typeof UsageLineSchema> | null;
  if (!u) return { reading: null, warnings };
  return {
    reading: {
      source: 'usage_file',
      usage: {
        input_tokens: u.input_tokens ?? null,
        output_tokens: u.output_tokens ?? null,
        cached_input_tokens: u.cached_input_tokens ?? null,
        cost_usd: u.cost_usd ?? null,
        model: u.model?.trim() || null,
        turns: u.turns ?? null,
      },
      end: null,
      complete: true,
    },
    warnings,
  };
}

import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';

/**
 * `.github/fleet.yml` in a managed repository: configuration as code. Every field has a default,
 * so an empty file (or no file) is a working configuration.
 */

const POOL_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;
const WORKFLOW_FILE = /^[\w.-]+\.ya?ml$/;

export const PoolConfigSchema = z.strictObject({
  name: z.string().regex(POOL_NAME, 'expected a pool name of letters, digits, ".", "_" or "-" (at most 63)'),
  /** Runner labels for `runs-on`, passed to the workflow. */
  runsOn: z.array(z.string().min(1)).min(1).default(['self-hosted']),
  /** What agents in this pool can do; a task requiring other capabilities never goes here. */
  capabilities: z.array(z.string().min(1)).default([]),
  /** How many tasks the pool runs at once. */
  capacity: z.number().int().min(1).max(1000).default(1),
  /** Workflow file (in .github/workflows) dispatched with workflow_dispatch. */
  workflow: z.string().regex(WORKFLOW_FILE, 'expected a workflow file name such as fleet-agent.yml').default('fleet-agent.yml'),
  /** Git ref the workflow runs on; the repository's default branch when absent. */
  ref: z.string().min(1).optional(),
});

const usd = (what: string) =>
  z
    .number({ error: `expected ${what} in US dollars, a number above 0` })
    .gt(0, `expected ${what} in US dollars, a number above 0`)
    .max(1_000_000, `expected ${what} of at most 1000000 US dollars`);
const minutes = (what: string, min: number, max: number) =>
  z
    .number({ error: `expected ${what} in minutes, a number from ${min} to ${max}` })
    .min(min, `expected ${what} in minutes, a number from ${min} to ${max}`)
    .max(max, `expected ${what} in minutes, a number from ${min} to ${max}`);
const flag = (what: string) => z.boolean({ error: `expected true or false (${what})` });
/** The error for a section that is not a mapping (`budgets:` left empty reads as null). */
const section = (keys: string) => ({
  error: (iss: { code?: string }) =>
    iss.code === 'invalid_type' ? `expected a mapping of settings (${keys}); remove the key to use the defaults` : undefined,
});

/** Feedback rounds (#14): failed checks, reviews and conflicts go back to the same task. */
export const FeedbackConfigSchema = z.strictObject(
  {
    /** Rounds of revise/rebase before the task stops in review with `fleet:needs-human`. */
    maxRounds: z
      .number({ error: 'expected a whole number of rounds from 0 to 20' })
      .int('expected a whole number of rounds from 0 to 20')
      .min(0, 'expected a whole number of rounds from 0 to 20')
      .max(20, 'expected a whole number of rounds from 0 to 20')
      .default(3),
    onChecksFailed: flag('revise when a required check fails').default(true),
    onChangesRequested: flag('revise when a writer requests changes').default(true),
    onConflict: flag('rebase when the PR conflicts with its base').default(true),
  },
  section('maxRounds, onChecksFailed, onChangesRequested, onConflict'),
);

/** Scheduling (#14): whether tasks whose footprints overlap run at the same time. */
export const SchedulingConfigSchema = z.strictObject(
  {
    conflicts: z
      .enum(['avoid', 'forbid', 'ignore'], {
        error: 'expected avoid (skip overlapping tasks while others are ready), forbid (never run them together) or ignore',
      })
      .default('avoid'),
  },
  section('conflicts'),
);

/** Spend caps (#15); every field is optional and absent means no cap. */
export const BudgetsConfigSchema = z.strictObject(
  {
    perTaskUsd: usd('a per-task budget').optional(),
    perEpicUsd: usd('a per-epic budget').optional(),
    perDayUsd: usd('a daily budget').optional(),
    perTaskMinutes: minutes('a per-task time budget', 1, 43_200).optional(),
  },
  section('perTaskUsd, perEpicUsd, perDayUsd, perTaskMinutes'),
);

/** Retry backoff (#15): a failed task is ready again after base × 2^(attempt-1), with jitter. */
export const BackoffConfigSchema = z
  .strictObject(
    {
      baseMinutes: minutes('the backoff base', 0, 1_440).default(5),
      maxMinutes: minutes('the longest backoff', 0, 10_080).default(360),
    },
    section('baseMinutes, maxMinutes'),
  )
  .refine((b) => b.maxMinutes >= b.baseMinutes, { message: 'maxMinutes must not be below baseMinutes', path: ['maxMinutes'] });

/** Circuit breaker per pool (#15): K failing runs within T minutes stop dispatch for a cool-down. */
export const CircuitBreakerConfigSchema = z
  .strictObject(
    {
      /** K: consecutive agent_error or rate_limited endings that open the circuit. */
      failures: z
        .number({ error: 'expected a whole number of failed runs from 1 to 100' })
        .int('expected a whole number of failed runs from 1 to 100')
        .min(1, 'expected a whole number of failed runs from 1 to 100')
        .max(100, 'expected a whole number of failed runs from 1 to 100')
        .default(5),
      /** T: the window the failures must fall in. */
      windowMinutes: minutes('the failure window', 1, 1_440).default(15),
      /** The first cool-down; it doubles while the pool keeps failing. */
      cooldownMinutes: minutes('the cool-down', 1, 1_440).default(10),
      maxCooldownMinutes: minutes('the longest cool-down', 1, 10_080).default(240),
    },
    section('failures, windowMinutes, cooldownMinutes, maxCooldownMinutes'),
  )
  .refine((c) => c.maxCooldownMinutes >= c.cooldownMinutes, {
    message: 'maxCooldownMinutes must not be below cooldownMinutes',
    path: ['maxCooldownMinutes'],
  });

/** Calendar (#16): how many agent working hours a calendar day holds, to turn hours into dates. */
export const CalendarConfigSchema = z.strictObject(
  {
    hoursPerDay: z
      .number({ error: 'expected hours per day, a number above 0 and at most 24' })
      .gt(0, 'expected hours per day, a number above 0 and at most 24')
      .max(24, 'expected hours per day, a number above 0 and at most 24')
      .default(24),
  },
  section('hoursPerDay'),
);

/** Forecast priors (#16), used until the project has history. */
export const ForecastConfigSchema = z.strictObject(
  {
    /** Median review-to-merge hours before any task has been merged. */
    reviewPriorHours: z
      .number({ error: 'expected hours, a number from 0 to 1440' })
      .min(0, 'expected hours, a number from 0 to 1440')
      .max(1_440, 'expected hours, a number from 0 to 1440')
      .default(0),
  },
  section('reviewPriorHours'),
);

export const FleetConfigSchema = z
  .strictObject({
    /** Path of the plan file in the repository; a push that changes it syncs the plan. */
    plan: z.string().min(1).default('.github/fleet-plan.md'),
    pools: z
      .array(PoolConfigSchema)
      .default([{ name: 'default', runsOn: ['self-hosted'], capabilities: [], capacity: 1, workflow: 'fleet-agent.yml' }]),
    leaseTtlSeconds: z.number().int().min(5).max(86_400).default(600),
    maxAttempts: z.number().int().min(1).max(100).default(3),
    commands: z
      .strictObject({
        /** Lowest repository permission allowed to run `/fleet` commands. */
        allow: z.enum(['write', 'maintain', 'admin']).default('write'),
        /**
         * Accepted so existing files keep validating, but without effect: bots and Apps never
         * trigger commands or feedback (#15), whatever is listed here.
         */
        allowBots: z.array(z.string().min(1)).default([]),
      })
      .default({ allow: 'write', allowBots: [] }),
    merge: z
      .strictObject({
        method: z.enum(['merge', 'squash', 'rebase']).default('squash'),
        requiredApprovals: z.number().int().min(0).max(10).default(1),
        useNativeQueue: z.boolean().default(false),
      })
      .default({ method: 'squash', requiredApprovals: 1, useNativeQueue: false }),
    feedback: FeedbackConfigSchema.prefault({}),
    scheduling: SchedulingConfigSchema.prefault({}),
    budgets: BudgetsConfigSchema.prefault({}),
    /** What a pause does to running jobs: `drain` lets them finish, `stop` stops them at their next heartbeat. */
    pause: z
      .enum(['stop', 'drain'], { error: 'expected drain (running jobs finish) or stop (running jobs stop at their next heartbeat)' })
      .default('drain'),
    backoff: BackoffConfigSchema.prefault({}),
    circuitBreaker: CircuitBreakerConfigSchema.prefault({}),
    calendar: CalendarConfigSchema.prefault({}),
    forecast: ForecastConfigSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.pools.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['pools', i, 'name'], message: `duplicate pool name "${p.name}"` });
      seen.add(p.name);
    });
  });

export type FleetConfig = z.infer<typeof FleetConfigSchema>;
export type FleetConfigInput = z.input<typeof FleetConfigSchema>;
export type PoolConfig = z.infer<typeof PoolConfigSchema>;
export type FeedbackConfig = z.infer<typeof FeedbackConfigSchema>;
export type SchedulingConfig = z.infer<typeof SchedulingConfigSchema>;
export type BudgetsConfig = z.infer<typeof BudgetsConfigSchema>;
export type BackoffConfig = z.infer<typeof BackoffConfigSchema>;
export type CircuitBreakerConfig = z.infer<typeof CircuitBreakerConfigSchema>;
export type CalendarConfig = z.infer<typeof CalendarConfigSchema>;
export type ForecastConfig = z.infer<typeof ForecastConfigSchema>;

export interface FleetConfigError {
  /** 1-based line in the YAML text (1 when the problem has no better place). */
  line: number;
  /** Dotted path of the offending field, '' for the document. */
  path: string;
  message: string;
}

export type FleetConfigResult = { ok: true; config: FleetConfig } | { ok: false; errors: FleetConfigError[] };

export const DEFAULT_FLEET_CONFIG: FleetConfig = FleetConfigSchema.parse({});

const MAX_CONFIG_BYTES = 256 * 1024;

/**
 * Parses and validates the text of `.github/fleet.yml`. Never throws: a YAML syntax error or a
 * field that fails validation comes back as `{ok:false, errors}` with the line and the reason.
 */
export function parseFleetConfig(text: string): FleetConfigResult {
  if (text.length > MAX_CONFIG_BYTES) {
    return { ok: false, errors: [{ line: 1, path: '', message: `file is larger than ${MAX_CONFIG_BYTES} bytes` }] };
  }
  const lineCounter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    return { ok: false, errors: [{ line: 1, path: '', message: `unreadable YAML: ${(err as Error).message}` }] };
  }
  if (doc.errors.length) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        line: e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line,
        path: '',
        message: firstLine(e.message),
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    return { ok: false, errors: [{ line: 1, path: '', message: `unreadable YAML: ${(err as Error).message}` }] };
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: [{ line: 1, path: '', message: 'expected a mapping of settings (plan, pools, leaseTtlSeconds, ...)' }] };
  }
  const res = FleetConfigSchema.safeParse(value);
  if (res.success) return { ok: true, config: res.data };
  return {
    ok: false,
    errors: res.error.issues.flatMap((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((k) => ({
          line: lineOf(doc.contents, [...path, k], lineCounter),
          path: [...path, k].join('.'),
          message: `unknown setting "${k}"`,
        }));
      }
      return [{ line: lineOf(doc.contents, path, lineCounter), path: path.join('.'), message: issue.message }];
    }),
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** The line of the deepest node that exists along `path` (the key itself when the value is missing). */
function lineOf(root: unknown, path: (string | number)[], lc: LineCounter): number {
  let node = root as YamlNode | null;
  let best = (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      const keyRange = (pair.key as { range?: [number, number, number] } | null)?.range;
      if (keyRange) best = keyRange[0];
      node = pair.value as YamlNode | null;
      const valRange = (node as { range?: [number, number, number] } | null)?.range;
      if (valRange && !isMap(node) && !isSeq(node)) best = valRange[0];
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item) break;
      const r = (item as { range?: [number, number, number] }).range;
      if (r) best = r[0];
      node = item;
    } else {
      break;
    }
  }
  return lc.linePos(best).line;
}

/** Everything a pool needs from the config to be offered work. */
export function poolByName(cfg: FleetConfig, name: string): PoolConfig | undefined {
  return cfg.pools.find((p) => p.name === name);
}

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
        /** Bot logins (e.g. `renovate[bot]`) whose commands are obeyed; every other bot is ignored. */
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

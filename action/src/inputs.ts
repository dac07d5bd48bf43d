import { z } from 'zod';
import { ClaimBody } from '../../schema/api.js';

/** Reads one action input by its name in action.yml (`core.getInput` in production). */
export type InputReader = (name: string) => string;

const trimmed = z.string().transform((v) => v.trim());
const optional = trimmed.transform((v) => (v === '' ? undefined : v));

const httpUrl = trimmed.pipe(
  z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://fleet.example.com' })
    .refine((v) => !/^[a-z]+:\/\/[^/]*@/i.test(v), 'must not contain credentials; pass orchestrator-token instead')
    .transform((v) => v.replace(/\/+$/, '')),
);

const boolean = trimmed.transform((v, ctx) => {
  const s = v.toLowerCase();
  if (s === '' || s === 'false' || s === '0' || s === 'no') return false;
  if (s === 'true' || s === '1' || s === 'yes') return true;
  ctx.addIssue({ code: 'custom', message: 'expected true or false' });
  return z.NEVER;
});

const numberIn = (min: number, max: number, dflt: number, integer: boolean) =>
  trimmed.transform((v, ctx) => {
    if (v === '') return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${v}"`,
      });
      return z.NEVER;
    }
    return n;
  });

/** The claim request's own fields: an input the orchestrator would refuse is refused here first. */
const claim = ClaimBody.shape;

/** Task keys as the plan writes them: `1.2`, `3.10`, or word-ish keys like `api-auth`. */
const TASK_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const InputsSchema = z
  .object({
    'orchestrator-url': httpUrl,
    task: optional.pipe(z.string().regex(TASK_KEY, 'expected a task key such as 1.2').optional()).pipe(claim.task_key),
    pool: optional.pipe(
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, 'expected a pool name of letters, digits, - and _')
        .optional(),
    ).pipe(claim.pool),
    epoch: trimmed.transform((v, ctx) => {
      if (v === '') return undefined;
      if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
        ctx.addIssue({ code: 'custom', message: `expected a positive whole number (the lease epoch), got "${v}"` });
        return z.NEVER;
      }
      return Number(v);
    }).pipe(claim.epoch),
    'agent-command': trimmed.pipe(z.string().min(1, 'is required: the command that does the coding work')),
    'github-token': trimmed.pipe(z.string().min(1, 'is required to push the branch and open the pull request')),
    'orchestrator-token': optional,
    'heartbeat-seconds': numberIn(1, 3_600, 60, true),
    'timeout-minutes': numberIn(0.01, 4_320, 60, false),
    'draft-pr': boolean,
    mode: trimmed.transform((v, ctx) => {
      const m = v === '' ? 'new' : v.toLowerCase();
      if (m === 'new' || m === 'revise' || m === 'rebase') return m;
      ctx.addIssue({ code: 'custom', message: `expected new, revise or rebase, got "${v.slice(0, 20)}"` });
      return z.NEVER;
    }),
  })
  .superRefine((v, ctx) => {
    if (v.task !== undefined && v.epoch === undefined) {
      ctx.addIssue({ code: 'custom', path: ['epoch'], message: 'is required when task is set (the app dispatches both)' });
    }
    if (v.mode !== 'new' && v.task === undefined) {
      ctx.addIssue({ code: 'custom', path: ['mode'], message: `${v.mode} needs task and epoch: a round works on one task's branch` });
    }
    if (v.task === undefined && v.pool === undefined) {
      ctx.addIssue({ code: 'custom', path: ['pool'], message: 'is required when task is empty (claim the best task for a pool)' });
    }
  });

export interface Inputs {
  orchestratorUrl: string;
  task: string | undefined;
  pool: string | undefined;
  epoch: number | undefined;
  agentCommand: string;
  githubToken: string;
  orchestratorToken: string | undefined;
  heartbeatSeconds: number;
  timeoutMinutes: number;
  draftPr: boolean;
  /** new: a new branch and PR; revise/rebase: a feedback round on the task's branch and PR. */
  mode: 'new' | 'revise' | 'rebase';
}

export class InputError extends Error {
  override name = 'InputError';
}

export const INPUT_NAMES = Object.keys(InputsSchema.shape) as (keyof z.input<typeof InputsSchema>)[];

/** Reads and validates every input; one error listing each bad input and what is accepted. */
export function readInputs(read: InputReader): Inputs {
  const raw: Record<string, string> = {};
  for (const name of INPUT_NAMES) raw[name] = read(name);
  const res = InputsSchema.safeParse(raw);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `input "${i.path.join('.') || '(inputs)'}" ${i.message}`);
    throw new InputError(`invalid inputs: ${lines.join('; ')}`);
  }
  const v = res.data;
  return {
    orchestratorUrl: v['orchestrator-url'],
    task: v.task,
    pool: v.pool,
    epoch: v.epoch,
    agentCommand: v['agent-command'],
    githubToken: v['github-token'],
    orchestratorToken: v['orchestrator-token'],
    heartbeatSeconds: v['heartbeat-seconds'],
    timeoutMinutes: v['timeout-minutes'],
    draftPr: v['draft-pr'],
    mode: v.mode,
  };
}

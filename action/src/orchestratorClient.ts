import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AssignmentHeartbeatResponse, ClaimResponse, ErrorResponse, type LeaseJson } from '../../schema/apiResponses.js';
import type { AssignmentProgressBody, AssignmentUsageBody, EvidenceBody as EvidenceBodySchema, TaskGitBody as TaskGitBodySchema } from '../../schema/api.js';
import type { Clock } from './clock.js';
import { describeError } from '../../app/core/describeError.js';
import { DEFAULT_RETRY, isConnectionRefused, withRetry, type RetryPolicy } from './retry.js';

/**
 * The API's shapes come from schema/ (the server's serializers are typed by the same schemas and a
 * test checks its real answers against them); nothing here declares a shape of its own.
 */
export type { ClaimResponse } from '../../schema/apiResponses.js';
export type ClaimedTask = ClaimResponse['task'];
export type Lease = LeaseJson;
/** PATCH /api/assignments/:id/progress */
export type ProgressBody = z.input<typeof AssignmentProgressBody>;
/** PATCH /api/tasks/:id/git */
type TaskGitBody = z.input<typeof TaskGitBodySchema>;
/** POST /api/git/evidence */
type EvidenceBody = z.input<typeof EvidenceBodySchema>;

/** The heartbeat answer also carries the assignment; the job needs the lease and whether to stop. */
const HeartbeatLease = AssignmentHeartbeatResponse.pick({ lease: true, stop: true, reason: true, message: true }).partial({ stop: true });
/** A beat's answer: the lease, and `stop` when the orchestrator wants the agent stopped (issue 15). */
export type BeatAnswer = Lease & { stop?: { reason: 'stopped' | 'paused' | 'budget'; message: string } };
/** POST /api/assignments/:id/usage */
export type UsageBody = z.input<typeof AssignmentUsageBody>;

/** An answer from the orchestrator that is not a success: carries its HTTP status and error code. */
export class OrchestratorError extends Error {
  override name = 'OrchestratorError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * The claim was superseded (another claim holds a newer epoch): the job must stop and push nothing.
 * The orchestrator's answer 409 `stale_epoch` (app/core/errors.ts StaleEpochError, its server side).
 */
export class LeaseSupersededError extends OrchestratorError {
  override name = 'LeaseSupersededError';
}

/** Gives the bearer token; `refresh` asks for a new one after a 401 (OIDC tokens expire). */
export type TokenProvider = (refresh: boolean) => Promise<string>;

export interface OrchestratorClientOptions {
  baseUrl: string;
  token: TokenProvider;
  fetch?: typeof fetch;
  clock: Clock;
  retry?: RetryPolicy;
  /** Sent as headers so the orchestrator's logs can tie requests to the run; never secrets. */
  headers?: Record<string, string>;
  onRetry?: (what: string, err: unknown, attempt: number, delayMs: number) => void;
  requestTimeoutMs?: number;
  /** Retries for a routine heartbeat (default: one quick retry). */
  heartbeatRetry?: RetryPolicy;
  /**
   * The job's repository (GITHUB_REPOSITORY), sent with every claim and confirm: task keys like
   * `1.1` repeat in every plan, and a pool claim must never take another repository's task.
   */
  project?: string | undefined;
}

export interface OrchestratorClient {
  /** Confirms the app's claim (taskKey + epoch) or claims the best task for the pool; null when nothing fits. */
  claim(req: { pool?: string | undefined; taskKey?: string | undefined; epoch?: number | undefined }): Promise<ClaimResponse | null>;
  /**
   * Extends the lease. By default one quick retry: the heartbeat loop is the retry. `patient`
   * uses the full backoff (the fencing check before a push).
   */
  heartbeat(assignmentId: number, epoch: number, opts?: { signal?: AbortSignal | undefined; patient?: boolean }): Promise<BeatAnswer>;
  /** The run's usage so far (cumulative); optional so older fakes still fit. */
  usage?(assignmentId: number, body: UsageBody): Promise<void>;
  progress(assignmentId: number, body: ProgressBody): Promise<void>;
  taskGit(taskId: number, body: TaskGitBody): Promise<void>;
  evidence(body: EvidenceBody): Promise<void>;
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function createOrchestratorClient(opts: OrchestratorClientOptions): OrchestratorClient {
  const doFetch = opts.fetch ?? fetch;
  const policy = opts.retry ?? DEFAULT_RETRY;
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const heartbeatPolicy = opts.heartbeatRetry ?? { attempts: 2, baseDelayMs: 250, maxDelayMs: 1_000 };

  async function send(method: string, path: string, body: unknown, refresh: boolean, signal?: AbortSignal, extra?: Record<string, string>) {
    const token = await opts.token(refresh);
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await doFetch(`${opts.baseUrl}${path}`, {
      method,
      headers: {
        ...opts.headers,
        ...extra,
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await res.text();
    return { res, text };
  }

  /**
   * One call. `idempotent` calls are retried with backoff on network errors, 408, 429 and 5xx;
   * the others only when the connection was refused (the request never left), so nothing is done twice.
   */
  async function call(
    what: string,
    method: string,
    path: string,
    body: unknown,
    idempotent: boolean,
    signal?: AbortSignal,
    retry: RetryPolicy = policy,
    extra?: Record<string, string>,
  ): Promise<{ status: number; json: unknown }> {
    return withRetry(
      opts.clock,
      retry,
      async () => {
        let out = await send(method, path, body, false, signal, extra);
        if (out.res.status === 401) out = await send(method, path, body, true, signal, extra);
        const { res, text } = out;
        let json: unknown = undefined;
        if (text !== '') {
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
        }
        if (res.ok) return { status: res.status, json };
        const parsed = ErrorResponse.safeParse(json);
        const code = parsed.success ? parsed.data.error.code : `http_${res.status}`;
        const message = parsed.success ? parsed.data.error.message : text.slice(0, 200) || res.statusText;
        const full = `${what}: orchestrator answered ${res.status} ${code}: ${message}`;
        if (res.status === 409 && code === 'stale_epoch') throw new LeaseSupersededError(full, res.status, code);
        throw new OrchestratorError(full, res.status, code);
      },
      (err) => {
        if (err instanceof OrchestratorError) return idempotent && isRetryableStatus(err.status);
        if (signal?.aborted) return false;
        return idempotent || isConnectionRefused(err);
      },
      (err, attempt, delay) => opts.onRetry?.(what, err, attempt, delay),
      signal,
    ).catch((err: unknown) => {
      if (err instanceof OrchestratorError) throw err;
      throw new OrchestratorError(`${what}: orchestrator unreachable: ${describeError(err)}`, 0, 'unreachable');
    });
  }

  function parse<T>(what: string, schema: z.ZodType<T>, json: unknown): T {
    const res = schema.safeParse(json);
    if (!res.success) {
      const first = res.error.issues[0];
      throw new OrchestratorError(
        `${what}: unexpected answer from the orchestrator (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'})`,
        200,
        'bad_response',
      );
    }
    return res.data;
  }

  return {
    async claim(req) {
      const confirming = req.taskKey !== undefined && req.epoch !== undefined;
      const body: Record<string, unknown> = {};
      if (opts.project !== undefined) body.project = opts.project;
      if (req.pool !== undefined) body.pool = req.pool;
      if (req.taskKey !== undefined) body.task_key = req.taskKey;
      if (req.epoch !== undefined) body.epoch = req.epoch;
      const what = confirming ? `confirm claim of task ${req.taskKey} at epoch ${req.epoch}` : `claim a task for pool ${req.pool}`;
      // Confirming a claim the app made is idempotent; claiming the best task is made so by a key
      // sent with every retry: a retry after a lost answer gets the same assignment back.
      const key = confirming ? undefined : { 'idempotency-key': randomUUID() };
      const { status, json } = await call(what, 'POST', '/api/assignments/claim', body, true, undefined, policy, key);
      if (status === 204) return null;
      return parse(what, ClaimResponse, json);
    },
    async heartbeat(assignmentId, epoch, hb = {}) {
      const what = `heartbeat for assignment ${assignmentId}`;
      const path = `/api/assignments/${assignmentId}/heartbeat`;
      const { json } = await call(what, 'POST', path, { epoch }, true, hb.signal, hb.patient ? policy : heartbeatPolicy);
      const a = parse(what, HeartbeatLease, json);
      return a.stop && a.reason ? { ...a.lease, stop: { reason: a.reason, message: a.message ?? a.reason } } : a.lease;
    },
    async usage(assignmentId, body) {
      await call('usage report', 'POST', `/api/assignments/${assignmentId}/usage`, body, true);
    },
    async progress(assignmentId, body) {
      await call(`progress report (${body.status ?? 'percent'})`, 'PATCH', `/api/assignments/${assignmentId}/progress`, body, true);
    },
    async taskGit(taskId, body) {
      await call('record branch and pull request', 'PATCH', `/api/tasks/${taskId}/git`, body, true);
    },
    async evidence(body) {
      await call(`record ${body.type} evidence`, 'POST', '/api/git/evidence', body, false);
    },
  };
}

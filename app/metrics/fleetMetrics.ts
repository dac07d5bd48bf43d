import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../store/db.js';
import type { Engine } from '../engine/engine.js';
import { tapEngine } from './engineTap.js';
import { ReadyClock } from './readyClock.js';
import { onGitHubApiCall } from './githubApiMetrics.js';
import { onWebhookOutcome } from './webhookMetrics.js';
import { onAllOverlapClaim } from './conflictMetrics.js';
import { readReadyByProject } from './sql/readReadyByProject.js';
import { readAgentStates } from './sql/readAgentStates.js';
import { readWebhookBacklog } from './sql/readWebhookBacklog.js';
import { readReadySince } from './sql/readReadySince.js';

/**
 * The orchestrator's Prometheus metrics, one registry per server (tests run several servers in
 * one process). Two kinds, and dashboards aggregate them differently:
 *   - state read from Postgres at scrape time (ready tasks, agents, the webhook queue): the same
 *     for every replica, so aggregate with max();
 *   - events counted in the process that handled them (claims, lease expiries, dispatch
 *     latency, GitHub calls, webhook outcomes): per replica, so aggregate with sum().
 */

export const AGENT_STATES = ['busy', 'idle', 'inactive'] as const;

export interface FleetMetricsOptions {
  db: Db;
  engine: Engine;
  /** Node process metrics (CPU, memory, event loop lag, GC); default true. */
  processMetrics?: boolean;
}

export interface FleetMetrics {
  registry: Registry;
  /** The exposition text; rejects when Postgres cannot be read. */
  render(): Promise<string>;
  contentType: string;
  close(): void;
}

export async function createFleetMetrics(o: FleetMetricsOptions): Promise<FleetMetrics> {
  const registry = new Registry();
  const registers = [registry];
  const { db, engine } = o;

  const claims = new Counter({
    name: 'fleet_claims_total',
    help: 'Claims by result: claimed (a task was handed out), empty (nothing ready the claimer may take, or it is at capacity), refused (4xx: e.g. a deactivated agent), error.',
    labelNames: ['result'] as const,
    registers,
  });
  for (const r of ['claimed', 'empty', 'refused', 'error'] as const) claims.inc({ result: r }, 0);

  const allOverlap = new Counter({
    name: 'fleet_claims_all_overlap_total',
    help: 'Claim choices where every ready task looked at overlapped work under way (scheduling.conflicts), by mode and outcome: co_scheduled (avoid handed out a task that could not wait), held (nothing handed out: avoid let the claimer wait, forbid refused).',
    labelNames: ['mode', 'outcome'] as const,
    registers,
  });
  for (const [mode, outcome] of [['avoid', 'co_scheduled'], ['avoid', 'held'], ['forbid', 'held']] as const) allOverlap.inc({ mode, outcome }, 0);

  const leaseExpiries = new Counter({
    name: 'fleet_lease_expiries_total',
    help: 'Assignments whose lease ran out before the agent finished (the task went back to the queue or failed).',
    registers,
  });

  const dispatchLatency = new Histogram({
    name: 'fleet_dispatch_latency_seconds',
    help: 'Time from a task becoming ready to the workflow_dispatch that starts its runner being sent.',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400],
    registers,
  });

  new Gauge({
    name: 'fleet_ready_tasks',
    help: 'Tasks ready to be claimed (pending, dependencies met, not held), per project.',
    labelNames: ['project'] as const,
    registers,
    async collect() {
      const rows = await readReadyByProject(db);
      this.reset();
      for (const r of rows) this.set({ project: r.project }, r.n);
    },
  });

  new Gauge({
    name: 'fleet_agents',
    help: 'Agents by pool and state: busy (holds an active assignment), idle, inactive (deactivated).',
    labelNames: ['pool', 'state'] as const,
    registers,
    async collect() {
      const rows = await readAgentStates(db);
      this.reset();
      // Every state of every pool is present, zero included, so stacked panels do not gap.
      for (const pool of new Set(rows.map((r) => r.pool))) for (const state of AGENT_STATES) this.set({ pool, state }, 0);
      for (const r of rows) this.set({ pool: r.pool, state: r.state }, r.n);
    },
  });

  // One query feeds the three webhook gauges; each gauge's collect() waits on the same read.
  let webhookRead: Promise<{ queued: number; failed: number; lag: number }> | null = null;
  const readWebhooks = () => {
    webhookRead ??= readWebhookBacklog(db).finally(() => setImmediate(() => (webhookRead = null)));
    return webhookRead;
  };
  new Gauge({
    name: 'fleet_webhook_deliveries_queued',
    help: 'Webhook deliveries stored and not yet processed (no failed attempt yet).',
    registers,
    async collect() {
      this.set((await readWebhooks()).queued);
    },
  });
  new Gauge({
    name: 'fleet_webhook_deliveries_failed',
    help: 'Webhook deliveries not processed whose last attempt failed: waiting for a retry, or given up after the last attempt.',
    registers,
    async collect() {
      this.set((await readWebhooks()).failed);
    },
  });
  new Gauge({
    name: 'fleet_webhook_lag_seconds',
    help: 'Age of the oldest queued webhook delivery: how far processing is behind GitHub (0 when none is waiting).',
    registers,
    async collect() {
      this.set((await readWebhooks()).lag);
    },
  });
  const webhookOutcomes = {
    processed: new Counter({
      name: 'fleet_webhook_deliveries_processed_total',
      help: 'Webhook deliveries whose handlers ran to completion in this process, by event.',
      labelNames: ['event'] as const,
      registers,
    }),
    failed: new Counter({
      name: 'fleet_webhook_delivery_failures_total',
      help: 'Failed attempts at processing a webhook delivery in this process, by event (each is retried with backoff).',
      labelNames: ['event'] as const,
      registers,
    }),
  };

  const githubCalls = new Counter({
    name: 'fleet_github_api_requests_total',
    help: 'GitHub API requests made by this process, per installation ("app" when signed as the App) and HTTP status (0: no response).',
    labelNames: ['installation', 'status'] as const,
    registers,
  });
  const rateRemaining = new Gauge({
    name: 'fleet_github_rate_limit_remaining',
    help: 'Requests left in the current rate-limit window, as GitHub last reported for the installation and resource (core, graphql, ...).',
    labelNames: ['installation', 'resource'] as const,
    registers,
  });
  const rateLimit = new Gauge({
    name: 'fleet_github_rate_limit_limit',
    help: 'Size of the rate-limit window GitHub last reported for the installation and resource.',
    labelNames: ['installation', 'resource'] as const,
    registers,
  });

  if (o.processMetrics !== false) collectDefaultMetrics({ register: registry });

  // ---------------------------------------------------------------- event sources
  const ready = new ReadyClock();
  try {
    const rows = await readReadySince(db);
    for (const r of rows.reverse()) ready.becameReady(r.id, r.readySince.getTime());
  } catch {
    // No history yet is fine: latencies start with the next task that becomes ready.
  }

  const unsubscribe = [
    // Readiness may be noticed by any replica (the one that completed the dependency).
    engine.events.subscribe((e) => {
      if (e.type !== 'task.ready') return;
      const id = Number((e.data as { id?: unknown }).id);
      if (Number.isFinite(id)) ready.becameReady(id, Date.parse(e.at) || Date.now());
    }),
    tapEngine(engine, {
      claim: (result) => claims.inc({ result }),
      published: (type, data) => {
        if (type === 'lease.expired') leaseExpiries.inc();
        if (type === 'task.ready') {
          // Recorded here too: with a Redis bus the echo arrives later than a fast dispatch.
          const id = Number((data as { id?: unknown }).id);
          if (Number.isFinite(id)) ready.becameReady(id, Date.now());
        }
        if (type === 'evidence.created') {
          const d = data as { type?: unknown; task_id?: unknown };
          if (d.type !== 'dispatch') return;
          const since = ready.take(Number(d.task_id));
          if (since !== undefined) dispatchLatency.observe(Math.max(0, (Date.now() - since) / 1000));
        }
      },
    }),
    onGitHubApiCall((call) => {
      githubCalls.inc({ installation: call.installation, status: String(call.status) });
      if (call.rateLimit) {
        const labels = { installation: call.installation, resource: call.rateLimit.resource };
        rateRemaining.set(labels, call.rateLimit.remaining);
        if (Number.isFinite(call.rateLimit.limit)) rateLimit.set(labels, call.rateLimit.limit);
      }
    }),
    onWebhookOutcome((outcome, event) => webhookOutcomes[outcome].inc({ event })),
    onAllOverlapClaim((e) => allOverlap.inc({ mode: e.mode, outcome: e.outcome })),
  ];

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close() {
      for (const u of unsubscribe) u();
      registry.clear();
    },
  };
}

import type { Db } from '../store/db.js';
import type { EventBus } from '../engine/events.js';
import { progressSummary, type SummaryJson } from './summary.js';
import { VelocityEtaCache } from './velocityEta.js';
import { snapshotHistory, takeSnapshots, type SnapshotJson } from './snapshots.js';
import { agentStats, type AgentProgressJson } from './agentStats.js';
import { dependencyGraph, type GraphJson } from './dependencyGraph.js';

/**
 * The progress reads behind /api/progress/*, one object per server so the forecast cache is
 * shared: a thin facade over summary, velocityEta (the simulation cache), snapshots, agentStats
 * and dependencyGraph.
 */

export type { SummaryJson, TallyJson } from './summary.js';
export type { SimulationEta } from './velocityEta.js';
export type { SnapshotJson } from './snapshots.js';
export type { AgentProgressJson } from './agentStats.js';
export type { GraphJson } from './dependencyGraph.js';

export interface ProgressOptions {
  leaseTtlSeconds: number;
  events?: EventBus | undefined;
  /** Window of the velocity, in days (default 7). */
  velocityWindowDays?: number;
  /** Simulations over at most this many remaining tasks run inline when stale (default 5000). */
  inlineSimulationMax?: number;
  now?: () => Date;
}

export class ProgressService {
  private readonly now: () => Date;
  private readonly etas: VelocityEtaCache;

  constructor(
    readonly db: Db,
    private readonly o: ProgressOptions,
  ) {
    this.now = o.now ?? (() => new Date());
    this.etas = new VelocityEtaCache(db, { now: this.now, inlineSimulationMax: o.inlineSimulationMax });
  }

  summary(projectId: number | null): Promise<SummaryJson> {
    return progressSummary(
      { db: this.db, leaseTtlSeconds: this.o.leaseTtlSeconds, velocityWindowDays: this.o.velocityWindowDays ?? 7, etas: this.etas, now: this.now },
      projectId,
    );
  }

  snapshot(projectId: number | null): Promise<SnapshotJson[]> {
    return takeSnapshots({ db: this.db, leaseTtlSeconds: this.o.leaseTtlSeconds, events: this.o.events }, projectId);
  }

  history(projectId: number, since: Date | null, limit: number): Promise<{ snapshots: SnapshotJson[]; more: boolean }> {
    return snapshotHistory(this.db, projectId, since, limit);
  }

  agents(windowHours: number, projectId: number | null = null): Promise<AgentProgressJson[]> {
    return agentStats({ db: this.db, leaseTtlSeconds: this.o.leaseTtlSeconds }, windowHours, projectId);
  }

  graph(projectId: number | null, limit: number): Promise<GraphJson> {
    return dependencyGraph(this.db, projectId, limit);
  }
}

/** One service per engine (so per server), shared by the routes and the periodic snapshot job. */
const perEngine = new WeakMap<object, ProgressService>();
export function progressServiceFor(o: { db: Db; engine: { leaseTtlSeconds: number; events: EventBus } }): ProgressService {
  let s = perEngine.get(o.engine);
  if (!s) {
    s = new ProgressService(o.db, { leaseTtlSeconds: o.engine.leaseTtlSeconds, events: o.engine.events });
    perEngine.set(o.engine, s);
  }
  return s;
}

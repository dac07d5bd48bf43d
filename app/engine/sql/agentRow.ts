import type { Agent } from '../types.js';

/** The select list every agent read uses, so one mapper serves them all. */
export const AGENT_COLUMNS = 'id, name, pool, labels, capacity, kind, active, last_heartbeat_at, created_at';

export interface AgentRow {
  id: number;
  name: string;
  pool: string;
  labels: string[];
  capacity: number;
  kind: Agent['kind'];
  active: boolean;
  last_heartbeat_at: Date | null;
  created_at: Date;
}

export const mapAgent = (r: AgentRow): Agent => ({
  id: r.id,
  name: r.name,
  pool: r.pool,
  labels: r.labels ?? [],
  capacity: r.capacity,
  kind: r.kind,
  active: r.active,
  lastHeartbeatAt: r.last_heartbeat_at,
  createdAt: r.created_at,
});

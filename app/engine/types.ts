import type { TaskStatus } from '../core/taskStatus.js';

/** A task row as the engine and the API see it (camelCase inside, snake_case on the wire). */
export interface Task {
  id: number;
  projectId: number;
  epicId: number | null;
  epicKey: string | null;
  key: string;
  title: string;
  body: string;
  deliverables: string[];
  estimatedHours: number;
  priority: number;
  criticalPathHours: number;
  status: TaskStatus;
  held: boolean;
  ready: boolean;
  issueNumber: number | null;
  issueNodeId: string | null;
  branch: string | null;
  prNumber: number | null;
  prUrl: string | null;
  /** Path globs the task is expected to touch (plan footprint and its PR's changed files). */
  footprint: string[];
  requiredPool: string | null;
  requiredCapabilities: string[];
  attempts: number;
  leaseEpoch: number;
  leaseExpiresAt: Date | null;
  failureReason: string | null;
  readySince: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Feedback rounds started so far (#14). */
  round: number;
  /** What the next dispatch does with the task's branch: null = a new branch. */
  roundMode: 'revise' | 'rebase' | null;
  /** The task PR's state as the webhooks last said; null without a PR. */
  prState: 'open' | 'failing' | 'conflicting' | 'approved' | 'merged' | null;
}

export interface Agent {
  id: number;
  name: string;
  pool: string;
  labels: string[];
  capacity: number;
  kind: 'vm' | 'aks' | 'local';
  active: boolean;
  lastHeartbeatAt: Date | null;
  createdAt: Date;
}

export type AssignmentStatus = 'active' | 'completed' | 'failed' | 'released' | 'expired' | 'cancelled';

export interface Assignment {
  id: number;
  taskId: number;
  agentId: number | null;
  pool: string | null;
  epoch: number;
  status: AssignmentStatus;
  percentComplete: number;
  notes: string | null;
  endReason: string | null;
  workflowRunId: number | null;
  runnerName: string | null;
  leaseExpiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
}

export interface Lease {
  epoch: number;
  expiresAt: Date;
}

export interface Claim {
  assignment: Assignment;
  task: Task;
  lease: Lease;
}

/** Lives next to the queue that filters by it; re-exported for the engine's callers. */
export type { ClaimFilter } from '../queue/claimFilter.js';

/**
 * The one project a token may act in: `name` is owner/repo; `id` is null while no such project
 * exists here (then there is nothing it may act on).
 */
export interface ProjectScope {
  name: string;
  id: number | null;
}

/** Who is acting: the admin, an agent (only on its own assignments), or the GitHub app itself. */
export type Actor =
  | { kind: 'admin' }
  | { kind: 'app' }
  /**
   * An agent by its minted token. `project` set: the token was minted for that project only.
   * `active` false: an admin deactivated it; it may read but not write.
   */
  | { kind: 'agent'; agentId: number; pool: string; project?: ProjectScope | undefined; active?: boolean | undefined }
  /** A GitHub Actions job whose OIDC token the orchestrator verified: acts on its own repository's assignments only. */
  | { kind: 'job'; repository: string; project: ProjectScope };

export interface ProgressReport {
  epoch: number;
  percentComplete?: number | undefined;
  status?: 'in_progress' | 'in_review' | 'done' | 'failed' | undefined;
  notes?: string | undefined;
}

export type EngineEventType =
  | 'task.updated'
  | 'task.ready'
  | 'assignment.created'
  | 'assignment.updated'
  | 'agent.heartbeat'
  | 'lease.expired'
  | 'evidence.created'
  | 'progress.snapshot';

export interface EngineEvent {
  type: EngineEventType;
  data: unknown;
  at: string;
}

/** A project as every reader gets it (app/engine/sql/projectRow.ts maps the row). */
export interface ProjectRecord {
  id: number;
  owner: string;
  repo: string;
  defaultBranch: string;
  installationId: number | null;
  /** From .github/fleet.yml; null = the orchestrator's defaults. */
  leaseTtlSeconds: number | null;
  maxAttempts: number | null;
  /** The example plan of the zero-configuration demo: no GitHub Actions job may see it. */
  demo: boolean;
  /** scheduling.conflicts from .github/fleet.yml (migration 0032); null = the default, avoid. */
  conflictMode?: 'avoid' | 'forbid' | 'ignore' | null;
}

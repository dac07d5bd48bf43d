import type { EvidenceJson } from '../evidence/recordEvidence.js';
import type { Claim, ProjectRecord, Task } from '../engine/types.js';
import type { MoveTaskOptions } from '../engine/engine.js';
import type { TaskStatus } from '../core/taskStatus.js';
import type { FeedbackStore } from '../feedback/store.js';

/**
 * The narrow surface the GitHub handlers need from the orchestrator. Handlers never touch SQL or
 * the engine directly: they call this port, which `sqlPort.ts` implements over Postgres and the
 * engine (claims and releases), and tests can fake.
 */

/** A project as the engine reads it (app/engine/types.ts). */
export type Project = ProjectRecord;

export interface ProjectRef {
  owner: string;
  repo: string;
  installationId?: number | null | undefined;
  defaultBranch?: string | undefined;
}

export type EvidenceType =
  | 'commit'
  | 'pr'
  | 'review'
  | 'check'
  | 'workflow_run'
  | 'merge'
  | 'test'
  | 'build'
  | 'deployment'
  | 'note'
  | 'dispatch';

export interface EvidenceInput {
  projectId: number;
  taskId: number | null;
  type: EvidenceType;
  ref?: string | null | undefined;
  url?: string | null | undefined;
  source: 'webhook' | 'app';
  /** X-GitHub-Delivery; with task and type it makes the row idempotent. */
  deliveryId?: string | null | undefined;
  metadata?: Record<string, unknown> | undefined;
}

/** What a hand-written `fleet:task` issue says about itself. */
export interface IssueTaskInput {
  issueNumber: number;
  issueNodeId?: string | null | undefined;
  title: string;
  body: string;
  /** `Estimate: 8h` */
  estimatedHours?: number | undefined;
  /** `Depends on: #12, #15` (issue numbers). */
  dependsOnIssues?: number[] | undefined;
  /** Task key from the hidden marker, when the issue carries one. */
  key?: string | undefined;
}

export interface PoolSpec {
  name: string;
  capabilities: string[];
  capacity: number;
}

export interface RunInfo {
  workflowRunId?: number | null | undefined;
  runnerName?: string | null | undefined;
}

export interface TaskStatusReport {
  task: Task;
  unmetDependencies: string[];
  activeAssignment: { id: number; pool: string | null; epoch: number; leaseExpiresAt: Date; workflowRunId: number | null; runnerName: string | null } | null;
  recentEvidence: { type: string; ref: string | null; url: string | null; createdAt: Date }[];
}

/** Outcome of a status change asked for by GitHub: applied, already so, or refused with why. */
export type ChangeResult = { changed: boolean; task: Task } | { changed: false; refused: string; task: Task };

/**
 * Outcome of handing a task to one named agent: the claim, or why not. `unknownAgent` says no
 * agent has that name (so the caller can list what is accepted instead).
 */
export type AgentAssignResult = { claim: Claim } | { refused: string; unknownAgent?: boolean };

/** One recorded GitHub write of a delivery (github_effects). */
export interface EffectRow {
  key: string;
  intent: unknown;
  startedAt: Date;
  done: boolean;
  result: unknown;
}

/** Where effects.ts keeps what a delivery wrote to GitHub (Postgres in sqlPort). */
export interface EffectStore {
  /** Records the start of an effect unless it is recorded already; the row as it is now. */
  begin(deliveryId: string, key: string, intent?: unknown): Promise<{ row: EffectRow; fresh: boolean }>;
  /**
   * Replaces the intent of a started effect (e.g. the claim a dispatch is for). False when another
   * effect already names the same assignment (the claim was adopted by a re-run).
   */
  note(deliveryId: string, key: string, intent: unknown): Promise<boolean>;
  /**
   * After a crash between a pool claim and its record: the oldest active claim of the pool's
   * agent in the project made in the 30 s after `since` that no effect names and nothing dispatched.
   */
  unrecordedPoolClaim(projectId: number, pool: string, since: Date): Promise<{ assignmentId: number; taskId: number; epoch: number } | null>;
  finish(deliveryId: string, key: string, result: unknown): Promise<void>;
  /** The delivery's effects whose key starts with `prefix`, oldest first. */
  list(deliveryId: string, prefix: string): Promise<EffectRow[]>;
  /**
   * Takes the right to explain to `login` on an issue why a command was refused: true at most once
   * per `windowSeconds` per person and issue (and again for the delivery that took it, so its
   * re-run still replies).
   */
  claimReplySlot(projectId: number, issueNumber: number, login: string, deliveryId: string, windowSeconds: number): Promise<boolean>;
  /**
   * Forgets effects started before `before` (their deliveries are long processed or given up) and
   * reply markers older than `replyWindowSeconds`. Returns the rows removed.
   */
  prune(before: Date, replyWindowSeconds: number): Promise<number>;
}

/** The feedback loop's items and rounds (#14); without it, checks and reviews are evidence only. */
export interface FeedbackPort {
  feedback?: FeedbackStore | undefined;
}

/** Projects: one per repository, found case-insensitively as GitHub names them. */
export interface ProjectsPort {
  ensureProject(ref: ProjectRef): Promise<Project>;
  findProject(owner: string, repo: string): Promise<Project | null>;
  /** Keeps the repository's lease length and attempt limit (from its config) for the engine. */
  setProjectSettings(projectId: number, s: { leaseTtlSeconds: number; maxAttempts: number }): Promise<void>;
  /** Keeps the repository's scheduling.conflicts for the claim path (app/queue/chooseAvoidingConflicts.ts). */
  setConflictMode?(projectId: number, mode: 'avoid' | 'forbid' | 'ignore'): Promise<void>;
  /** Installations removed or repositories dropped: forget the installation (tasks stay). */
  detachInstallation(installationId: number, repos?: { owner: string; repo: string }[]): Promise<void>;
}

/** Finding the task an issue, branch, pull request or run is about. */
export interface TaskLookupPort {
  findTaskByKey(projectId: number, key: string): Promise<Task | null>;
  findTaskByIssue(projectId: number, issueNumber: number): Promise<Task | null>;
  findTaskByBranch(projectId: number, branch: string): Promise<Task | null>;
  findTaskByPr(projectId: number, prNumber: number): Promise<Task | null>;
  findTaskById(taskId: number): Promise<Task | null>;
  /** Task keys of the given issue numbers (for dependencies written as `#N`). */
  tasksByIssues(projectId: number, issueNumbers: number[]): Promise<Map<number, Task>>;
  /** Open (not done/cancelled) tasks with an issue, for reconciliation. */
  openTasksWithIssues(projectId: number): Promise<Task[]>;
  /** The task whose live (or latest) assignment carries this workflow run. */
  findTaskByRun(projectId: number, runId: number): Promise<{ task: Task; active: boolean; epoch: number } | null>;
  status(taskId: number): Promise<TaskStatusReport | null>;
}

/** A task's GitHub identity: its issue, its epic's issue, its pull request. */
export interface IssueLinkPort {
  upsertTaskFromIssue(projectId: number, input: IssueTaskInput): Promise<{ task: Task; created: boolean; unknownDependencies: number[] }>;
  linkIssue(taskId: number, issueNumber: number, issueNodeId: string | null): Promise<void>;
  linkEpicIssue(projectId: number, epicKey: string, issueNumber: number, issueNodeId: string | null): Promise<void>;
  linkPullRequest(taskId: number, prNumber: number, branch: string | null): Promise<void>;
  /** The files the task's PR changes: stored, and merged into its footprint with the plan's globs (migration 0032). */
  setPrFiles(taskId: number, files: readonly string[]): Promise<void>;
}

export interface EvidencePort {
  /** Inserts one evidence row; false when this delivery already recorded it. */
  recordEvidence(e: EvidenceInput): Promise<boolean>;
}

/** Claims for runner pools and the runs that carry them (the engine's claim path). */
export interface DispatchPort {
  activeInPool(projectId: number, pool: string): Promise<number>;
  claimForPool(pool: PoolSpec, projectId: number): Promise<Claim | null>;
  recordDispatch(assignmentId: number, run: RunInfo): Promise<void>;
  /** A workflow run or job reported on an assignment (ties run id and runner to it). */
  recordRun(taskId: number, run: RunInfo & { status?: string | null | undefined }): Promise<void>;
  /** Hands a leased task back for another attempt under the engine's rules. */
  release(taskId: number, reason: string, opts?: { countAttempt?: boolean; epoch?: number | undefined }): Promise<ChangeResult>;
}

/** Status changes, each through the engine's moveTask (the transition table is respected). */
export interface StatusPort {
  markInProgress(taskId: number): Promise<ChangeResult>;
  markInReview(taskId: number): Promise<ChangeResult>;
  markDone(taskId: number, reason: string): Promise<ChangeResult>;
  markCancelled(taskId: number, reason: string): Promise<ChangeResult>;
  /** Issue reopened or PR closed unmerged: done/cancelled/failed/in_review back to pending. */
  reopen(taskId: number, reason: string): Promise<ChangeResult>;
  retry(taskId: number): Promise<ChangeResult>;
  cancel(taskId: number, reason: string): Promise<ChangeResult>;
}

/** Steering from slash commands: the engine's edit use cases. */
export interface SteeringPort {
  setHeld(taskId: number, held: boolean): Promise<ChangeResult>;
  setPriority(taskId: number, priority: number): Promise<ChangeResult>;
  setRequiredPool(taskId: number, pool: string | null): Promise<ChangeResult>;
  /** Recomputes the project's critical path hours (the one writer). */
  setEstimate(taskId: number, hours: number): Promise<ChangeResult>;
  /** Adds `taskId` depends-on edges; refuses a cycle. Returns the keys it could not find. Recomputes critical path hours. */
  addDependencies(taskId: number, dependsOnTaskIds: number[]): Promise<{ added: number; refused: string[] }>;
  /** Assigns the task to the named agent under a new lease (the engine's `assign`), or says why not. */
  assignToAgent(taskId: number, agentName: string): Promise<AgentAssignResult>;
  /** After tasks were written from outside (plan seeding): the engine's reindex. */
  refreshTasks(taskIds: number[]): Promise<void>;
}

export interface EffectsPort {
  /** The record of GitHub writes per delivery (app/github/effects.ts). */
  effects: EffectStore;
}

/** Everything the GitHub handlers need: the intersection of the role ports above. */
export type FleetPort = EffectsPort & FeedbackPort & ProjectsPort & TaskLookupPort & IssueLinkPort & EvidencePort & DispatchPort & StatusPort & SteeringPort;

/**
 * What sqlPort needs from the engine (app/engine/engine.ts): the claim and release paths with
 * leases, fencing and the ready queue, status changes and steering edits with the queue refresh
 * that follows (the steering edits are SteeringPort's, assignToAgent by name through engine.assign),
 * and the evidence feed.
 */
export interface EngineHooks extends Omit<SteeringPort, 'refreshTasks'> {
  claimForPool(pool: PoolSpec, projectId: number): Promise<Claim | null>;
  releaseTask(taskId: number, reason: string, opts: { countAttempt: boolean }): Promise<void>;
  /**
   * Every status change asked for by GitHub (engine.moveTask): the transition table, `from`
   * refusals, the step through pending, the end of the live assignment and, once committed,
   * the readiness and ready-index refresh `opts.refresh` names.
   */
  moveTask(taskId: number, to: TaskStatus, reason: string, opts: MoveTaskOptions): Promise<ChangeResult>;
  /** Tasks whose rows were written (engine.reindex): index entries replaced, dependents' readiness refreshed. */
  reindex(taskIds: number[]): Promise<void>;
  /** The task's unmet dependencies (the one readiness predicate's view). */
  unmetDependencies(taskId: number): Promise<string[]>;
  /** A new evidence row, as `evidence.created` carries it (app/evidence/recordEvidence.ts). */
  onEvidence(e: EvidenceJson): void;
}

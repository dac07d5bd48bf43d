import type { ProjectRecord } from '../types.js';

export type { ProjectRecord };

/** A projects row as the port reads it; one select list and one mapper for every project read. */
export const PROJECT_COLUMNS = 'id, owner, repo, default_branch, installation_id, lease_ttl_seconds, max_attempts, demo, conflict_mode';

export interface ProjectRow {
  id: number;
  owner: string;
  repo: string;
  default_branch: string;
  installation_id: number | null;
  lease_ttl_seconds: number | null;
  max_attempts: number | null;
  demo: boolean;
  conflict_mode?: 'avoid' | 'forbid' | 'ignore' | null;
}

export const mapProject = (r: ProjectRow): ProjectRecord => ({
  id: Number(r.id),
  owner: r.owner,
  repo: r.repo,
  defaultBranch: r.default_branch,
  installationId: r.installation_id === null ? null : Number(r.installation_id),
  leaseTtlSeconds: r.lease_ttl_seconds ?? null,
  maxAttempts: r.max_attempts ?? null,
  demo: r.demo === true,
  conflictMode: r.conflict_mode ?? null,
});

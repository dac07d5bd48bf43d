import type { GitHubClient } from '../types.js';
import type { GitHubGateway } from '../gateway/gitHubGateway.js';
import { octokitGateway } from '../gateway/octokitGateway.js';

const isGateway = (g: GitHubClient | GitHubGateway): g is GitHubGateway => 'collaboratorPermission' in g;

export type RepoRole = 'none' | 'read' | 'triage' | 'write' | 'maintain' | 'admin';
const RANK: Record<RepoRole, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export function roleAtLeast(role: RepoRole, min: 'write' | 'maintain' | 'admin'): boolean {
  return RANK[role] >= RANK[min];
}

/**
 * A person's permission on a repository, from the collaborator permission API, cached briefly
 * (default 5 minutes) so a burst of commands costs one request.
 */
export class PermissionCache {
  private readonly cache = new Map<string, { role: RepoRole; at: number }>();
  constructor(private readonly ttlMs = 5 * 60_000, private readonly now: () => number = Date.now) {}

  async role(gh: GitHubClient | GitHubGateway, owner: string, repo: string, username: string): Promise<RepoRole> {
    const key = `${owner}/${repo}/${username}`.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.role;
    let role: RepoRole = 'none';
    const d = await (isGateway(gh) ? gh : octokitGateway(gh, owner, repo)).collaboratorPermission(username);
    if (d) {
      // role_name tells maintain and triage apart; permission folds them into write and read.
      const r = (d.roleName ?? d.permission ?? 'none').toLowerCase();
      role = r in RANK ? (r as RepoRole) : d.permission && d.permission in RANK ? (d.permission as RepoRole) : 'none';
    }
    if (this.cache.size > 5_000) this.cache.clear();
    this.cache.set(key, { role, at: this.now() });
    return role;
  }
}

import type { GitHubClient } from '../types.js';
import { httpStatus } from '../types.js';

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

  async role(gh: GitHubClient, owner: string, repo: string, username: string): Promise<RepoRole> {
    const key = `${owner}/${repo}/${username}`.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.role;
    let role: RepoRole = 'none';
    try {
      const res = await gh.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { owner, repo, username });
      const d = res.data as { permission?: string; role_name?: string };
      // role_name tells maintain and triage apart; permission folds them into write and read.
      const r = (d.role_name ?? d.permission ?? 'none').toLowerCase();
      role = r in RANK ? (r as RepoRole) : d.permission && d.permission in RANK ? (d.permission as RepoRole) : 'none';
    } catch (err) {
      if (httpStatus(err) !== 404) throw err;
    }
    if (this.cache.size > 5_000) this.cache.clear();
    this.cache.set(key, { role, at: this.now() });
    return role;
  }
}

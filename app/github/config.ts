import { DEFAULT_FLEET_CONFIG, parseFleetConfig, type FleetConfig, type FleetConfigError } from '../../schema/fleetConfig.js';
import type { GitHubClient } from './types.js';
import { octokitGateway } from './gateway/octokitGateway.js';

export const CONFIG_PATH = '.github/fleet.yml';

interface Entry {
  config: FleetConfig;
  loadedAt: number;
  /** Errors of the last file read, when it was invalid (the previous valid config stays in force). */
  errors: FleetConfigError[] | null;
}

/**
 * `.github/fleet.yml` per repository, cached: read once, then again only when a push changes it
 * or the cache ages out. An invalid file never replaces the last valid configuration.
 */
export class ConfigStore {
  private readonly cache = new Map<string, Entry>();
  constructor(private readonly ttlMs = 15 * 60_000, private readonly now: () => number = Date.now) {}

  private key(owner: string, repo: string) {
    return `${owner}/${repo}`.toLowerCase();
  }

  /** The config in force (cached; read from GitHub when missing or stale). */
  async get(octokit: GitHubClient, owner: string, repo: string): Promise<FleetConfig> {
    const hit = this.cache.get(this.key(owner, repo));
    if (hit && this.now() - hit.loadedAt < this.ttlMs) return hit.config;
    return (await this.reload(octokit, owner, repo)).config;
  }

  /** The cached config while it is fresh, without reading GitHub; null otherwise. */
  cached(owner: string, repo: string): FleetConfig | null {
    const hit = this.cache.get(this.key(owner, repo));
    return hit && this.now() - hit.loadedAt < this.ttlMs ? hit.config : null;
  }

  /** Seeds the cache (tests, CLI) without reading GitHub. */
  set(owner: string, repo: string, config: FleetConfig): void {
    this.cache.set(this.key(owner, repo), { config, loadedAt: this.now(), errors: null });
  }

  /** Reads the file (at `ref` when given); an invalid file keeps the previous config and returns the errors. */
  async reload(
    octokit: GitHubClient,
    owner: string,
    repo: string,
    ref?: string,
  ): Promise<{ config: FleetConfig; errors: FleetConfigError[] | null; found: boolean }> {
    const k = this.key(owner, repo);
    const previous = this.cache.get(k)?.config ?? DEFAULT_FLEET_CONFIG;
    const text = await readRepoFile(octokit, owner, repo, CONFIG_PATH, ref);
    if (text === null) {
      this.cache.set(k, { config: DEFAULT_FLEET_CONFIG, loadedAt: this.now(), errors: null });
      return { config: DEFAULT_FLEET_CONFIG, errors: null, found: false };
    }
    const res = parseFleetConfig(text);
    if (res.ok) {
      this.cache.set(k, { config: res.config, loadedAt: this.now(), errors: null });
      return { config: res.config, errors: null, found: true };
    }
    this.cache.set(k, { config: previous, loadedAt: this.now(), errors: res.errors });
    return { config: previous, errors: res.errors, found: true };
  }
}

/** A file's text from the repository, or null when it does not exist. */
export async function readRepoFile(octokit: GitHubClient, owner: string, repo: string, path: string, ref?: string): Promise<string | null> {
  return octokitGateway(octokit, owner, repo).readFile(path, ref);
}

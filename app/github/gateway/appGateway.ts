import type { GitHubClient } from '../types.js';

/**
 * The calls the app makes as itself rather than for a repository's installation: which
 * installation covers a repository (app JWT) and the manifest conversion of /setup (no
 * authentication). The repository calls are ./gitHubGateway.ts.
 */

type Requester = Pick<GitHubClient, 'request'>;

/** The id of the installation that covers owner/repo; GitHub answers 404 when the app is not installed there. */
export async function repoInstallationId(appClient: Requester, owner: string, repo: string): Promise<number> {
  const res = await appClient.request('GET /repos/{owner}/{repo}/installation', { owner, repo });
  return (res.data as { id: number }).id;
}

/** POST /app-manifests/{code}/conversions: the new App's credentials, as GitHub sends them. */
export async function manifestConversion(client: Requester, code: string): Promise<Record<string, unknown>> {
  const { data } = await client.request('POST /app-manifests/{code}/conversions', { code });
  return data as unknown as Record<string, unknown>;
}

import { ProbotOctokit } from 'probot';
import { githubBaseUrl, type GitHubEnv } from '../ingest/probot.js';
import type { StoredApp } from './credentials.js';
import type { GitHubClient } from '../types.js';
import { manifestConversion } from '../gateway/appGateway.js';

/**
 * Trades the one-time code GitHub put in the redirect for the new App's credentials:
 * POST /app-manifests/{code}/conversions, which needs no authentication.
 */
export async function convertManifestCode(code: string, env: GitHubEnv): Promise<StoredApp> {
  const octokit = new ProbotOctokit({ baseUrl: githubBaseUrl(env), throttle: { enabled: false }, retry: { enabled: false } });
  const d = (await manifestConversion(octokit as unknown as GitHubClient, code)) as unknown as Partial<StoredApp> & { id: number; slug?: string | null };
  if (!d.id || !d.pem || !d.webhook_secret || !d.html_url) throw new Error('GitHub answered the conversion without id, pem, webhook_secret or html_url');
  return {
    id: d.id,
    slug: d.slug ?? null,
    html_url: d.html_url,
    pem: d.pem,
    webhook_secret: d.webhook_secret,
    client_id: d.client_id ?? '',
    client_secret: d.client_secret ?? '',
  };
}

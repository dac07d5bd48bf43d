import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * The App manifest GitHub registers from (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest):
 * app.yml's name, permissions and events, with this orchestrator's own webhook and redirect URLs.
 */

/** app.yml at the repository root, or next to dist/ after the build copied it there. */
function manifestFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Same relative place from app/github/setup (source) and dist/app/github/setup (built).
  const file = path.resolve(here, '../../../app.yml');
  if (!existsSync(file)) throw new Error(`app.yml not found at ${file}`);
  return file;
}

export interface AppManifest {
  name: string;
  url: string;
  description?: string;
  public: boolean;
  hook_attributes: { url: string; active: boolean };
  redirect_url: string;
  default_permissions: Record<string, string>;
  default_events: string[];
}

/** The manifest for an orchestrator reachable at `publicUrl` (no trailing slash needed). */
export function appManifest(publicUrl: string, file = manifestFile()): AppManifest {
  const base = publicUrl.replace(/\/+$/, '');
  const m = parse(readFileSync(file, 'utf8')) as Partial<AppManifest>;
  return {
    name: m.name ?? 'fleet-orchestrator',
    url: m.url ?? base,
    ...(m.description ? { description: m.description } : {}),
    // A private app unless app.yml says otherwise: only the owner's account may install it.
    public: m.public === true,
    hook_attributes: { url: `${base}/api/github/webhooks`, active: true },
    redirect_url: `${base}/setup/callback`,
    default_permissions: m.default_permissions ?? {},
    default_events: m.default_events ?? [],
  };
}

export interface GitHubWebEnv {
  GHE_HOST?: string | undefined;
  GHE_PROTOCOL?: string | undefined;
}

/** GitHub's web origin: github.com, or the Enterprise Server's host with GHE_PROTOCOL. */
export function githubWebOrigin(env: GitHubWebEnv): string {
  const host = env.GHE_HOST?.trim().replace(/\/+$/, '');
  if (!host) return 'https://github.com';
  return `${env.GHE_PROTOCOL === 'http' ? 'http' : 'https'}://${host}`;
}

/** Where the browser posts the manifest: the user's or an organization's "new GitHub App" page. */
export function registrationUrl(env: GitHubWebEnv, state: string, org?: string): string {
  const where = org ? `/organizations/${encodeURIComponent(org)}/settings/apps/new` : '/settings/apps/new';
  return `${githubWebOrigin(env)}${where}?state=${encodeURIComponent(state)}`;
}

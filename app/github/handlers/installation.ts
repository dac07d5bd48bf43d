import type { FleetAppDeps } from '../context.js';
import type { WebhookPayload } from './payloads.js';

interface Repo {
  full_name?: string;
  name?: string;
}

function split(r: Repo): { owner: string; repo: string } | null {
  const [owner, repo] = (r.full_name ?? '').split('/');
  return owner && repo ? { owner, repo } : null;
}

/** installation.* and installation_repositories.*: projects follow the repositories the app is installed on. */
export async function onInstallation(deps: FleetAppDeps, name: string, payload: WebhookPayload<'installation' | 'installation_repositories'>): Promise<void> {
  // The fields read, as every installation and installation_repositories action has them.
  const p: {
    action?: string;
    installation?: { id?: number };
    repositories?: Repo[] | undefined;
    repositories_added?: Repo[];
    repositories_removed?: Repo[];
  } = payload;
  const id = p.installation?.id;
  if (typeof id !== 'number') return;
  const added = name === 'installation' ? (p.action === 'created' || p.action === 'unsuspend' ? p.repositories : []) : p.repositories_added;
  for (const r of (added ?? []).slice(0, 1000)) {
    const ref = split(r);
    if (ref) await deps.port.ensureProject({ ...ref, installationId: id });
  }
  if (name === 'installation' && (p.action === 'deleted' || p.action === 'suspend')) await deps.port.detachInstallation(id);
  if (name === 'installation_repositories' && p.repositories_removed?.length) {
    const refs = p.repositories_removed.map(split).filter((x): x is { owner: string; repo: string } => x !== null);
    await deps.port.detachInstallation(id, refs);
  }
}

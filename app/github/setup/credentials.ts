import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from '../../config/env.js';
import type { GitHubAppSettings } from '../ingest/mount.js';

/**
 * The registered App's credentials, as GitHub returned them from the manifest conversion, kept in
 * FLEET_DATA_DIR/github-app.json readable by the owner only. Environment variables (APP_ID,
 * PRIVATE_KEY, WEBHOOK_SECRET) take precedence; this file is read when they are absent.
 */

export const CREDENTIALS_FILE = 'github-app.json';

export interface StoredApp {
  id: number;
  slug: string | null;
  html_url: string;
  pem: string;
  webhook_secret: string;
  client_id: string;
  client_secret: string;
  /** The orchestrator URL the App's webhook and links point at, as registered. */
  public_url?: string;
}

export const credentialsPath = (dataDir: string) => path.resolve(dataDir, CREDENTIALS_FILE);

/** Writes the file whole (temporary file, then rename), mode 0600 from its creation. */
export async function saveAppCredentials(dataDir: string, app: StoredApp): Promise<string> {
  const file = credentialsPath(dataDir);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(app, null, 2) + '\n', { mode: 0o600, flag: 'w' });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
  return file;
}

/** The stored credentials, or null when there are none; a damaged file is an error naming it. */
export async function loadAppCredentials(dataDir: string): Promise<StoredApp | null> {
  const file = credentialsPath(dataDir);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let app: Partial<StoredApp>;
  try {
    app = JSON.parse(raw) as Partial<StoredApp>;
  } catch {
    throw new Error(`${file} is not valid JSON: register the App again at /setup or remove the file`);
  }
  if (!app.id || !app.pem || !app.webhook_secret) throw new Error(`${file} lacks id, pem or webhook_secret: register the App again at /setup or remove the file`);
  return app as StoredApp;
}

/** Settings for the stored App, for start-up when the environment names none. */
export async function storedGithubSettings(cfg: Env): Promise<GitHubAppSettings | null> {
  const app = await loadAppCredentials(cfg.FLEET_DATA_DIR);
  if (!app) return null;
  return {
    appId: String(app.id),
    privateKey: app.pem,
    secret: app.webhook_secret,
    orchestratorUrl: cfg.FLEET_PUBLIC_URL ?? app.public_url ?? `http://${cfg.HOST}:${cfg.PORT}`,
  };
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The token the CLI calls the orchestrator with: --token, else FLEET_TOKEN, else the admin token
 * file a local embedded server keeps in FLEET_DATA_DIR (default .fleet); undefined when none.
 */
export async function apiToken(given: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const stated = given ?? env.FLEET_TOKEN;
  if (stated !== undefined) return stated;
  try {
    const t = (await readFile(path.resolve(env.FLEET_DATA_DIR || '.fleet', 'admin-token'), 'utf8')).trim();
    return t || undefined;
  } catch {
    return undefined;
  }
}

import { readFile, access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { RouteModule } from '../buildApi.js';

/**
 * The dashboard: one static page (index.html, app.js, style.css; no build step) served at `/`.
 * The files hold no data and no secret, so they are served without a token; everything the page
 * shows comes from the API with the token the user typed (kept in sessionStorage, never in a URL).
 */

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
} as const;

/** The folder next to this module, or (after `tsc` to dist/) the one in the source tree. */
async function dashboardDir(): Promise<string> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../dashboard'), path.resolve(here, '../../../../app/http/dashboard')];
  for (const c of candidates) {
    try {
      await access(path.join(c, 'index.html'));
      return c;
    } catch {
      // next
    }
  }
  throw new Error(`dashboard files not found (looked in ${candidates.join(', ')})`);
}

export const dashboardRoutes: RouteModule = async (app: FastifyInstance) => {
  const dir = await dashboardDir();
  const content = new Map<string, Buffer>();
  for (const name of Object.keys(FILES)) content.set(name, await readFile(path.join(dir, name)));

  const send = (name: keyof typeof FILES) => async (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .header('content-type', FILES[name])
      .header('cache-control', name === 'index.html' ? 'no-store' : 'no-cache')
      .send(content.get(name));

  app.get('/', send('index.html'));
  app.get('/dashboard', send('index.html'));
  app.get('/dashboard/app.js', send('app.js'));
  app.get('/dashboard/style.css', send('style.css'));
};

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDeps, RouteModule } from '../buildApi.js';
import type { Env } from '../../config/env.js';
import { parseInput } from '../validate.js';
import { requireAdmin } from '../principal.js';
import { ConflictError, FleetError, ValidationError } from '../../core/errors.js';
import type { GitHubAppSlot } from '../../github/ingest/mount.js';
import { appManifest, githubWebOrigin, registrationUrl } from '../../github/setup/manifest.js';
import { consumeSetupState, issueSetupState, STATE_TTL_SECONDS } from '../../github/setup/states.js';
import { convertManifestCode } from '../../github/setup/conversion.js';
import { saveAppCredentials, type StoredApp } from '../../github/setup/credentials.js';
import { setupPage, SETUP_SCRIPT } from '../../github/setup/page.js';

/**
 * Registering the GitHub App from its manifest, the way Probot does, on a running server:
 * - GET /setup: the page (no token: it asks for the admin token itself);
 * - POST /setup/start (admin): a one-time state and the manifest the page posts to GitHub;
 * - GET /setup/callback?code&state: GitHub's redirect back. It carries no API token; the one-time
 *   state proves an admin started it. The code becomes credentials (FLEET_DATA_DIR/github-app.json,
 *   0600), the App starts in this process, and the browser goes on to install it.
 */

class BadGatewayError extends FleetError {
  override readonly status: number = 502;
  override readonly code: string = 'github_refused';
}

const org = z.string().max(39).regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, 'expected a GitHub organization login (letters, digits and -)');
const PageQuery = z.strictObject({ org: org.optional() });
const StartBody = z.strictObject({ org: org.optional() });
const CallbackQuery = z.strictObject({
  code: z.string({ error: 'code is required (GitHub adds it when it sends you back)' }).regex(/^[\w-]{1,200}$/, 'expected the code GitHub sent'),
  state: z.string({ error: 'state is required: start again at /setup' }).regex(/^[\w-]{16,100}$/, 'expected the state /setup issued'),
});

export interface SetupOptions {
  config: Env;
  github: GitHubAppSlot;
  /** Where app.yml is (tests); default the repository's. */
  manifestFile?: string;
}

export function setupRoutes(o: SetupOptions): RouteModule {
  const origin = githubWebOrigin(o.config);
  return async (app: FastifyInstance, deps: ApiDeps) => {
    /** FLEET_PUBLIC_URL, else the origin this browser reached us at. */
    const publicUrl = (req: { protocol: string; host: string }) => (o.config.FLEET_PUBLIC_URL ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');

    app.get('/setup', async (req, reply) => {
      const q = parseInput(PageQuery, req.query, 'query');
      // The page's one form posts to GitHub: allow that origin as a form target here only.
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string') reply.header('content-security-policy', csp.replace(/form-action 'self'/, `form-action 'self' ${origin}`));
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(setupPage({ org: q.org ?? null, running: o.github.running, githubOrigin: origin }));
    });

    app.get('/setup/setup.js', async (_req, reply) =>
      reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SETUP_SCRIPT),
    );

    app.post('/setup/start', async (req) => {
      requireAdmin(req);
      const body = parseInput(StartBody, req.body, 'body');
      if (o.github.running) throw new ConflictError('a GitHub App is already configured on this orchestrator; nothing to register');
      const base = publicUrl(req);
      const manifest = appManifest(base, o.manifestFile);
      const state = await issueSetupState(deps.db, body.org ?? null);
      return {
        action: registrationUrl(o.config, state, body.org),
        manifest: JSON.stringify(manifest),
        hook_url: manifest.hook_attributes.url,
        redirect_url: manifest.redirect_url,
        expires_in: STATE_TTL_SECONDS,
      };
    });

    // One registration at a time in this process: two racing callbacks must not leave the stored
    // credentials of one App while the other runs.
    let registering = false;
    app.get('/setup/callback', async (req, reply) => {
      const q = parseInput(CallbackQuery, req.query, 'query');
      if (!(await consumeSetupState(deps.db, q.state)))
        throw new ValidationError('this registration link is unknown, expired or already used: start again at /setup');
      if (o.github.running || registering) throw new ConflictError('a GitHub App is already configured on this orchestrator; the new registration was not stored');
      registering = true;
      try {
        let created: StoredApp;
        try {
          created = await convertManifestCode(q.code, o.config);
        } catch (err) {
          // GitHub's status only: the error object holds the request (and the code), never log or echo it whole.
          const status = (err as { status?: number }).status;
          throw new BadGatewayError(`GitHub did not turn the code into an App${status ? ` (HTTP ${status})` : ''}: the code is single-use and expires after an hour; start again at /setup`);
        }
        const base = publicUrl(req);
        const file = await saveAppCredentials(o.config.FLEET_DATA_DIR, { ...created, public_url: base });
        await o.github.start({ appId: String(created.id), privateKey: created.pem, secret: created.webhook_secret, orchestratorUrl: base });
        req.log.info({ appId: created.id, slug: created.slug, file }, 'GitHub App registered and started');
        return reply.redirect(`${created.html_url.replace(/\/+$/, '')}/installations/new`, 302);
      } finally {
        registering = false;
      }
    });
  };
}

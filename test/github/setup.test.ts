import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text as readBody } from 'node:stream/consumers';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { parse } from 'yaml';
import { chromium, type Browser } from 'playwright-core';
import { webhookSignature } from '../support/appServer.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { orchestratorRoutes } from '../../app/routes.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { issueSetupState } from '../../app/github/setup/states.js';
import { example, privateKey } from './helpers.js';
import { runCli } from '../../app/cli/main.js';

/**
 * The manifest flow end to end against a stand-in GitHub on loopback (GHE_HOST/GHE_PROTOCOL=http):
 * it answers POST /api/v3/app-manifests/{code}/conversions like GitHub, and plays the
 * "new GitHub App" page by sending the browser back to the manifest's redirect_url.
 */

interface StandIn {
  origin: string;
  host: string;
  conversions: string[];
  manifests: { path: string; state: string | null; manifest: Record<string, any> }[];
  app: { id: number; webhook_secret: string; pem: string; client_secret: string; html_url: string };
  close(): Promise<void>;
}

const CODE = 'one-time-code-123';


async function standInGitHub(): Promise<StandIn> {
  const s = { conversions: [] as string[], manifests: [] as StandIn['manifests'] } as StandIn;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', s.origin);
      const body = await readBody(req);
      const conv = /^\/api\/v3\/app-manifests\/([^/]+)\/conversions$/.exec(url.pathname);
      if (req.method === 'POST' && conv) {
        s.conversions.push(conv[1]!);
        if (conv[1] !== CODE) {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json' }).end(
          JSON.stringify({ ...s.app, slug: 'fleet-test', node_id: 'A_1', name: 'fleet-test', owner: { login: 'acme' }, client_id: 'Iv1.abc' }),
        );
        return;
      }
      if (req.method === 'POST' && /^(\/organizations\/[^/]+)?\/settings\/apps\/new$/.test(url.pathname)) {
        const manifest = JSON.parse(new URLSearchParams(body).get('manifest') ?? '{}');
        const state = url.searchParams.get('state');
        s.manifests.push({ path: url.pathname, state, manifest });
        // The person confirms on GitHub; GitHub sends them back with a code and the state.
        res.writeHead(302, { location: `${manifest.redirect_url}?code=${CODE}&state=${encodeURIComponent(state ?? '')}` }).end();
        return;
      }
      if (req.method === 'GET' && url.pathname === '/apps/fleet-test/installations/new') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<h1 id="install">Install fleet-test</h1>');
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  s.host = `127.0.0.1:${port}`;
  s.origin = `http://${s.host}`;
  s.app = {
    id: 4242,
    webhook_secret: `whsec-${randomBytes(12).toString('hex')}`,
    pem: privateKey(),
    client_secret: `cs-${randomBytes(12).toString('hex')}`,
    html_url: `${s.origin}/apps/fleet-test`,
  };
  s.close = () => new Promise<void>((r) => server.close(() => r()));
  return s;
}


async function postWebhook(url: string, secret: string, id: string): Promise<number> {
  const body = JSON.stringify(example('star', 'created'));
  const res = await fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-delivery': id, 'x-github-event': 'star', 'x-hub-signature-256': webhookSignature(body, secret) },
    body,
  });
  return res.status;
}

/** A server as `npm start` mounts it (orchestratorRoutes), with its log captured. */
async function startHub(label: string, gh: StandIn, env: Record<string, string>) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const full = { GHE_HOST: gh.host, GHE_PROTOCOL: 'http', ...env };
  const s = await startTestServer(label, { env: full, start: { routes: await orchestratorRoutes(full), log: pino({ level: 'info' }, sink) } });
  return { s, log: () => lines.join('') };
}

const appYml = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as { default_events: string[]; default_permissions: Record<string, string> };

describe('GitHub App registration through /setup', () => {
  let gh: StandIn;
  let dataDir: string;
  let hub: Awaited<ReturnType<typeof startHub>>;
  let s: TestServer;
  const file = () => path.join(dataDir, 'github-app.json');

  beforeAll(async () => {
    gh = await standInGitHub();
    dataDir = await mkdtemp(path.join(tmpdir(), 'fleet-setup-'));
    hub = await startHub('gh_setup', gh, { FLEET_DATA_DIR: dataDir, FLEET_PUBLIC_URL: 'https://fleet.example.test/' });
    s = hub.s;
  });
  afterAll(async () => {
    await s?.close();
    await gh?.close();
  });

  const start = async (body: unknown = {}, token: string | null = s.admin) => s.call('POST', '/setup/start', body, token);
  const callback = (q: string) => fetch(`${s.url}/setup/callback${q}`, { redirect: 'manual' });

  it('serves the page without a token and lets it post to GitHub', async () => {
    const res = await fetch(`${s.url}/setup`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/setup/setup.js');
    expect(res.headers.get('content-security-policy')).toContain(`form-action 'self' ${gh.origin}`);
    expect((await fetch(`${s.url}/setup?org=-bad-`)).status).toBe(400);
    expect((await fetch(`${s.url}/setup/setup.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('refuses webhooks with 503 until an App is registered', async () => {
    expect(await postWebhook(s.url, gh.app.webhook_secret, 'd-before')).toBe(503);
  });

  it('hands the manifest and a one-time state to the admin only', async () => {
    expect((await start({}, null)).status).toBe(401);
    const { token } = await mintAgentToken(s.o.db, 'not-an-admin');
    expect((await start({}, token)).status).toBe(403);
    expect((await start({ org: 'no spaces' })).status).toBe(400);

    const r = await start();
    expect(r.status).toBe(200);
    const action = new URL(r.json.action);
    expect(action.origin).toBe(gh.origin);
    expect(action.pathname).toBe('/settings/apps/new');
    expect(action.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    const manifest = JSON.parse(r.json.manifest);
    expect(manifest.hook_attributes).toEqual({ url: 'https://fleet.example.test/api/github/webhooks', active: true });
    expect(manifest.redirect_url).toBe('https://fleet.example.test/setup/callback');
    expect(manifest.default_events).toEqual(appYml.default_events);
    expect(manifest.default_permissions).toEqual(appYml.default_permissions);
    expect(manifest.public).toBe(false);

    const org = await start({ org: 'acme-corp' });
    expect(new URL(org.json.action).pathname).toBe('/organizations/acme-corp/settings/apps/new');
    expect(new URL(org.json.action).searchParams.get('state')).not.toBe(action.searchParams.get('state'));
  });

  it('refuses a missing, unknown or expired state with 400 and writes nothing', async () => {
    const missing = await callback(`?code=${CODE}`);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error.message).toMatch(/state/);
    expect((await callback(`?state=${'x'.repeat(32)}`)).status).toBe(400);
    const unknown = await callback(`?code=${CODE}&state=${randomBytes(24).toString('base64url')}`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as any).error.message).toMatch(/unknown, expired or already used/);
    const expired = await issueSetupState(s.o.db, null, -1);
    expect((await callback(`?code=${CODE}&state=${expired}`)).status).toBe(400);
    expect(gh.conversions).toEqual([]);
    expect(existsSync(file())).toBe(false);
    expect(await postWebhook(s.url, gh.app.webhook_secret, 'd-still-none')).toBe(503);
  });

  it('turns the code into credentials, starts the App without a restart, and sends the user to install it', async () => {
    const state = new URL((await start()).json.action).searchParams.get('state')!;
    const res = await callback(`?code=${CODE}&state=${state}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${gh.app.html_url}/installations/new`);
    expect(gh.conversions).toEqual([CODE]);

    expect(statSync(file()).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file(), 'utf8'));
    expect(stored).toMatchObject({ id: 4242, pem: gh.app.pem, webhook_secret: gh.app.webhook_secret, client_id: 'Iv1.abc', client_secret: gh.app.client_secret });

    // The same process now takes GitHub's deliveries signed with the new secret, and only those.
    expect(await postWebhook(s.url, gh.app.webhook_secret, 'd-after-1')).toBe(202);
    expect(await postWebhook(s.url, 'some-other-secret', 'd-after-2')).toBe(401);

    // The state was single-use; a second registration is refused while this App runs.
    const reused = await callback(`?code=${CODE}&state=${state}`);
    expect(reused.status).toBe(400);
    expect(gh.conversions).toEqual([CODE]);
    expect((await start()).status).toBe(409);
    expect(await (await fetch(`${s.url}/setup`)).text()).toContain('already configured');

    // Nothing secret reached the log.
    const log = hub.log();
    expect(log).toContain('GitHub App registered and started');
    for (const secret of [gh.app.webhook_secret, gh.app.client_secret, CODE, state, gh.app.pem.split('\n')[1]!]) expect(log).not.toContain(secret);
  });

  it('a GitHub refusal of the code is a 502 and stores nothing', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'fleet-setup-'));
    const h = await startHub('gh_setup_bad', gh, { FLEET_DATA_DIR: other });
    try {
      const state = new URL((await h.s.call('POST', '/setup/start', {})).json.action).searchParams.get('state')!;
      const res = await fetch(`${h.s.url}/setup/callback?code=not-the-code&state=${state}`, { redirect: 'manual' });
      expect(res.status).toBe(502);
      expect(existsSync(path.join(other, 'github-app.json'))).toBe(false);
      expect(await postWebhook(h.s.url, gh.app.webhook_secret, 'd-bad')).toBe(503);
    } finally {
      await h.s.close();
    }
  });

  it('loads the stored credentials on the next start when the environment names no App', async () => {
    const again = await startHub('gh_setup_again', gh, { FLEET_DATA_DIR: dataDir });
    try {
      expect(await postWebhook(again.s.url, gh.app.webhook_secret, 'd-restart')).toBe(202);
      expect((await again.s.call('POST', '/setup/start', {})).status).toBe(409);
    } finally {
      await again.s.close();
    }
  });
});

describe('GitHub App registration in a real browser', () => {
  let browser: Browser;
  let gh: StandIn;
  beforeAll(async () => {
    if (!existsSync('/usr/bin/chromium')) throw new Error('Chromium is not installed at /usr/bin/chromium: install it with "apt-get install -y chromium"');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    gh = await standInGitHub();
  });
  afterAll(async () => {
    await browser?.close();
    await gh?.close();
  });

  it('goes from /setup through GitHub and back to the installation page; the App then takes webhooks', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'fleet-setup-'));
    const { s } = await startHub('gh_setup_browser', gh, { FLEET_DATA_DIR: dataDir });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(`${s.url}/setup?org=acme-corp`);
      await page.fill('#token', s.admin);
      await page.click('#token-form button[type="submit"]');
      await page.locator('[data-testid="register"]').waitFor({ state: 'visible' });
      expect(await page.locator('[data-testid="hook-url"]').textContent()).toBe(`${s.url}/api/github/webhooks`);
      await Promise.all([page.waitForURL(`${gh.app.html_url}/installations/new`), page.click('[data-testid="register"]')]);
      expect(await page.locator('#install').textContent()).toBe('Install fleet-test');

      expect(gh.manifests).toHaveLength(1);
      expect(gh.manifests[0]!.path).toBe('/organizations/acme-corp/settings/apps/new');
      expect(gh.manifests[0]!.manifest.redirect_url).toBe(`${s.url}/setup/callback`);
      expect(statSync(path.join(dataDir, 'github-app.json')).mode & 0o777).toBe(0o600);
      expect(await postWebhook(s.url, gh.app.webhook_secret, 'd-browser')).toBe(202);
      expect(errors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
      await page.close();
    } finally {
      await s.close();
    }
  });
});

describe('fleet app setup', () => {
  const run = async (args: string[], env: NodeJS.ProcessEnv) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['app', 'setup', ...args], { stdout: (x) => out.push(x), stderr: (x) => err.push(x), env });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('prints the /setup URL of the orchestrator, for an organization when asked', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fleet-cli-'));
    const a = await run([], { FLEET_PUBLIC_URL: 'https://fleet.example.test/', FLEET_DATA_DIR: dir });
    expect(a.code).toBe(0);
    expect(a.out).toContain('Open https://fleet.example.test/setup in a browser');
    const b = await run(['--org', 'acme-corp'], { PORT: '4000', FLEET_DATA_DIR: dir });
    expect(b.out).toContain('Open http://127.0.0.1:4000/setup?org=acme-corp in a browser');
    expect((await run(['--org', 'not valid'], { FLEET_DATA_DIR: dir })).code).toBe(2);
    const configured = await run([], { APP_ID: '12', FLEET_DATA_DIR: dir });
    expect(configured.err).toContain('already runs as that App');
  });
});

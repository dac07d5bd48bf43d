import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { freshDb, type TestDb } from '../support/db.js';
import type { Probot } from 'probot';
import type { Db } from '../../app/store/db.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { PostgresQueue } from '../../app/queue/postgresQueue.js';
import { createSqlPort } from '../../app/github/sqlPort.js';
import { engineHooks } from '../../app/github/engineHooks.js';
import { ConfigStore } from '../../app/github/config.js';
import { PermissionCache } from '../../app/github/commands/permissions.js';
import { createFleetProbot } from '../../app/github/ingest/probot.js';
import { fleetApp } from '../../app/github/ingest/fleetApp.js';
import type { FleetAppDeps, PlanHooks } from '../../app/github/context.js';
import { FleetConfigSchema, type FleetConfigInput } from '../../schema/fleetConfig.js';
import { seedPlanRows } from '../../app/plan/seedPlan.js';
import { planOf } from '../support/plans.js';

export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const INSTALLATION = 1;
export const API = 'https://api.github.com';

let key: string | undefined;
/** An RSA key made at run time: no key is ever committed. */
export function privateKey(): string {
  key ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return key;
}

const require = createRequire(import.meta.url);
type Example = { name: string; examples: Record<string, unknown>[] };
const examples = require('@octokit/webhooks-examples/api.github.com/index.json') as Example[];

/** A real payload from @octokit/webhooks-examples (deep copy), with our installation id. */
export function example<T = Record<string, unknown>>(name: string, action?: string, index = 0): T {
  const def = examples.find((e) => e.name === name);
  if (!def) throw new Error(`no examples for ${name}`);
  const all = def.examples.filter((x) => action === undefined || x.action === action);
  const ex = all[index];
  if (!ex) throw new Error(`no example ${name}.${action ?? ''}[${index}]`);
  const copy = structuredClone(ex) as Record<string, unknown>;
  copy.installation = { id: INSTALLATION, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
  const repo = copy.repository as { name: string; full_name: string; owner: { login: string }; default_branch?: string } | undefined;
  if (repo) {
    repo.name = REPO;
    repo.full_name = `${OWNER}/${REPO}`;
    repo.owner.login = OWNER;
    repo.default_branch = 'main';
  }
  return copy as T;
}

/** The installation token exchange; persisted because Probot caches the token per instance. */
export function tokenScope(api = API): nock.Scope {
  return nock(api)
    .post(`/app/installations/${INSTALLATION}/access_tokens`)
    .reply(201, { token: 'ghs_testtoken', expires_at: '2999-01-01T00:00:00Z', permissions: { issues: 'write' }, repository_selection: 'all' });
}

export interface TestApp {
  probot: Probot;
  deps: FleetAppDeps;
  engine: Engine;
}

export function testConfig(input: FleetConfigInput = {}) {
  return FleetConfigSchema.parse(input);
}

/** A test plan parser: the "plan file" is the JSON of a plan sketch (test/support/plans.ts), filled in as the parser would. */
export function jsonPlanHooks(db: Db): PlanHooks {
  return {
    parse(text) {
      try {
        return { plan: planOf(JSON.parse(text) as Parameters<typeof planOf>[0]), errors: [] };
      } catch (err) {
        return { plan: null, errors: [{ line: 1, message: (err as Error).message }] };
      }
    },
    seed: (projectId, plan, source) => seedPlanRows(db, projectId, plan, { source }),
  };
}

export async function makeApp(db: Db, opts: { config?: FleetConfigInput; env?: { GHE_HOST?: string; GHE_PROTOCOL?: string }; setConfig?: boolean } = {}): Promise<TestApp> {
  const engine = new Engine({ db, queue: new PostgresQueue(), events: new LocalEventBus(), leaseTtlSeconds: 600, maxAttempts: 3 });
  const port = createSqlPort(db, { engine: engineHooks(engine) });
  const configs = new ConfigStore();
  if (opts.setConfig !== false) configs.set(OWNER, REPO, testConfig(opts.config));
  const deps: FleetAppDeps = {
    port,
    configs,
    orchestratorUrl: 'https://fleet.example.test',
    plan: jsonPlanHooks(db),
    permissions: new PermissionCache(),
  };
  const probot = createFleetProbot({
    appId: 123,
    privateKey: privateKey(),
    secret: 'test-secret',
    env: opts.env ?? {},
    throttle: { enabled: false },
    retry: { enabled: false },
  });
  await probot.load(fleetApp(deps));
  return { probot, deps, engine };
}

/**
 * The hooks every Probot + nock file here needs: a fresh schema for the file, no real network,
 * an empty project table before each test (and agents too unless `keepAgents`), and every nock
 * scope used by the end of each test. Returns a getter for the database.
 */
export function useGitHubTestDb(label: string, opts: { keepAgents?: boolean } = {}): () => TestDb {
  let t: TestDb | undefined;
  beforeAll(async () => {
    t = await freshDb(label);
    nock.disableNetConnect();
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await t?.cleanup();
  });
  beforeEach(async () => {
    await t!.db.query('DELETE FROM projects');
    if (!opts.keepAgents) await t!.db.query('DELETE FROM agents');
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  return () => t!;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { startLocalIssuer, unsignedToken, type LocalIssuer } from '../support/oidcIssuer.js';

/**
 * GitHub Actions OIDC through the real server (issue 13): configured from FLEET_OIDC_* and
 * FLEET_PUBLIC_URL alone, keys read from a loopback JWKS. Each bad token is a 401 on a real
 * write, and leaves the lease as it was; the good one is a 200.
 */

const AUDIENCE = 'https://fleet.oidc-server.test';
const REPO = 'acme/widgets';

let s: TestServer;
let issuer: LocalIssuer;
let assignmentId: number;
let epoch: number;

beforeAll(async () => {
  issuer = await startLocalIssuer(AUDIENCE);
  s = await startTestServer('oidc_server', {
    env: {
      FLEET_PUBLIC_URL: AUDIENCE,
      FLEET_OIDC_ISSUER: issuer.url,
      FLEET_OIDC_REPOSITORIES: REPO,
      FLEET_OIDC_WORKFLOWS: '.github/workflows/fleet-agent.yml',
    },
  });
  const { projectId } = await insertProject(s.o.db, [{ key: '1.1' }], REPO);
  await s.o.engine.refreshAll();
  const claim = await s.o.engine.claimForPool({ name: 'widgets' }, projectId);
  if (!claim) throw new Error('fixture: nothing claimed');
  assignmentId = claim.assignment.id;
  epoch = claim.lease.epoch;
});
afterAll(async () => {
  await s?.close();
  await issuer?.close();
});

const heartbeat = (token: string) => s.call('POST', `/api/assignments/${assignmentId}/heartbeat`, { epoch }, token);
const leaseEnd = async () => (await s.o.engine.getAssignment(assignmentId)).leaseExpiresAt.getTime();

describe('OIDC job tokens through the server', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const bad: [string, () => Promise<string>, RegExp][] = [
    ['wrong audience', () => issuer.token(REPO, { audience: 'https://another-orchestrator.test' }), /audience/],
    ['wrong repository', () => issuer.token('acme/other'), /repository acme\/other is not allowed/],
    ['wrong issuer', () => issuer.token(REPO, { issuer: 'https://token.actions.githubusercontent.com' }), /issuer/],
    ['expired', () => issuer.token(REPO, { issuedAt: now() - 3600, expiresInSeconds: 300 }), /expired/],
    ['signed by another key', () => issuer.token(REPO, { forged: true }), /signature/],
    ['from another workflow', () => issuer.token(REPO, { claims: { workflow_ref: `${REPO}/.github/workflows/other.yml@refs/heads/main` } }), /workflow/],
    [
      'unsigned (alg none)',
      async () =>
        unsignedToken({
          iss: issuer.url,
          aud: AUDIENCE,
          sub: `repo:${REPO}:ref:refs/heads/main`,
          repository: REPO,
          workflow_ref: `${REPO}/.github/workflows/fleet-agent.yml@refs/heads/main`,
          iat: now(),
          exp: now() + 300,
        }),
      /refused \(signature\)/,
    ],
  ];

  it.each(bad)('refuses a token %s with 401 and a reason, never echoing the token', async (_name, make, reason) => {
    const token = await make();
    const before = await leaseEnd();
    const r = await heartbeat(token);
    expect(r.status).toBe(401);
    expect(r.json.error.message).toMatch(reason);
    expect(r.text).not.toContain(token);
    expect(await leaseEnd()).toBe(before);
  });

  it('accepts the right token: 200 on the write, and reads too', async () => {
    const token = await issuer.token(REPO);
    const r = await heartbeat(token);
    expect(r.status).toBe(200);
    expect(r.json.lease.epoch).toBe(epoch);
    expect((await s.call('GET', '/api/tasks', undefined, token)).status).toBe(200);
    // The keys came from the issuer FLEET_OIDC_ISSUER names.
    expect(issuer.jwksRequests()).toBeGreaterThan(0);
  });
});

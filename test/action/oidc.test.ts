import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier, OidcVerificationError } from '../../app/http/auth/oidc.js';
import { makeOidcKeys, signOidcToken, type OidcKeys } from './support/fakeGitHub.js';

const ISSUER = 'https://token.actions.example.test';
const AUDIENCE = 'https://fleet.example.test';
const REPO = 'acme/widgets';
const WORKFLOW = `${REPO}/.github/workflows/fleet-agent.yml@refs/heads/main`;

let keys: OidcKeys;
let otherKeys: OidcKeys;

beforeAll(async () => {
  keys = await makeOidcKeys('k1');
  otherKeys = await makeOidcKeys('k1'); // same kid, different key: a forgery
  nock.disableNetConnect();
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function jwks(times = 1) {
  return nock(ISSUER).get('/.well-known/jwks').times(times).reply(200, { keys: [keys.jwk] });
}

const token = (over: Partial<Parameters<typeof signOidcToken>[1]> = {}, claims: Record<string, unknown> = {}, k = keys) =>
  signOidcToken(k, {
    issuer: ISSUER,
    audience: AUDIENCE,
    claims: { repository: REPO, workflow_ref: WORKFLOW, run_id: '99', actor: 'octocat', ref: 'refs/heads/main', ...claims },
    ...over,
  });

const verifier = (over: Partial<Parameters<typeof createOidcVerifier>[0]> = {}) =>
  createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, allowedRepositories: [REPO], allowedWorkflows: [], ...over });

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OidcVerificationError);
    expect((err as OidcVerificationError).status).toBe(401);
    return (err as OidcVerificationError).reason;
  }
  throw new Error('expected the token to be refused');
}

describe('createOidcVerifier', () => {
  it('accepts a valid token and returns who is calling', async () => {
    const scope = jwks();
    const id = await verifier({ allowedWorkflows: ['.github/workflows/fleet-agent.yml'] }).verify(await token());
    expect(id).toEqual({ repository: REPO, workflow: WORKFLOW, runId: '99', actor: 'octocat', ref: 'refs/heads/main', sub: `repo:${REPO}:ref:refs/heads/main` });
    expect(scope.isDone()).toBe(true);
  });

  it('caches the keys between verifications', async () => {
    const scope = jwks(1);
    const v = verifier();
    await v.verify(await token());
    await v.verify(await token());
    expect(scope.isDone()).toBe(true);
  });

  it('matches reusable workflows through job_workflow_ref, and exact refs', async () => {
    jwks();
    const shared = 'acme/automation/.github/workflows/fleet-agent.yml@refs/tags/v1';
    const v = verifier({ allowedWorkflows: [shared] });
    const id = await v.verify(await token({}, { job_workflow_ref: shared }));
    expect(id.workflow).toBe(shared);
    expect(await reason(v.verify(await token({}, { job_workflow_ref: shared.replace('v1', 'v2') })))).toBe('workflow');
  });

  it('refuses a wrong audience, issuer, expired token, forged signature, disallowed repository or workflow', async () => {
    jwks(1);
    const v = verifier({ allowedWorkflows: [`${REPO}/.github/workflows/fleet-agent.yml`] });
    expect(await reason(v.verify(await token({ audience: 'https://elsewhere.test' })))).toBe('audience');
    expect(await reason(v.verify(await token({ issuer: 'https://evil.test' })))).toBe('issuer');
    const past = Math.floor(Date.now() / 1000) - 3600;
    expect(await reason(v.verify(await token({ issuedAt: past, expiresInSeconds: 300 })))).toBe('expired');
    expect(await reason(v.verify(await token({}, {}, otherKeys)))).toBe('signature');
    expect(await reason(v.verify(await token({}, { repository: 'evil/widgets' })))).toBe('repository');
    expect(await reason(v.verify(await token({}, { workflow_ref: `${REPO}/.github/workflows/other.yml@refs/heads/main` })))).toBe('workflow');
    expect(await reason(v.verify('not-a-jwt'))).toBe('malformed');
  });

  it('allows owner/* and compares repositories case-insensitively', async () => {
    jwks();
    const v = verifier({ allowedRepositories: ['ACME/*'] });
    expect((await v.verify(await token({}, { repository: 'acme/other' }))).repository).toBe('acme/other');
  });

  it('says so when the issuer keys cannot be read', async () => {
    nock(ISSUER).get('/.well-known/jwks').reply(503, 'down');
    expect(await reason(verifier().verify(await token()))).toBe('keys_unavailable');
  });

  it('refuses to be built without an allowed repository', () => {
    expect(() => createOidcVerifier({ audience: AUDIENCE, allowedRepositories: [] })).toThrow(/allowedRepositories/);
  });
});

import { createServer, type Server, type ServerResponse } from 'node:http';
import { requestBody } from '../../support/requestBody.js';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { githubRequestProblems } from '../../support/githubApi.js';

/** A signing key made at run time: no private key is ever committed. */
export interface OidcKeys {
  privateKey: CryptoKey;
  jwk: JWK;
  kid: string;
}

export async function makeOidcKeys(kid = 'test-key-1'): Promise<OidcKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, jwk, kid };
}

export interface OidcClaims {
  repository: string;
  workflow_ref?: string;
  job_workflow_ref?: string;
  run_id?: string;
  actor?: string;
  ref?: string;
  sub?: string;
  [k: string]: unknown;
}

export async function signOidcToken(
  keys: OidcKeys,
  opts: { issuer: string; audience: string; claims: OidcClaims; expiresInSeconds?: number; issuedAt?: number },
): Promise<string> {
  const now = opts.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: `repo:${opts.claims.repository}:ref:${opts.claims.ref ?? 'refs/heads/main'}`,
    ...opts.claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt(now)
    .setNotBefore(now - 5)
    .setExpirationTime(now + (opts.expiresInSeconds ?? 300))
    .sign(keys.privateKey);
}

export interface FakePull {
  number: number;
  html_url: string;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  authorization: string | undefined;
}

/**
 * Local stand-in for the parts of GitHub the bundled Action talks to, on 127.0.0.1: the REST
 * pulls API, the Actions OIDC token endpoint, and the issuer's JWKS. (A child process cannot be
 * nock'd from the test process, so this is a real server.)
 */
export interface FakeGitHub {
  url: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL for the job (already carries a query, as the real one does). */
  tokenRequestUrl: string;
  tokenRequestToken: string;
  githubToken: string;
  issuer: string;
  keys: OidcKeys;
  pulls: FakePull[];
  requests: RecordedRequest[];
  /** REST requests GitHub's API description refuses (method, path, problems); the test asserts none. */
  invalid: string[];
  tokensIssued: number;
  claims: OidcClaims;
  close(): Promise<void>;
}


function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startFakeGitHub(opts: { repository: string; claims?: Partial<OidcClaims> }): Promise<FakeGitHub> {
  const keys = await makeOidcKeys();
  const state: FakeGitHub = {
    url: '',
    tokenRequestUrl: '',
    tokenRequestToken: `req-${Math.random().toString(36).slice(2)}`,
    githubToken: `ghs_fake${Math.random().toString(36).slice(2)}`,
    issuer: '',
    keys,
    pulls: [],
    requests: [],
    invalid: [],
    tokensIssued: 0,
    claims: {
      repository: opts.repository,
      workflow_ref: `${opts.repository}/.github/workflows/fleet-agent.yml@refs/heads/main`,
      run_id: '4242',
      actor: 'fleet-app[bot]',
      ref: 'refs/heads/main',
      ...opts.claims,
    },
    close: async () => undefined,
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', state.url);
      const { raw, body } = await requestBody(req);
      state.requests.push({ method: req.method ?? '', path: url.pathname + url.search, body, authorization: req.headers.authorization });

      if (req.method === 'GET' && url.pathname === '/.well-known/jwks') return send(res, 200, { keys: [keys.jwk] });
      if (req.method === 'GET' && url.pathname === '/_oidc/token') {
        if (req.headers.authorization !== `Bearer ${state.tokenRequestToken}`) return send(res, 401, { message: 'bad request token' });
        const audience = url.searchParams.get('audience');
        if (!audience) return send(res, 400, { message: 'audience missing' });
        state.tokensIssued++;
        return send(res, 200, { value: await signOidcToken(keys, { issuer: state.issuer, audience, claims: state.claims }) });
      }

      // Everything past the OIDC endpoints stands for GitHub's REST API: it must be a request GitHub
      // describes, else it gets GitHub's 422/404 here and is listed for the test to fail on.
      const problems = githubRequestProblems({ method: req.method ?? 'GET', url: `https://api.github.com${url.pathname}${url.search}`, body: raw });
      if (problems.length) {
        state.invalid.push(`${req.method} ${url.pathname}${url.search}: ${problems.join('; ')}`);
        return send(res, 422, { message: 'Validation Failed', errors: problems.map((message) => ({ message })) });
      }
      const m = /^\/repos\/([^/]+)\/([^/]+)\/pulls(?:\/(\d+))?$/.exec(url.pathname);
      if (!m) return send(res, 404, { message: 'Not Found' });
      if (`${m[1]}/${m[2]}` !== opts.repository) return send(res, 404, { message: 'Not Found' });
      if (req.headers.authorization !== `Bearer ${state.githubToken}`) return send(res, 401, { message: 'Bad credentials' });
      const number = m[3] ? Number(m[3]) : undefined;
      const owner = opts.repository.split('/')[0];

      if (req.method === 'GET' && number === undefined) {
        const head = url.searchParams.get('head') ?? '';
        const wanted = url.searchParams.get('state') ?? 'open';
        return send(res, 200, state.pulls.filter((p) => `${owner}:${p.head}` === head && (wanted === 'all' || p.state === wanted)));
      }
      if (req.method === 'POST' && number === undefined) {
        const b = body as Partial<FakePull>;
        if (!b.title || !b.head || !b.base) return send(res, 422, { message: 'Validation Failed', errors: [{ message: 'title, head and base are required' }] });
        if (state.pulls.some((p) => p.head === b.head && p.state === 'open')) {
          return send(res, 422, { message: 'Validation Failed', errors: [{ message: `A pull request already exists for ${owner}:${b.head}.` }] });
        }
        const n = state.pulls.length + 1;
        const pull: FakePull = {
          number: n,
          html_url: `https://github.example/${opts.repository}/pull/${n}`,
          title: b.title,
          body: b.body ?? '',
          head: b.head,
          base: b.base,
          draft: Boolean(b.draft),
          state: 'open',
        };
        state.pulls.push(pull);
        return send(res, 201, pull);
      }
      if (req.method === 'PATCH' && number !== undefined) {
        const pull = state.pulls.find((p) => p.number === number);
        if (!pull) return send(res, 404, { message: 'Not Found' });
        Object.assign(pull, body as object);
        return send(res, 200, pull);
      }
      return send(res, 405, { message: 'method not allowed' });
    })().catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}`;
  state.issuer = state.url;
  state.tokenRequestUrl = `${state.url}/_oidc/token?api-version=2.0`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

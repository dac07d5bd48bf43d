import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';

/**
 * A stand-in for https://token.actions.githubusercontent.com on loopback: it publishes one RSA
 * key at /.well-known/jwks (the path the orchestrator's verifier reads) and signs GitHub Actions
 * job tokens with it, so the real server verifies them exactly as it would GitHub's.
 */
export interface LocalIssuer {
  /** http://127.0.0.1:<port>: the value of FLEET_OIDC_ISSUER. */
  url: string;
  /** A job token for `repository`, valid for five minutes unless told otherwise. */
  token(repository: string, over?: TokenOverrides): Promise<string>;
  /** Times the JWKS was fetched. */
  jwksRequests(): number;
  close(): Promise<void>;
}

export interface TokenOverrides {
  audience?: string;
  issuer?: string;
  /** Seconds since the epoch; the token expires five minutes later unless expiresInSeconds says otherwise. */
  issuedAt?: number;
  expiresInSeconds?: number;
  claims?: Record<string, unknown>;
  /** Sign with another key under the same kid (a forgery). */
  forged?: boolean;
}

async function rsaKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export async function startLocalIssuer(audience: string): Promise<LocalIssuer> {
  const kid = 'local-1';
  const key = await rsaKey(kid);
  const forger = await rsaKey(kid);
  let fetched = 0;
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks') {
      fetched++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [key.jwk] }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"message":"Not Found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async token(repository, over = {}) {
      const now = over.issuedAt ?? Math.floor(Date.now() / 1000);
      return new SignJWT({
        sub: `repo:${repository}:ref:refs/heads/main`,
        repository,
        repository_owner: repository.split('/')[0],
        workflow_ref: `${repository}/.github/workflows/fleet-agent.yml@refs/heads/main`,
        run_id: '4242',
        actor: 'fleet-app[bot]',
        ref: 'refs/heads/main',
        ...over.claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(over.issuer ?? url)
        .setAudience(over.audience ?? audience)
        .setIssuedAt(now)
        .setNotBefore(now - 5)
        .setExpirationTime(now + (over.expiresInSeconds ?? 300))
        .sign(over.forged ? forger.privateKey : key.privateKey);
    },
    jwksRequests: () => fetched,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An unsigned token (`alg: none`) carrying the same claims as a good one. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { UnauthorizedError } from '../../core/errors.js';

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/** Why a GitHub Actions OIDC token was refused. */
export type OidcFailureReason =
  | 'malformed'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'claims'
  | 'repository'
  | 'workflow'
  | 'keys_unavailable';

/** A refused OIDC token: 401 with a reason the API can show (never the token itself). */
export class OidcVerificationError extends UnauthorizedError {
  override readonly code = 'invalid_oidc_token';
  constructor(
    readonly reason: OidcFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`GitHub OIDC token refused (${reason}): ${message}`, options);
  }
}

export interface OidcVerifierOptions {
  /** Default https://token.actions.githubusercontent.com; keys are read from `${issuer}/.well-known/jwks`. */
  issuer?: string | undefined;
  /** The orchestrator's URL: the audience the job asked for with core.getIDToken(url). */
  audience: string | string[];
  /** `owner/repo` entries (case-insensitive); `owner/*` allows every repository of an owner. At least one. */
  allowedRepositories: string[];
  /**
   * Workflows allowed to call (matched against `job_workflow_ref`, then `workflow_ref`), each either
   * `owner/repo/.github/workflows/file.yml@refs/heads/main` (exact), the same without `@ref` (any ref),
   * or `.github/workflows/file.yml` (that file in the token's own repository). Empty = any workflow.
   */
  allowedWorkflows?: string[] | undefined;
  fetch?: typeof fetch | undefined;
  /** Seconds of clock skew tolerated on exp/nbf/iat. Default 60. */
  clockToleranceSeconds?: number | undefined;
}

export interface OidcIdentity {
  repository: string;
  /** The workflow ref that matched (job_workflow_ref for reusable workflows, else workflow_ref). */
  workflow: string;
  runId: string;
  actor: string;
  ref: string;
  sub: string;
}

export interface OidcVerifier {
  verify(token: string): Promise<OidcIdentity>;
}

const stripSlash = (s: string) => s.replace(/\/+$/, '');

function repositoryAllowed(repository: string, allowed: string[]): boolean {
  const repo = repository.toLowerCase();
  return allowed.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e.endsWith('/*')) return repo.startsWith(e.slice(0, -1));
    return repo === e;
  });
}

function workflowMatches(ref: string, repository: string, allowed: string): boolean {
  const r = ref.toLowerCase();
  let entry = allowed.trim().toLowerCase();
  if (entry.startsWith('.github/')) entry = `${repository.toLowerCase()}/${entry}`;
  if (entry.includes('@')) return r === entry;
  return r.split('@')[0] === entry;
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const v = payload[name];
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/**
 * Verifies GitHub Actions OIDC tokens: signature against the issuer's published keys (fetched
 * and cached by jose), issuer, audience, expiry, then that the repository and workflow are allowed.
 */
export function createOidcVerifier(opts: OidcVerifierOptions): OidcVerifier {
  const issuer = stripSlash(opts.issuer ?? GITHUB_ACTIONS_ISSUER);
  const audiences = (Array.isArray(opts.audience) ? opts.audience : [opts.audience]).map(stripSlash).filter(Boolean);
  if (audiences.length === 0) throw new TypeError('createOidcVerifier: audience (the orchestrator URL) is required');
  const allowedRepositories = opts.allowedRepositories.map((r) => r.trim()).filter(Boolean);
  if (allowedRepositories.length === 0) {
    throw new TypeError('createOidcVerifier: allowedRepositories must list at least one owner/repo (or owner/*)');
  }
  const allowedWorkflows = (opts.allowedWorkflows ?? []).map((w) => w.trim()).filter(Boolean);
  // Accept the audience with and without a trailing slash: core.getIDToken passes it verbatim.
  const audienceList = [...new Set(audiences.flatMap((a) => [a, `${a}/`]))];

  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks`), {
    timeoutDuration: 5_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    ...(opts.fetch ? { [customFetch]: opts.fetch } : {}),
  });

  return {
    async verify(token: string): Promise<OidcIdentity> {
      if (typeof token !== 'string' || token.split('.').length !== 3) {
        throw new OidcVerificationError('malformed', 'expected a JWT (three dot-separated parts)');
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer,
          audience: audienceList,
          algorithms: ['RS256'],
          clockTolerance: opts.clockToleranceSeconds ?? 60,
          requiredClaims: ['exp', 'iat', 'repository', 'sub'],
        }));
      } catch (err) {
        throw mapJoseError(err, issuer);
      }

      const repository = stringClaim(payload, 'repository');
      const sub = stringClaim(payload, 'sub');
      if (!repository || !sub) throw new OidcVerificationError('claims', 'the token has no repository or sub claim');
      if (!repositoryAllowed(repository, allowedRepositories)) {
        throw new OidcVerificationError('repository', `repository ${repository} is not allowed to use this orchestrator`);
      }
      const candidates = [stringClaim(payload, 'job_workflow_ref'), stringClaim(payload, 'workflow_ref')].filter(
        (v): v is string => v !== undefined,
      );
      let workflow = candidates[0] ?? '';
      if (allowedWorkflows.length > 0) {
        const match = candidates.find((ref) => allowedWorkflows.some((w) => workflowMatches(ref, repository, w)));
        if (!match) {
          throw new OidcVerificationError(
            'workflow',
            `workflow ${candidates.join(' / ') || '(none in the token)'} is not one of the allowed workflows`,
          );
        }
        workflow = match;
      }
      return {
        repository,
        workflow,
        runId: stringClaim(payload, 'run_id') ?? '',
        actor: stringClaim(payload, 'actor') ?? '',
        ref: stringClaim(payload, 'ref') ?? '',
        sub,
      };
    },
  };
}

function mapJoseError(err: unknown, issuer: string): OidcVerificationError {
  const message = err instanceof Error ? err.message : String(err);
  const opts = { cause: err };
  if (err instanceof joseErrors.JWTExpired) return new OidcVerificationError('expired', 'the token has expired', opts);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new OidcVerificationError('issuer', `expected issuer ${issuer}`, opts);
    if (err.claim === 'aud') return new OidcVerificationError('audience', 'the token was not issued for this orchestrator (audience mismatch)', opts);
    if (err.claim === 'nbf' || err.claim === 'iat') return new OidcVerificationError('not_yet_valid', message, opts);
    return new OidcVerificationError('claims', message, opts);
  }
  if (
    err instanceof joseErrors.JWSSignatureVerificationFailed ||
    err instanceof joseErrors.JWKSNoMatchingKey ||
    err instanceof joseErrors.JOSEAlgNotAllowed ||
    err instanceof joseErrors.JOSENotSupported
  ) {
    return new OidcVerificationError('signature', 'the signature does not match the issuer\'s published keys', opts);
  }
  if (err instanceof joseErrors.JWKSTimeout || (err instanceof TypeError && /fetch/i.test(message))) {
    return new OidcVerificationError('keys_unavailable', `could not read the issuer's keys at ${issuer}/.well-known/jwks`, opts);
  }
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return new OidcVerificationError('malformed', message, opts);
  if (err instanceof joseErrors.JOSEError && /JWKS|jwks|fetch|response/i.test(message)) {
    return new OidcVerificationError('keys_unavailable', `could not read the issuer's keys at ${issuer}/.well-known/jwks: ${message}`, opts);
  }
  if (err instanceof joseErrors.JOSEError) return new OidcVerificationError('malformed', message, opts);
  return new OidcVerificationError('keys_unavailable', `could not read the issuer's keys at ${issuer}/.well-known/jwks: ${message}`, opts);
}

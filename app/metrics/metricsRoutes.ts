import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouteModule } from '../http/buildApi.js';
import { bearer, type Authenticator } from '../http/auth.js';
import { requireRead } from '../http/principal.js';
import { FleetError, UnauthorizedError } from '../core/errors.js';
import { ConfigError } from '../config/env.js';
import { createFleetMetrics } from './fleetMetrics.js';
import { describeError } from '../core/describeError.js';

export interface MetricsRouteOptions {
  /** FLEET_METRICS_TOKEN from the settings (optional). */
  token?: string | undefined;
  /** Deprecated: an environment holding FLEET_METRICS_TOKEN; `token` wins. Nothing else is read from it. */
  env?: NodeJS.ProcessEnv;
}

class MetricsUnavailableError extends FleetError {
  override readonly status: number = 503;
  override readonly code: string = 'unavailable';
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/**
 * Lets the metrics token through the API's authentication as an anonymous caller: the server
 * resolves every bearer token before routing and refuses ones it does not know, so without this
 * Prometheus's token would be a 401 everywhere. A token the API knows (admin, agent, job) keeps
 * its meaning; the metrics token alone reads /metrics and nothing else.
 */
function admitMetricsToken(auth: Authenticator, token: string): () => void {
  const resolve = auth.resolve;
  const admitted: Authenticator['resolve'] = async (given) => {
    try {
      return await resolve.call(auth, given);
    } catch (err) {
      if (err instanceof UnauthorizedError && given !== undefined && sameSecret(given, token)) return { kind: 'public' };
      throw err;
    }
  };
  auth.resolve = admitted;
  return () => {
    if (auth.resolve === admitted) delete (auth as { resolve?: unknown }).resolve;
  };
}

/**
 * GET /metrics in Prometheus's text format. Readable by whoever may read the API (any token,
 * or anyone with FLEET_PUBLIC_READ), or with FLEET_METRICS_TOKEN as a bearer token: a
 * read-only credential for Prometheus that opens nothing else. 503 when Postgres cannot be read.
 */
export function metricsRoutes(opts: MetricsRouteOptions = {}): RouteModule {
  const token = (opts.token ?? opts.env?.FLEET_METRICS_TOKEN)?.trim() || undefined;
  if (token !== undefined && token.length < 16)
    throw new ConfigError('invalid configuration: FLEET_METRICS_TOKEN: expected at least 16 characters (or leave it unset to read /metrics with an API token)');
  return async (app, deps) => {
    const metrics = await createFleetMetrics({ db: deps.db, engine: deps.engine });
    const restoreAuth = token ? admitMetricsToken(deps.auth, token) : () => undefined;
    app.addHook('onClose', async () => {
      metrics.close();
      restoreAuth();
    });
    app.get('/metrics', async (req, reply) => {
      const given = bearer(req.headers.authorization);
      if (!(token && given && sameSecret(given, token))) requireRead(req, deps.publicRead);
      let text: string;
      try {
        text = await metrics.render();
      } catch (err) {
        req.log.warn({ err: describeError(err) }, 'metrics could not be collected');
        throw new MetricsUnavailableError('metrics could not be read from the database; try again shortly');
      }
      return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
    });
  };
}

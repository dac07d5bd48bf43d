import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../buildApi.js';
import { describeError } from '../../core/describeError.js';

export type HealthCheck = () => Promise<string>;

/** GET /health, no auth: 200 when every check answers, 503 naming what is down. */
export async function healthRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get('/health', async (_req, reply) => {
    const checks: Record<string, string> = {};
    let ok = true;
    for (const [name, check] of Object.entries(deps.health)) {
      try {
        checks[name] = await Promise.race([
          check(),
          new Promise<string>((_, rej) => setTimeout(() => rej(new Error('timed out after 2s')), 2000).unref()),
        ]);
      } catch (err) {
        ok = false;
        checks[name] = `down: ${describeError(err)}`;
      }
    }
    const down = Object.entries(checks)
      .filter(([, v]) => v.startsWith('down'))
      .map(([k]) => k);
    return reply.code(ok ? 200 : 503).send(ok ? { status: 'healthy', checks } : { status: 'unhealthy', down, checks });
  });
}

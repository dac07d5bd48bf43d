import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { healthRoutes } from '../../app/http/routes/health.js';
import type { ApiDeps } from '../../app/http/buildApi.js';

/**
 * GET /health names what is down and why. A connection refused on every address a host name
 * resolves to (localhost on a dual-stack machine) is an AggregateError whose own message is empty:
 * the answer still says why, from the errors it holds.
 */
describe('GET /health', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function health(checks: ApiDeps['health']) {
    app = Fastify();
    await healthRoutes(app, { health: checks } as ApiDeps);
    const r = await app.inject({ method: 'GET', url: '/health' });
    return { status: r.statusCode, body: r.json() as { status: string; down?: string[]; checks: Record<string, string> } };
  }

  it('says why a dependency is down even when the error has no message of its own', async () => {
    const refused = new AggregateError([new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')]);
    expect(refused.message).toBe('');
    const r = await health({ database: () => Promise.reject(refused), redis: async () => 'ok' });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({
      status: 'unhealthy',
      down: ['database'],
      checks: { database: 'down: connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432', redis: 'ok' },
    });
  });

  it('keeps the cause of a wrapped failure', async () => {
    const err = new Error('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    const r = await health({ github: () => Promise.reject(err) });
    expect(r.body.checks.github).toBe('down: fetch failed (ECONNREFUSED)');
  });

  it('is healthy when every check answers', async () => {
    const r = await health({ database: async () => 'ok (postgres)' });
    expect(r).toEqual({ status: 200, body: { status: 'healthy', checks: { database: 'ok (postgres)' } } });
  });
});

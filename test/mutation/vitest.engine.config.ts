import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against the engine and the webhook-delivery modules: real PostgreSQL
 * and Redis (DATABASE_URL, REDIS_URL), each file in its own schema and key prefix: every engine
 * test, the readiness and epoch tests, the delivery tests with the signed-webhook route and every
 * example payload, and the HTTP, evidence and guard-rail tests that drive the engine through its
 * API (about 145 tests, ~30 s). Left out: the randomised race soak (test/engine/races.test.ts:
 * seconds per run, asserting invariants the contract tests pin per mutant) and the crash tests
 * that kill child processes (the mutant is not switched on in a child).
 */
export default defineConfig({
  test: {
    include: [
      'test/engine/**/*.test.ts',
      'test/readiness/**/*.test.ts',
      'test/epochs/**/*.test.ts',
      'test/github/deliveries.test.ts',
      'test/github/receiveDelivery.test.ts',
      'test/github/deliveryProcessor.test.ts',
      'test/github/deliveryTakeover.test.ts',
      'test/github/ingest-http.test.ts',
      'test/github/ingest-throttle.test.ts',
      'test/github/webhookExamples.test.ts',
      'test/http/api.test.ts',
      'test/http/eventsOnce.test.ts',
      'test/http/taskLookup.test.ts',
      'test/http/scopedReads.test.ts',
      'test/guards/guardRails.test.ts',
      'test/evidence/**/*.test.ts',
    ],
    exclude: ['test/engine/races.test.ts'],
    setupFiles: ['test/support/githubGuard.ts'],
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

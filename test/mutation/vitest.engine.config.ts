import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against the engine and the webhook-delivery modules: real PostgreSQL
 * and Redis (DATABASE_URL, REDIS_URL), each file in its own schema and key prefix. The
 * randomised race soak (test/engine/races.test.ts) is left out: seconds per run, and it asserts
 * invariants the contract tests already pin per mutant.
 */
export default defineConfig({
  test: {
    include: [
      'test/engine/queueContract.test.ts',
      'test/engine/planLifecycle.test.ts',
      'test/readiness/**/*.test.ts',
      'test/epochs/**/*.test.ts',
      'test/github/deliveries.test.ts',
      'test/github/deliveryTakeover.test.ts',
      'test/mutation/engine/**/*.test.ts',
    ],
    setupFiles: ['test/support/githubGuard.ts'],
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

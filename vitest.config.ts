import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every GitHub request in every test is checked against GitHub's API description, and an
    // unmatched request or an unused mock fails the test (test/support/githubGuard.ts).
    setupFiles: ['test/support/githubGuard.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores here: more workers than that only adds contention with Postgres itself.
    maxWorkers: 2,
  },
});

// Mutation testing of the engine and the webhook deliveries (`npm run test:mutation:engine`):
// slower tests (real PostgreSQL and Redis), so only mutants whose code or tests changed since
// the last run are tested again (incremental, file committed under reports/), and each mutant
// runs only the tests that cover it (perTest).
import pure from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...pure,
  vitest: { configFile: 'test/mutation/vitest.engine.config.ts' },
  // The engine's importers span app/: it keeps the whole-app type check.
  tsconfigFile: 'tsconfig.stryker.json',
  mutate: ['app/engine/**/*.ts', '!app/engine/types.ts', 'app/github/ingest/deliveryProcessor.ts', 'app/github/ingest/receiveDelivery.ts'],
  incremental: true,
  incrementalFile: 'reports/stryker-incremental-engine.json',
  jsonReporter: { fileName: 'reports/mutation/engine/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/engine/mutation.html' },
  thresholds: { high: 80, low: 70, break: null },
  // Database round trips: give a slow mutant room before calling it a timeout.
  timeoutMS: 30_000,
};

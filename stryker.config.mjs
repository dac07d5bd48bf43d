// Mutation testing of the pure modules (`npm run test:mutation`). The engine and webhook
// deliveries have their own, incremental config: stryker.engine.config.mjs.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation/vitest.pure.config.ts' },
  // Mutants that do not compile are dropped before any test runs. The checker compiles only the
  // mutated modules and their imports (tsconfig.stryker.pure.json), not the tests, benches or the
  // rest of app/: a whole-app check per mutant made it the bottleneck.
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.stryker.pure.json',
  mutate: [
    'app/core/**/*.ts',
    'app/plan/parse/**/*.ts',
    'app/plan/schedule/**/*.ts',
    'app/progress/maths.ts',
    'app/github/commands/parse.ts',
  ],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants) would each rerun every test: ~60% of the mutants
  // for 99% of the time. They are reported as ignored, not counted.
  ignoreStatic: true,
  // Two cores, shared: more workers only queue behind each other.
  concurrency: 2,
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 90, low: 85, break: null },
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

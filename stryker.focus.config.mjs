// A focused pure run, for one file or folder at a time on a loaded machine:
//   MUTATION_FOCUS=cmdparse MUTATION_TESTS='test/core/commandParse*.test.ts,test/github/pure.test.ts' \
//     npx stryker run stryker.focus.config.mjs --mutate app/github/commands/parse.ts --concurrency 1
// Its reports, incremental file and temp dir are named after MUTATION_FOCUS (under reports/runs/,
// gitignored), so focused runs neither overwrite the full run's report nor each other.
import pure from './stryker.config.mjs';

const name = process.env.MUTATION_FOCUS ?? 'focus';
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...pure,
  vitest: { configFile: 'test/mutation/vitest.focus.config.ts' },
  incremental: true,
  incrementalFile: `reports/runs/${name}.incremental.json`,
  jsonReporter: { fileName: `reports/runs/${name}.json` },
  htmlReporter: { fileName: `reports/runs/${name}.html` },
  tempDirName: `.stryker-tmp-${name}`,
  // Each tested mutant is also written as it comes (scripts/mutationSurvivors.mjs reads them), so a
  // run stopped by its time bound still gives a measured, if partial, figure.
  reporters: [...pure.reporters, 'event-recorder'],
  eventReporter: { baseDir: `reports/runs/${name}-events` },
  // Focused runs may overlap: no run copies another's sandbox (or the reports) into its own.
  ignorePatterns: ['/.stryker-tmp*/', '/reports/'],
  concurrency: 1,
};

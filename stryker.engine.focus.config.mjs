// A focused engine run, for one module at a time beside a full engine run:
//   MUTATION_FOCUS=deliveries npx stryker run stryker.engine.focus.config.mjs \
//     --mutate app/github/ingest/deliveryProcessor.ts,app/github/ingest/receiveDelivery.ts --concurrency 2
// Its reports, incremental file, sandbox and tested-mutant events are named after MUTATION_FOCUS
// under reports/runs/ (node scripts/mutationSurvivors.mjs reports/runs/<name>-events reads them).
import engine from './stryker.engine.config.mjs';

const name = process.env.MUTATION_FOCUS ?? 'engine-focus';
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...engine,
  incrementalFile: `reports/runs/${name}.incremental.json`,
  jsonReporter: { fileName: `reports/runs/${name}.json` },
  htmlReporter: { fileName: `reports/runs/${name}.html` },
  tempDirName: `.stryker-tmp-${name}`,
  reporters: [...engine.reporters, 'event-recorder'],
  eventReporter: { baseDir: `reports/runs/${name}-events` },
  ignorePatterns: ['/.stryker-tmp*/', '/reports/'],
};

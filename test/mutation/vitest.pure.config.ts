import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against the pure modules: only files that touch no database, Redis or
 * GitHub stand-in, so each mutant costs milliseconds.
 */
export default defineConfig({
  test: {
    include: [
      'test/plan/parsePlan.test.ts',
      'test/plan/parsePlanInTests.test.ts',
      'test/plan/planParseUnits.test.ts',
      'test/plan/planParseSurvivors.test.ts',
      'test/plan/planParserMutants.test.ts',
      'test/plan/planParseSurvivors22.test.ts',
      'test/plan/splitMarkdownCuts.test.ts',
      'test/plan/planLineEndings.test.ts',
      'test/plan/footprint.test.ts',
      'test/plan/footprintEdges.test.ts',
      'test/plan/schedule.test.ts',
      'test/plan/scheduleKernel.test.ts',
      'test/plan/scheduleResult.test.ts',
      'test/plan/criticalPathTails.test.ts',
      'test/plan/dependencyGraphInputs.test.ts',
      'test/plan/simulateReadySet.test.ts',
      'test/progress/maths.test.ts',
      'test/progress/mathsBoundaries.test.ts',
      'test/github/pure.test.ts',
      'test/core/**/*.test.ts',
      'test/mutation/**/*.test.ts',
    ],
    // The scale tests (10 MB of text, 10,000 tasks) measure size limits, not logic: each would
    // cost seconds per mutant and kills nothing the small cases do not.
    testNamePattern: /^(?!.*(10 MB|10,000)).*$/,
    // Stryker switches mutants at run time, so test files need not be re-imported per mutant run.
    isolate: false,
    testTimeout: 60_000,
  },
});

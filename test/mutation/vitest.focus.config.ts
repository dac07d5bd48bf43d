import { defineConfig, mergeConfig } from 'vitest/config';
import pure from './vitest.pure.config';

/**
 * A focused pure run (stryker.focus.config.mjs): only the test files named in MUTATION_TESTS
 * (comma-separated globs), so the dry run and each mutant's test selection skip the suites that
 * cannot reach the mutated file. Without MUTATION_TESTS it is the pure config unchanged.
 */
const only = process.env.MUTATION_TESTS?.split(',').filter(Boolean);
export default only?.length ? mergeConfig(pure, defineConfig({ test: { include: only } }), false) : pure;

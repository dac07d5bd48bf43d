import type { ViteUserConfig as UserConfig } from 'vitest/config';
import pure from './vitest.pure.config.js';

/**
 * A focused pure run (stryker.focus.config.mjs): only the test files named in MUTATION_TESTS
 * (comma-separated globs), so the dry run and each mutant's test selection skip the suites that
 * cannot reach the mutated file. Without MUTATION_TESTS it is the pure config unchanged.
 * (Not mergeConfig: it concatenates `include` lists instead of replacing the pure one.)
 */
const only = process.env.MUTATION_TESTS?.split(',').filter(Boolean);
const base = pure as UserConfig;
export default only?.length ? { ...base, test: { ...base.test, include: only } } : base;

/** Plan → issues: the plan (./plan.ts), issue bodies (./issueBody.ts), the diff (./diff.ts), applying it (./apply.ts), the report (./report.ts). */
export * from './plan.js';
export * from './issueBody.js';
export * from './diff.js';
export * from './apply.js';
export * from './report.js';
export { loadPlanParser, parseWith, planHooks, type ParsePlanFn } from './planHooks.js';

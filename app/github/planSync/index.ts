/** Plan → issues (the plan is schema/plan.ts's `Plan`): issue bodies (./issueBody.ts), the diff (./diff.ts), applying it (./apply.ts), the report (./report.ts). */
export * from './issueBody.js';
export * from './diff.js';
export * from './apply.js';
export * from './report.js';
export { loadPlanParser, parseWith, planHooks, type ParsePlanFn } from './planHooks.js';

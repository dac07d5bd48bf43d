import { errorText, httpStatus } from '../types.js';

/**
 * What GitHub Enterprise Server lacks, decided in one place. Each answer below is how an older
 * server refuses a feature github.com has; the gateway (./octokitGateway.ts) and the plan sync's
 * link step (app/github/planSync/relations.ts) fall back on it:
 *  - workflow_dispatch `return_run_details` → 400/422 naming the parameter: dispatch without it,
 *    and do not ask that server again;
 *  - issue dependencies (blocked by) → 404/410/501: the dependency stays in the issue body;
 *  - the addSubIssue/addBlockedBy GraphQL mutations → any GraphQL refusal: link one by one over REST.
 */

export type GhesFeature = 'return_run_details';

/** Features a server refused, per app (the key is the app's deps object, so tests stay apart). */
const lacking = new WeakMap<object, Set<GhesFeature>>();

export function lacks(server: object, feature: GhesFeature): boolean {
  return lacking.get(server)?.has(feature) ?? false;
}

export function markLacking(server: object, feature: GhesFeature): void {
  const set = lacking.get(server) ?? new Set<GhesFeature>();
  set.add(feature);
  lacking.set(server, set);
}

/** The server refused `return_run_details` on a workflow dispatch. */
export function runDetailsRefused(err: unknown): boolean {
  const s = httpStatus(err);
  return (s === 400 || s === 422) && /return_run_details/i.test(errorText(err));
}

/** The server has no issue dependencies (the blocked-by endpoints). */
export function issueDependenciesMissing(err: unknown): boolean {
  const s = httpStatus(err);
  return s === 404 || s === 410 || s === 501;
}

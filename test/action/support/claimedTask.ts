import type { ClaimedTask } from '../../../action/src/orchestratorClient.js';

/**
 * Task 2.3 as the claim answer serves it to the Action (assigned, first attempt, epoch 1); a test
 * gives the text and dependencies it is about.
 */
export function claimedTask(over: Partial<ClaimedTask> = {}): ClaimedTask {
  return {
    id: 7,
    project_id: 1,
    key: '2.3',
    footprint: [],
    title: 'Add the OIDC verifier',
    body: 'Verify tokens.',
    deliverables: [],
    epic_key: '2',
    issue_number: 41,
    branch: null,
    estimated_hours: 3,
    priority: 0,
    critical_path_hours: 3,
    status: 'assigned',
    ready: false,
    held: false,
    pr_number: null,
    pr_url: null,
    required_pool: null,
    required_capabilities: [],
    attempts: 1,
    lease_epoch: 1,
    lease_expires_at: '2026-01-01T01:00:00.000Z',
    failure_reason: null,
    ready_since: null,
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    round: 0,
    pr_state: null,
    dependencies: [],
    ...over,
  };
}

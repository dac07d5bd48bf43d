import type { ApplicationFunction, Context, Probot } from 'probot';
import type { EmitterWebhookEventName } from '@octokit/webhooks';
import { repoCtx, type FleetAppDeps } from '../context.js';
import { onIssue } from '../handlers/issues.js';
import { onPullRequest, onReview } from '../handlers/pullRequests.js';
import { onCheckRun, onCheckSuite, onMergeGroup, onStatus } from '../handlers/checks.js';
import { onWorkflowJob, onWorkflowRun } from '../handlers/workflowRuns.js';
import type { RepoHandler, WebhookPayload } from '../handlers/payloads.js';
import { onPush } from '../handlers/push.js';
import { onInstallation } from '../handlers/installation.js';
import { onComment } from '../commands/handler.js';

export type { FleetAppDeps } from '../context.js';

/**
 * The Probot app: wires GitHub events to the handlers in ./handlers and ./commands. Everything
 * with a repository goes through `repoCtx` (project row, config); errors propagate to the
 * delivery processor, which records them and retries the delivery.
 */
export function fleetApp(deps: FleetAppDeps): ApplicationFunction {
  return (app: Probot) => {
    // Each handler is typed for exactly the events it is registered for; Probot hands over the
    // payload of one of them (it routes by name and action), so the payload is that event's.
    const on = <E extends EmitterWebhookEventName>(events: E[], handler: RepoHandler<E>) => {
      app.on(events, async (context) => {
        const ctx = await repoCtx(context as unknown as Context, deps);
        if (!ctx) return;
        await handler(ctx, context.payload as WebhookPayload<E>);
      });
    };

    on(['issues.opened', 'issues.edited', 'issues.labeled', 'issues.unlabeled', 'issues.closed', 'issues.reopened'], onIssue);
    on(['issue_comment.created'], onComment);
    on(
      [
        'pull_request.opened',
        'pull_request.reopened',
        'pull_request.ready_for_review',
        'pull_request.synchronize',
        'pull_request.closed',
      ],
      onPullRequest,
    );
    on(['pull_request_review.submitted', 'pull_request_review.dismissed'], onReview);
    on(['check_run.completed'], onCheckRun);
    on(['check_suite.completed'], onCheckSuite);
    on(['status'], onStatus);
    on(['workflow_run.requested', 'workflow_run.in_progress', 'workflow_run.completed'], onWorkflowRun);
    on(['workflow_job.queued', 'workflow_job.in_progress', 'workflow_job.completed'], onWorkflowJob);
    on(['merge_group'], onMergeGroup);
    on(['push'], onPush);

    app.on(['installation', 'installation_repositories'], async (context) => {
      await onInstallation(deps, context.name, context.payload);
    });
  };
}

import type { EmitterWebhookEvent, EmitterWebhookEventName } from '@octokit/webhooks';
import type { RepoCtx } from '../context.js';

/** A webhook's payload as @octokit/webhooks types it, for the events (`name.action`) a handler is registered for. */
export type WebhookPayload<E extends EmitterWebhookEventName> = EmitterWebhookEvent<E>['payload'];

/** A handler of repository events `E` (app/github/ingest/fleetApp.ts registers it for exactly those). */
export type RepoHandler<E extends EmitterWebhookEventName> = (ctx: RepoCtx, payload: WebhookPayload<E>) => Promise<void>;

import type { RepoCtx } from '../context.js';
import type { EvidenceInput } from '../ports.js';

/**
 * Records what a webhook delivery says about a task: the project, source and delivery id (which
 * with task and type make the row idempotent) are the delivery's own. False when already recorded.
 */
export function recordWebhookEvidence(
  ctx: RepoCtx,
  taskId: number,
  type: EvidenceInput['type'],
  e: { ref: string | null; url: string | null; metadata: Record<string, unknown> },
): Promise<boolean> {
  return ctx.deps.port.recordEvidence({ projectId: ctx.project.id, taskId, type, ref: e.ref, url: e.url, source: 'webhook', deliveryId: ctx.deliveryId, metadata: e.metadata });
}

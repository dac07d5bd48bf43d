/**
 * Webhook deliveries as the DeliveryProcessor (app/github/deliveries.ts) finishes them: it calls
 * `webhookMetrics.processed(event)` once a delivery's handlers succeeded and
 * `webhookMetrics.failed(event)` when an attempt failed. Queue depth and lag are read from
 * Postgres at scrape time instead (fleetMetrics.ts); these are the events only the processor sees.
 */

export type WebhookOutcome = 'processed' | 'failed';
type Listener = (outcome: WebhookOutcome, event: string) => void;
const listeners = new Set<Listener>();

export function onWebhookOutcome(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function report(outcome: WebhookOutcome, event: string): void {
  for (const fn of listeners) {
    try {
      fn(outcome, event);
    } catch {
      // A metrics listener never fails webhook processing.
    }
  }
}

export const webhookMetrics = {
  processed: (event: string) => report('processed', event),
  failed: (event: string) => report('failed', event),
};

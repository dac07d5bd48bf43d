import type { Engine } from '../engine/engine.js';
import type { EngineEventType } from '../engine/types.js';
import { FleetError } from '../core/errors.js';

export type ClaimResult = 'claimed' | 'empty' | 'refused' | 'error';

export interface EngineObserver {
  /** Every Engine.claim call: the API's agents and jobs, and the App's claims before a dispatch. */
  claim(result: ClaimResult): void;
  /** Every event this process publishes (not the ones other processes publish on the shared bus). */
  published(type: EngineEventType, data: unknown): void;
}

/**
 * Observes one engine instance from outside: wraps its claim() and its event bus's publish().
 * Why not subscribe to the bus: the engine publishes only successful claims, and with Redis
 * every replica receives every replica's events, so counting received events would count each
 * lease expiry once per replica. Publishing happens once, in the process that did the work.
 * Returns a function that puts both methods back.
 */
export function tapEngine(engine: Engine, observer: EngineObserver): () => void {
  const claim = engine.claim;
  const hadOwnClaim = Object.prototype.hasOwnProperty.call(engine, 'claim');
  const tappedClaim: Engine['claim'] = async (...args) => {
    let result: ClaimResult = 'error';
    try {
      const c = await claim.apply(engine, args);
      result = c ? 'claimed' : 'empty';
      return c;
    } catch (err) {
      result = err instanceof FleetError && err.status < 500 ? 'refused' : 'error';
      throw err;
    } finally {
      safely(() => observer.claim(result));
    }
  };
  engine.claim = tappedClaim;

  const bus = engine.events;
  const publish = bus.publish;
  const hadOwnPublish = Object.prototype.hasOwnProperty.call(bus, 'publish');
  const tappedPublish: typeof bus.publish = (type, data) => {
    safely(() => observer.published(type, data));
    publish.call(bus, type, data);
  };
  bus.publish = tappedPublish;

  return () => {
    if (engine.claim === tappedClaim) {
      if (hadOwnClaim) engine.claim = claim;
      else delete (engine as { claim?: unknown }).claim;
    }
    if (bus.publish === tappedPublish) {
      if (hadOwnPublish) bus.publish = publish;
      else delete (bus as { publish?: unknown }).publish;
    }
  };
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Metrics never break the work they observe.
  }
}

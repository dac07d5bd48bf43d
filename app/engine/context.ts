import type { Db } from '../store/db.js';
import type { EventBus } from './events.js';
import type { Clock } from './clock.js';
import type { ReadyIndex } from './readyIndex.js';

export interface EngineLog {
  warn(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
}

/** What every engine use case shares: the database, the ready index, the event bus, the clock and the defaults. */
export interface EngineContext {
  readonly db: Db;
  readonly events: EventBus;
  readonly index: ReadyIndex;
  readonly now: Clock;
  readonly log: EngineLog;
  /** Lease length when the project sets none. */
  readonly leaseTtlSeconds: number;
  /** Attempt limit when the project sets none. */
  readonly maxAttempts: number;
  /** Issue 15: a failed attempt waits out its backoff (projects.backoff) before it is ready again. */
  readonly retryBackoff?: boolean;
}

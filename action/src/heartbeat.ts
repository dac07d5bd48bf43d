import type { Clock } from './clock.js';
import type { BeatAnswer } from './orchestratorClient.js';
import { LeaseSupersededError } from './orchestratorClient.js';

export interface HeartbeatOptions {
  intervalMs: number;
  clock: Clock;
  /** One heartbeat; the client retries transient failures itself. */
  beat: (signal: AbortSignal) => Promise<BeatAnswer>;
  /** Called once when a beat's answer says stop (a spent budget, a pause with stop, /fleet stop); beats go on. */
  onStop?: (stop: NonNullable<BeatAnswer['stop']>) => void;
  /** Called once when the orchestrator says the claim was superseded. */
  onStale: (err: LeaseSupersededError) => void;
  onFailure?: (err: unknown, consecutive: number) => void;
  onRecovered?: (failedBeats: number) => void;
}

export interface HeartbeatStats {
  sent: number;
  ok: number;
  failed: number;
  stale: boolean;
  lastLease: BeatAnswer | undefined;
  /** The stop the orchestrator asked for, if any. */
  stop?: NonNullable<BeatAnswer['stop']> | undefined;
}

export interface Heartbeat {
  readonly stats: HeartbeatStats;
  /** Stops the loop and waits for a beat in flight to settle; no beat is sent after this resolves. */
  stop(): Promise<void>;
}

/**
 * Sends heartbeats every `intervalMs` until stopped or superseded. A failed beat (orchestrator
 * unreachable) is logged and the loop carries on, so beats resume once it is back; a stale
 * epoch ends the loop for good.
 */
export function startHeartbeat(opts: HeartbeatOptions): Heartbeat {
  const stats: HeartbeatStats = { sent: 0, ok: 0, failed: 0, stale: false, lastLease: undefined };
  const controller = new AbortController();
  let consecutive = 0;

  const loop = (async () => {
    while (!controller.signal.aborted) {
      await opts.clock.sleep(opts.intervalMs, controller.signal);
      if (controller.signal.aborted) break;
      stats.sent++;
      try {
        stats.lastLease = await opts.beat(controller.signal);
        stats.ok++;
        if (stats.lastLease.stop && !stats.stop) {
          stats.stop = stats.lastLease.stop;
          opts.onStop?.(stats.stop);
        }
        if (consecutive > 0) opts.onRecovered?.(consecutive);
        consecutive = 0;
      } catch (err) {
        if (err instanceof LeaseSupersededError) {
          stats.stale = true;
          controller.abort();
          opts.onStale(err);
          break;
        }
        if (controller.signal.aborted) break;
        stats.failed++;
        consecutive++;
        opts.onFailure?.(err, consecutive);
      }
    }
  })();

  return {
    stats,
    async stop() {
      controller.abort();
      await loop;
    },
  };
}

import type { Db } from '../store/db.js';
import type { Engine } from '../engine/engine.js';
import type { Clock } from '../engine/clock.js';
import { GuardRails } from './guardRails.js';

const byEngine = new WeakMap<Engine, GuardRails>();

/**
 * The one GuardRails of an engine: the server's boot, its routes, its periodic round and the
 * GitHub App share it (and with it the engine's clock, when a test injects one).
 */
export function guardsFor(o: { db: Db; engine: Engine; now?: Clock }): GuardRails {
  let g = byEngine.get(o.engine);
  if (!g) {
    g = new GuardRails(o);
    byEngine.set(o.engine, g);
  }
  return g;
}

/** Boot: the engine asks the guard rails before each hand-out (paused project, open circuit). */
export function installGuardRails(o: { db: Db; engine: Engine; now?: Clock }): GuardRails {
  const g = guardsFor(o);
  o.engine.setClaimGate((pool, projectId) => g.mayClaim(pool, projectId));
  return g;
}

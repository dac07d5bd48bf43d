import type { Queryable } from '../../store/db.js';
import type { EffectStore } from '../ports.js';
import { beginEffect } from './effects/beginEffect.js';
import { effectByKey } from './effects/effectByKey.js';
import { noteEffect } from './effects/noteEffect.js';
import { finishEffect } from './effects/finishEffect.js';
import { listEffects } from './effects/listEffects.js';
import { pruneEffects } from './effects/pruneEffects.js';
import { pruneReplySlots } from './effects/pruneReplySlots.js';
import { claimReplySlot } from './effects/claimReplySlot.js';
import { unrecordedPoolClaim } from './effects/unrecordedPoolClaim.js';

/** github_effects (migration 0010) and github_command_replies over Postgres: the record of a delivery's GitHub writes. */
export function createEffectStore(db: Queryable): EffectStore {
  return {
    async begin(deliveryId, key, intent) {
      const row = await beginEffect(db, deliveryId, key, intent);
      if (row) return { row, fresh: true };
      return { row: (await effectByKey(db, deliveryId, key))!, fresh: false };
    },
    note: (deliveryId, key, intent) => noteEffect(db, deliveryId, key, intent),
    unrecordedPoolClaim: (projectId, pool, since) => unrecordedPoolClaim(db, projectId, pool, since),
    finish: (deliveryId, key, result) => finishEffect(db, deliveryId, key, result),
    list: (deliveryId, prefix) => listEffects(db, deliveryId, prefix),
    async prune(before, replyWindowSeconds) {
      return (await pruneEffects(db, before)) + (await pruneReplySlots(db, replyWindowSeconds));
    },
    claimReplySlot: (projectId, issueNumber, login, deliveryId, windowSeconds) => claimReplySlot(db, projectId, issueNumber, login, deliveryId, windowSeconds),
  };
}

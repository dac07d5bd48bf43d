import { describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../app/engine/events.js';
import type { EngineEvent } from '../../app/engine/types.js';

/** Issue 13 (engine survivors): a listener that unsubscribed, or a closed bus, hears nothing more. */
describe('the in-process event bus', () => {
  it('stops delivering to a listener once it unsubscribes, and to every listener once closed', async () => {
    const bus = new LocalEventBus();
    const a: EngineEvent[] = [];
    const b: EngineEvent[] = [];
    const offA = bus.subscribe((e) => a.push(e));
    bus.subscribe((e) => b.push(e));
    bus.publish('task.updated', { id: 1 });
    offA();
    bus.publish('task.updated', { id: 2 });
    expect(a.map((e) => e.data)).toEqual([{ id: 1 }]);
    expect(b.map((e) => e.data)).toEqual([{ id: 1 }, { id: 2 }]);
    await bus.close();
    bus.publish('task.updated', { id: 3 });
    expect(b).toHaveLength(2);
  });
});

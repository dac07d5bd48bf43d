import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { EngineEvent, EngineEventType } from './types.js';

export type EventListener = (e: EngineEvent) => void;

/** Fan-out of engine events to WebSocket clients: in process, or across processes through Redis. */
export interface EventBus {
  publish(type: EngineEventType, data: unknown): void;
  subscribe(fn: EventListener): () => void;
  close(): Promise<void>;
}

export class LocalEventBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  publish(type: EngineEventType, data: unknown): void {
    this.deliver({ type, data, at: new Date().toISOString() });
  }
  protected deliver(e: EngineEvent): void {
    this.emitter.emit('event', e);
  }
  subscribe(fn: EventListener): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/**
 * Every process publishes to one Redis channel and delivers what it receives back, its own
 * events included, so each WebSocket client sees each event once whichever process it talks to.
 */
export class RedisEventBus extends LocalEventBus {
  /**
   * Ids of events already delivered here. A PUBLISH that times out on the client may still reach
   * Redis: the local fallback delivery and Redis's echo would then both arrive. Each event carries
   * an id, and the second arrival is dropped (bounded memory: the oldest ids are forgotten).
   */
  private readonly delivered = new Set<string>();
  private readonly origin = randomBytes(6).toString('hex');
  private seq = 0;

  private remember(id: string): void {
    this.delivered.add(id);
    if (this.delivered.size > 10_000) this.delivered.delete(this.delivered.values().next().value!);
  }

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly channel: string,
  ) {
    super();
  }

  static async create(pub: Redis, channel: string): Promise<RedisEventBus> {
    const sub = pub.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    const bus = new RedisEventBus(pub, sub, channel);
    sub.on('message', (_ch: string, msg: string) => {
      try {
        const { eid, ...e } = JSON.parse(msg) as EngineEvent & { eid?: unknown };
        if (typeof eid === 'string') {
          if (bus.delivered.has(eid)) return;
          bus.remember(eid);
        }
        bus.deliver(e);
      } catch {
        // A foreign message on our channel is ignored rather than crashing the process.
      }
    });
    sub.on('error', () => undefined);
    await sub.subscribe(channel);
    return bus;
  }

  override publish(type: EngineEventType, data: unknown): void {
    const e: EngineEvent = { type, data, at: new Date().toISOString() };
    const eid = `${this.origin}:${++this.seq}`;
    this.pub.publish(this.channel, JSON.stringify({ ...e, eid })).catch(() => {
      if (this.delivered.has(eid)) return;
      this.remember(eid);
      this.deliver(e);
    });
  }

  override async close(): Promise<void> {
    await super.close();
    this.sub.disconnect();
  }
}

import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Queryable } from '../store/db.js';
import type { ClaimFilter } from './claimFilter.js';
import { proposalOf, type ClaimPorts, type ClaimStep, type Proposal } from './claimStrategy.js';
import { CONFLICT_WINDOW, chooseAvoidingConflicts } from './chooseAvoidingConflicts.js';
import { footprintProjects } from './sql/footprintProjects.js';
import { windowOf } from './sql/readyWindow.js';
import { QueueUnavailableError, type QueueEntry, type ReadyQueue } from './readyQueue.js';
import { poppedClaim } from './poppedClaim.js';
import { readyCounts } from './sql/readyCounts.js';
import { readyEntriesAfter, readyEntriesSince, unreadySince } from './sql/readyEntries.js';
import { loadLua } from './loadLua.js';
import { queueMember, queueScore, routeAllows, routeOf } from '../core/queueOrder.js';
import { describeError } from '../core/describeError.js';

const CLAIM_NEXT_LUA = loadLua('claimNext');
const READY_WINDOW_LUA = loadLua('readyWindow');

type RedisWithClaim = Redis & {
  claimNext(routesKey: string, builtKey: string, footprintsKey: string, prefix: string, pool: string, caps: string, project: string, check: string): Promise<string | number | null>;
  readyWindow(routesKey: string, builtKey: string, prefix: string, pool: string, caps: string, project: string, limit: number): Promise<string[] | number>;
};

/**
 * Ready tasks as sorted sets in Redis, one per route (pool and/or capability set). Redis is an
 * index, never the record: it can be dropped at any time and rebuilt from Postgres.
 */
export class RedisQueue implements ReadyQueue {
  readonly kind = 'redis' as const;
  private readonly redis: RedisWithClaim;
  private readonly routesKey: string;
  private readonly builtKey: string;
  /** Projects some of whose tasks name files (projects.footprint_tasks > 0), for claimNext.lua. */
  private readonly footprintsKey: string;

  constructor(
    redis: Redis,
    private readonly prefix = 'fleet:',
    /** The clock (ms since the epoch); tests may inject one. */
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('claimNext', { numberOfKeys: 3, lua: CLAIM_NEXT_LUA });
    redis.defineCommand('readyWindow', { numberOfKeys: 2, lua: READY_WINDOW_LUA });
    this.redis = redis as RedisWithClaim;
    this.routesKey = `${prefix}routes`;
    this.builtKey = `${prefix}built`;
    this.footprintsKey = `${prefix}footprints`;
  }

  private readyKey(route: string): string {
    return `${this.prefix}ready:${route}`;
  }

  private async guard<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new QueueUnavailableError(`redis ${op} failed: ${describeError(err)}`, { cause: err });
    }
  }

  async next(_tx: Queryable, f: ClaimFilter): Promise<number | null> {
    const res = await this.pop(f, false);
    return res === 'footprints' ? null : res;
  }

  /** The claimNext.lua pop; with `check`, nothing is popped where tasks name files ('footprints'). */
  private async pop(f: ClaimFilter, check: boolean): Promise<number | null | 'footprints'> {
    const res = await this.guard('claim', () =>
      this.redis.claimNext(
        this.routesKey,
        this.builtKey,
        this.footprintsKey,
        this.prefix,
        f.pool,
        f.capabilities.join(','),
        f.projectId === undefined ? '' : String(f.projectId),
        check ? '1' : '0',
      ),
    );
    if (res === -1) throw new QueueUnavailableError('redis ready index is missing (restart or FLUSHALL): rebuild needed');
    if (res === -2) return 'footprints';
    if (res === null || res === undefined) return null;
    return Number(res);
  }

  async claim<C>(ports: ClaimPorts<C>, agentId: number, projectId: number | undefined): Promise<ClaimStep<C>> {
    let plain = false;
    const step = await poppedClaim(
      async (db, f) => {
        const p = await this.propose(db, f);
        plain = p.id !== null && p.conflictsChecked !== true;
        return p;
      },
      ports,
      agentId,
      projectId,
    );
    // Postgres refused a plain pop: perhaps because the task names files the index did not know
    // of (the first footprint of a project arrived after the last sync). Learn it before the retry.
    if (step.kind === 'refused' && plain) await this.syncFootprints(ports.db);
    return step;
  }

  /**
   * What this claimer should take. Where tasks name files (the index's footprints set, checked by
   * the pop itself, so a plain claim asks nothing extra), the index proposes its top entries for
   * the claimer (readyWindow.lua), the choice avoids the ones overlapping work under way, and the
   * chosen entry comes out of its set; Postgres then commits the claim or refuses it. Otherwise
   * the usual pop, whose claim Postgres refuses if the task names files after all.
   */
  async propose(db: Queryable, f: ClaimFilter): Promise<Proposal> {
    const popped = await this.pop(f, true);
    if (popped !== 'footprints') return proposalOf(popped);
    const entries = await this.window(f, CONFLICT_WINDOW);
    const window = await windowOf(db, entries.map((e) => Number(e.member)));
    // A window of stale entries only: the usual pop takes one out, and Postgres refuses it.
    if (!window.length) return proposalOf(await this.next(db, f));
    const choice = await chooseAvoidingConflicts(db, window);
    if (choice.id === null) return choice;
    const chosen = entries.find((e) => Number(e.member) === choice.id)!;
    // Zero removed: another claimer took it out first; Postgres decides which claim commits.
    await this.guard('claim', () => this.redis.zrem(chosen.key, chosen.member));
    return { id: choice.id, conflictsChecked: true };
  }

  /** Rewrites the index's set of projects whose tasks name files from Postgres. */
  async syncFootprints(db: Queryable): Promise<void> {
    const pids = await footprintProjects(db);
    await this.guard('footprints', () => this.footprintsInto(this.redis.multi(), pids).exec());
  }

  /** Queues the replacement of the footprints set (projects whose tasks name files) on `m`. */
  private footprintsInto<M extends ReturnType<Redis['multi']>>(m: M, pids: readonly number[]): M {
    m.del(this.footprintsKey);
    if (pids.length) m.sadd(this.footprintsKey, ...pids.map(String));
    return m;
  }

  /** The index's top `limit` entries for the claimer, best first, left in place. */
  async window(f: ClaimFilter, limit: number): Promise<{ key: string; member: string }[]> {
    const res = await this.guard('claim', () =>
      this.redis.readyWindow(this.routesKey, this.builtKey, this.prefix, f.pool, f.capabilities.join(','), f.projectId === undefined ? '' : String(f.projectId), limit),
    );
    if (res === -1) throw new QueueUnavailableError('redis ready index is missing (restart or FLUSHALL): rebuild needed');
    const flat = Array.isArray(res) ? res : [];
    const out: { key: string; member: string }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ key: flat[i]!, member: flat[i + 1]! });
    return out;
  }

  async add(entries: QueueEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.guard('add', async () => {
      const m = this.redis.multi();
      for (const e of entries) {
        const route = `${e.projectId}/${routeOf(e)}`;
        m.sadd(this.routesKey, route);
        m.zadd(this.readyKey(route), queueScore(e), queueMember(e.id));
      }
      await m.exec();
    });
  }

  async remove(ids: number[]): Promise<void> {
    if (!ids.length) return;
    await this.guard('remove', async () => {
      const routes = await this.redis.smembers(this.routesKey);
      const m = this.redis.multi();
      // A task may have been re-routed since it was added; remove it from every set.
      for (const route of routes) m.zrem(this.readyKey(route), ...ids.map(queueMember));
      await m.exec();
    });
  }

  async rebuild(db: Queryable): Promise<number> {
    const started = new Date(this.now() - 1000);
    const gen = randomBytes(6).toString('hex');
    const tmp = (route: string) => `${this.prefix}rebuild:${gen}:${route}`;
    const routes = new Set<string>();
    let count = 0;
    let after = 0;
    return this.guard('rebuild', async () => {
      try {
        for (;;) {
          const rows = await readyEntriesAfter(db, after, 5000);
          if (!rows.length) break;
          const m = this.redis.multi();
          for (const e of rows) {
            const route = `${e.projectId}/${routeOf(e)}`;
            routes.add(route);
            m.zadd(tmp(route), queueScore(e), queueMember(e.id));
          }
          await m.exec();
          count += rows.length;
          after = rows[rows.length - 1]!.id;
        }
        const withFiles = await footprintProjects(db);
        const old = await this.redis.smembers(this.routesKey);
        // One MULTI swaps the new sets in, so a claimer never sees a half-built index.
        const swap = this.redis.multi();
        for (const r of old) if (!routes.has(r)) swap.del(this.readyKey(r));
        swap.del(this.routesKey);
        for (const r of routes) {
          swap.rename(tmp(r), this.readyKey(r));
          swap.sadd(this.routesKey, r);
        }
        this.footprintsInto(swap, withFiles);
        swap.set(this.builtKey, gen);
        await swap.exec();
      } finally {
        const leftovers = [...routes].map(tmp);
        if (leftovers.length) await this.redis.del(...leftovers).catch(() => undefined);
      }
      // Tasks that became ready while we read are re-added so the swap cannot hide them; tasks
      // claimed (or held, or blocked) meanwhile come out, so the swap cannot bring them back as
      // stale entries at the top of the queue (each one a refused claim).
      await this.add(await readyEntriesSince(db, started));
      await this.remove(await unreadySince(db, started));
      return count;
    });
  }

  async intact(): Promise<boolean> {
    return this.guard('check', async () => (await this.redis.exists(this.builtKey)) === 1);
  }

  async repair(db: Queryable): Promise<number> {
    // Projects whose files all went stop paying for the conflict-aware choice from this round on.
    await this.syncFootprints(db);
    return this.guard('repair', async () => {
      const counts = await readyCounts(db);
      const routes = await this.redis.smembers(this.routesKey);
      const m = this.redis.multi();
      for (const r of routes) m.zcard(this.readyKey(r));
      const cards = (await m.exec()) ?? [];
      const indexed = new Map<string, number>();
      routes.forEach((r, i) => {
        const pid = r.slice(0, r.indexOf('/'));
        indexed.set(pid, (indexed.get(pid) ?? 0) + Number(cards[i]?.[1] ?? 0));
      });
      // A project whose sets hold fewer entries than it has ready tasks is missing some. More
      // entries than tasks are stale ones, which a claim skips (Postgres refuses them).
      const short = counts.filter((c) => (indexed.get(String(c.projectId)) ?? 0) < c.n).map((c) => c.projectId);
      if (!short.length) return 0;
      let added = 0;
      for (let after = 0; ; ) {
        const entries = await readyEntriesAfter(db, after, 5000, short);
        if (!entries.length) break;
        const p = this.redis.pipeline();
        for (const e of entries) p.zscore(this.readyKey(`${e.projectId}/${routeOf(e)}`), queueMember(e.id));
        const scores = (await p.exec()) ?? [];
        const missing = entries.filter((_, i) => scores[i]?.[1] === null || scores[i]?.[1] === undefined);
        await this.add(missing);
        added += missing.length;
        after = entries[entries.length - 1]!.id;
      }
      return added;
    });
  }

  async ordered(_db: Queryable, f: Partial<ClaimFilter>, limit: number): Promise<number[]> {
    return this.guard('read', async () => {
      const routes = (await this.redis.smembers(this.routesKey)).filter((member) => {
        const [pid, route] = [member.slice(0, member.indexOf('/')), member.slice(member.indexOf('/') + 1)];
        if (f.projectId !== undefined && pid !== String(f.projectId)) return false;
        return f.pool === undefined || routeAllows(route, f.pool, f.capabilities ?? []);
      });
      const merged: { member: string; score: number }[] = [];
      for (const r of routes) {
        const flat = await this.redis.zrange(this.readyKey(r), 0, limit - 1, 'WITHSCORES');
        for (let i = 0; i < flat.length; i += 2) merged.push({ member: flat[i]!, score: Number(flat[i + 1]) });
      }
      merged.sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : 1));
      return merged.slice(0, limit).map((m) => Number(m.member));
    });
  }

  /** Warns unless Redis will refuse writes rather than silently evict index entries. */
  async evictionPolicy(): Promise<string> {
    const res = (await this.redis.config('GET', 'maxmemory-policy')) as string[];
    return res[1] ?? 'unknown';
  }

  async close(): Promise<void> {}
}

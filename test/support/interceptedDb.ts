import type { Db, QueryResult } from '../../app/store/db.js';

/**
 * The real database, with a way to step into chosen statements: make one fail (a fault at exactly
 * that point) or hold its result back until the test lets it go (an interleaving that timing alone
 * would hit only now and then). Every statement still runs on the real server.
 */
export function interceptedDb(real: Db) {
  /** Every statement that came back from the server, in order, with how many rows it returned. */
  const finished: { sql: string; rows: number }[] = [];
  const rules: { match: RegExp; fail?: Error; hold?: { reached: () => void; gate: Promise<void> } }[] = [];
  const db: Db = {
    kind: real.kind,
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const i = rules.findIndex((r) => r.match.test(sql));
      const rule = i >= 0 ? rules.splice(i, 1)[0] : undefined;
      if (rule?.fail) throw rule.fail;
      const result = await real.query<R>(sql, params);
      finished.push({ sql, rows: result.rows.length });
      if (rule?.hold) {
        rule.hold.reached();
        await rule.hold.gate;
      }
      return result;
    },
    exec: (sql) => real.exec(sql),
    transaction: (fn) => real.transaction(fn),
    close: () => real.close(),
  };
  return {
    db,
    finished,
    /** The next statement matching `match` fails with `err` without reaching the server. */
    failNext(match: RegExp, err: Error): void {
      rules.push({ match, fail: err });
    },
    /** The next statement matching `match` runs, then its result waits for `release()`. */
    holdNext(match: RegExp): { reached: Promise<void>; release: () => void } {
      let reached!: () => void;
      let release!: () => void;
      const hold = { reached: () => reached(), gate: new Promise<void>((r) => (release = r)) };
      const wasReached = new Promise<void>((r) => (reached = r));
      rules.push({ match, hold });
      return { reached: wasReached, release: () => release() };
    },
  };
}

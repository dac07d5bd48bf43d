import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { checkout } from '../../app/store/pgDb.js';

/**
 * Issue 10, "Postgres restarted": in one bench:faults run the orchestrator exited on an unhandled
 * pg 'error' event ("terminating connection due to administrator command"). The pool drops its own
 * error listener as it hands a client over; the transaction attached its listener only after the
 * awaited connect resumed, and an error read in between (the same socket chunk, or a tick queued at
 * the hand-over) had no listener. `checkout` listens from the hand-over itself.
 */
const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let pool: pg.Pool | undefined;
afterEach(async () => {
  await pool?.end();
  pool = undefined;
});

describe('checkout', () => {
  it('hears an error raised at the hand-over, before the awaiting code resumes', async () => {
    pool = new pg.Pool({ connectionString: URL, max: 1 });
    pool.on('error', () => undefined);
    // The shutdown notice arrives right as the pool hands the client over.
    pool.on('acquire', (c) => process.nextTick(() => c.emit('error', new Error('terminating connection due to administrator command'))));
    const heard: Error[] = [];
    const client = await checkout(pool, (e) => heard.push(e));
    expect(heard.map((e) => e.message)).toEqual(['terminating connection due to administrator command']);
    client.release(heard[0]);
  });

  it('hands over a working client and reports a refused connection as a rejection', async () => {
    pool = new pg.Pool({ connectionString: URL, max: 1 });
    const client = await checkout(pool, () => undefined);
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    client.release();
    const dead = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2000 });
    dead.on('error', () => undefined);
    await expect(checkout(dead, () => undefined)).rejects.toThrow(/ECONNREFUSED|connect/);
    await dead.end();
  });
});

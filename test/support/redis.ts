import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/**
 * A Redis connection and a key prefix of this test file's own. No Redis is a failure with the
 * way to start one, never a silent pass.
 */
export async function freshRedis(label: string): Promise<{ redis: Redis; prefix: string; url: string; cleanup(): Promise<void> }> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (${(err as Error).message}). Start one with ` +
        `"redis-server --daemonize yes --save '' --appendonly no" or set REDIS_URL.`,
    );
  }
  const prefix = `test:${label}:${randomBytes(4).toString('hex')}:`;
  return {
    redis,
    prefix,
    url: REDIS_URL,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

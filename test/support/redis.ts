/**
 * The run's shared Redis (started by global-setup.ts).
 *
 * Test files run in parallel workers against the same server, so a test should keep its
 * keys and channels under its own uniquePrefix() instead of flushing the whole server.
 * Pub/sub channels are server-wide (not per logical database), which is why a prefix is
 * better than a separate `/<db>` per test.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

export function testRedisUrl(): string {
  const url = process.env.HERALD_TEST_REDIS_URL;
  if (!url) {
    throw new Error(
      'HERALD_TEST_REDIS_URL is not set: run the tests through jest (its globalSetup starts ' +
        'Redis) or set it to a Redis server the tests may write to.',
    );
  }
  return url;
}

/** A fresh key prefix such as `herald-test:presence:3f9a1c0b2d4e:`. */
export function uniquePrefix(label = 't'): string {
  return `herald-test:${label}:${randomBytes(6).toString('hex')}:`;
}

/**
 * Deletes the keys under `prefix`, or, without one, everything in the database (which
 * races with other workers: prefer a prefix).
 */
export async function flushRedis(prefix?: string, url = testRedisUrl()): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // reported through the failing command instead
  try {
    await redis.connect();
    if (prefix === undefined) {
      await redis.flushdb();
      return;
    }
    const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

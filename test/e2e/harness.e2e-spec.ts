/**
 * The test harness itself: the shared servers from globalSetup answer, databases can be
 * made and dropped, and private servers survive the kill/start cycle fault tests rely on.
 */
import Redis from 'ioredis';
import { Client } from 'pg';
import { createTestDatabase, dropTestDatabase, testPostgresUrl } from '../support/database';
import { flushRedis, testRedisUrl, uniquePrefix } from '../support/redis';
import { startPostgres, startRedis } from '../support/services';

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A client that fails fast instead of queueing commands while the server is down. */
function redisClient(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => 100,
    lazyConnect: true,
  });
  redis.on('error', () => undefined);
  return redis;
}

describe('test harness', () => {
  it('shares a PostgreSQL server', async () => {
    expect(await query(testPostgresUrl(), 'select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('creates and drops a database per test', async () => {
    const url = await createTestDatabase('harness');
    expect(url).toMatch(/\/harness_[0-9a-f]{12}$/);
    const [row] = await query<{ db: string }>(url, 'select current_database() as db');
    expect(url.endsWith(`/${row?.db}`)).toBe(true);

    await dropTestDatabase(url);
    const left = await query(
      testPostgresUrl(),
      `select 1 from pg_database where datname = '${row?.db}'`,
    );
    expect(left).toHaveLength(0);
  });

  it('shares a Redis server, scoped by key prefix', async () => {
    const redis = new Redis(testRedisUrl());
    try {
      expect(await redis.ping()).toBe('PONG');
      const mine = uniquePrefix('harness');
      const theirs = uniquePrefix('harness');
      await redis.set(`${mine}a`, '1');
      await redis.set(`${theirs}a`, '1');
      await flushRedis(mine);
      expect(await redis.exists(`${mine}a`, `${theirs}a`)).toBe(1);
      await flushRedis(theirs);
    } finally {
      redis.disconnect();
    }
  });

  it('brings a killed Redis back on the same port', async () => {
    const server = await startRedis();
    const redis = redisClient(server.url);
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');

      await server.kill();
      await expect(redis.ping()).rejects.toThrow();

      await server.start();
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      // ioredis reconnects by itself (retryStrategy above) once the port answers again.
      await expect(waitFor(() => redis.ping())).resolves.toBe('PONG');
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });

  it('brings a killed PostgreSQL back on the same port, keeping its data', async () => {
    const server = await startPostgres();
    try {
      await query(
        server.url,
        // synchronous_commit=off on the server: ask for a durable commit for this one.
        `set synchronous_commit = on; create table t (v int); insert into t values (42);`,
      );
      await server.kill();
      await expect(query(server.url, 'select 1')).rejects.toThrow();

      await server.start();
      expect(await query(server.url, 'select v from t')).toEqual([{ v: 42 }]);

      await server.restart();
      expect(await query(server.url, 'select v from t')).toEqual([{ v: 42 }]);
    } finally {
      await server.stop();
    }
  });
});

async function waitFor<T>(attempt: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * One run per tick, with real processes: three instances share a job; one is SIGKILLed mid-way (no
 * shutdown hook runs, its tick locks are left to expire) and every tick still runs once.
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { spawnApp, type AppProcess } from '../support/app';
import { eventually, sleep } from '../support/clients';
import { createTestDatabase, dropTestDatabase } from '../support/database';
import { testRedisUrl } from '../support/redis';
import { TEST_JWT_SECRET } from '../support/tokens';

const INTERVAL_MS = 250;

describe('a scheduled job across three processes', () => {
  const processes: AppProcess[] = [];
  let databaseUrl: string;
  let redis: Redis;

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    redis?.disconnect();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it('runs every tick exactly once, also after the instance holding ticks is killed', async () => {
    databaseUrl = await createTestDatabase('jobs');
    const prefix = `herald-test-${randomBytes(6).toString('hex')}`;
    redis = new Redis(testRedisUrl());
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      JWT_SECRET: TEST_JWT_SECRET,
      FIXTURE_JOB_INTERVAL_MS: String(INTERVAL_MS),
      LOG_LEVEL: 'warn',
    };
    // The first one migrates the database; the others start against it.
    processes.push(await spawnApp(env, { entry: 'fixture' }));
    processes.push(...(await Promise.all([spawnApp(env, { entry: 'fixture' }), spawnApp(env, { entry: 'fixture' })])));
    const key = `${prefix}:fixture-runs`;
    const ticks = async () => Object.keys(await redis.hgetall(key)).length;

    await eventually(async () => (await ticks()) >= 8, 20_000, 100);
    processes[1].child.kill('SIGKILL');
    expect(await processes[1].exited).toBeNull(); // killed by a signal, no exit code
    const atKill = await ticks();
    await eventually(async () => (await ticks()) >= atKill + 8, 20_000, 100);
    await Promise.all([processes[0].stop('SIGTERM'), processes[2].stop('SIGTERM')]);
    await sleep(INTERVAL_MS * 2); // a tick that was mid-flight at the stop has landed by now

    const runs = await redis.hgetall(key);
    const seen = Object.keys(runs).map(Number).sort((a, b) => a - b);
    // Every tick from the first to the last ran once: no gap, no double, across the kill.
    expect(seen.length).toBeGreaterThanOrEqual(16);
    expect(seen[seen.length - 1] - seen[0] + 1).toBe(seen.length);
    expect(Object.values(runs).every((count) => count === '1')).toBe(true);
  });
});

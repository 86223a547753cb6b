/**
 * A job run holds its lease for the whole run: two instances on a real Redis, a job whose
 * runs take longer than both its interval and its lease TTL. Runs never overlap, and
 * runNow during a run starts no second one (on the instance running it or on another).
 */
import Redis from 'ioredis';
import { startTestApp, type TestApp } from '../support/app';
import { eventually, sleep } from '../support/clients';
import { FixtureModule } from '../support/fixture.module';
import { testRedisUrl } from '../support/redis';
import { JobScheduler } from '../../src/core/scheduling';

// Runs outlast the lease TTL several times over, so only renewals keep them exclusive. The
// TTL still leaves room for event-loop stalls of a loaded CI machine (a stall longer than
// the TTL is a real loss of the lease, which the run's abort signal then reports).
const RUN_MS = 4500;
const LEASE_TTL_MS = 1500;

describe('job run lease across instances', () => {
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  const key = (name: string) => `${a.redisPrefix}:fixture-slow:${name}`;
  const read = async (name: string) => Number((await redis.get(key(name))) ?? 0);

  beforeAll(async () => {
    FixtureModule.slowJob = { intervalMs: 300, runMs: RUN_MS, lockTtlMs: LEASE_TTL_MS };
    a = await startTestApp({ redis: true, modules: [FixtureModule] });
    b = await startTestApp({ redis: a.redisPrefix, databaseUrl: a.databaseUrl, modules: [FixtureModule] });
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    FixtureModule.slowJob = undefined;
    await b?.close();
    await a?.close();
    redis?.disconnect();
  });

  it('never runs the job on two instances at once although each run outlasts the lease TTL', async () => {
    await eventually(async () => (await read('starts')) >= 3, 3 * RUN_MS + 4000, 100);
    expect(await read('max')).toBe(1);
  }, 40_000);

  it('runNow during a run waits for it instead of starting a second run, on either instance', async () => {
    await eventually(async () => (await read('active')) === 1, 5000, 20);
    const starts = await read('starts');
    await Promise.all([a.get(JobScheduler).runNow('fixture-slow'), b.get(JobScheduler).runNow('fixture-slow')]);
    // Both calls returned: the run in progress ended (or was never theirs), and neither started its own beside it.
    expect(await read('max')).toBe(1);
    expect(await read('starts')).toBeLessThanOrEqual(starts + 1); // at most the next scheduled run began meanwhile
    await sleep(100);
    expect(await read('max')).toBe(1);
  }, 40_000);
});

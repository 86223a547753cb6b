import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, emitAck, eventually, sleep } from '../support/clients';
import { FIXTURE_NS, FixtureModule, FixturePublisher } from '../support/fixture.module';
import { testRedisUrl } from '../support/redis';
import { JobScheduler } from '../../src/core/scheduling';
import { token } from '../support/tokens';

type Fixture = { n: number; offset: string };

describe('several instances on one Redis behave as one', () => {
  const apps: TestApp[] = [];
  const sockets: Socket[] = [];
  let redis: Redis;

  beforeAll(async () => {
    FixtureModule.jobIntervalMs = 300;
    const first = await startTestApp({ modules: [FixtureModule], redis: true });
    apps.push(first);
    for (let i = 0; i < 2; i++) {
      apps.push(await startTestApp({ modules: [FixtureModule], redis: first.redisPrefix, databaseUrl: first.databaseUrl }));
    }
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    FixtureModule.jobIntervalMs = 0;
    sockets.forEach((s) => s.close());
    for (const app of apps.reverse()) await app.close();
    redis?.disconnect();
  });

  it('delivers a broadcast published on one instance to clients on every instance exactly once', async () => {
    for (const app of apps) {
      const s = await connect(app.url, FIXTURE_NS, { token: token(`u-${sockets.length}`) });
      await emitAck(s, 'subscribe', { rooms: ['test:cluster', 'test:cluster-2'] });
      sockets.push(s);
    }
    const logs = sockets.map((s) => collect<Fixture>(s, 'fixture:event'));
    await sleep(200); // let the adapter's room subscriptions settle
    for (let n = 0; n < 20; n++) await apps[n % apps.length].get(FixturePublisher).event(n, ['test:cluster', 'test:cluster-2']);
    await eventually(() => logs.every((l) => l.length >= 20), 10000);
    await sleep(300);
    for (const log of logs) expect(log.map((e) => e.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it('kicks sockets on other instances through the adapter', async () => {
    const target = await connect(apps[2].url, FIXTURE_NS, { token: token('kick-me') });
    const gone = new Promise((r) => target.once('disconnect', r));
    apps[0].get(FixturePublisher)['realtime'].namespace(FIXTURE_NS)!.in('user:kick-me').disconnectSockets(true);
    await gone;
  });

  it('runs a job once per tick across three instances, also after one stops', async () => {
    const key = `${apps[0].redisPrefix}:fixture-runs`;
    // Counted from the next tick: the three apps share this process's event loop, so while
    // one of them was starting the others' runs could be held up past the next tick, whose
    // run then found the lease still held and was skipped (by design: runs never overlap).
    const from = Math.floor(Date.now() / 300) + 1;
    await sleep(2000);
    await apps[2].close(); // the instance that held some ticks goes away
    await sleep(2000);
    const runs = await redis.hgetall(key);
    const ticks = Object.keys(runs).map(Number).sort((a, b) => a - b);
    // no tick ever ran twice
    expect(Object.values(runs).filter((n) => n !== '1')).toEqual([]);
    // every tick from then to the last full one ran exactly once, before and after the close
    const last = ticks[ticks.length - 1] - 1;
    expect(last - from).toBeGreaterThanOrEqual(8);
    for (let t = from; t <= last; t++) expect(runs[String(t)]).toBe('1');
    const statuses = apps[0].get(JobScheduler).statuses().find((j) => j.name === 'fixture-tick');
    expect(statuses).toMatchObject({ intervalMs: 300, lastOutcome: 'success' });
  });
});

/**
 * Chaos: a client fails over to an instance that is behind the one it left. With Redis down
 * the instances hear each other only through the event log, so the new instance may not yet
 * have delivered what the client already holds. Resuming with `since` must still give the new
 * socket exactly the events after `since`: nothing missing, nothing twice, in order.
 */
import type { Socket } from 'socket.io-client';
import { DeliverySequencer } from '../../src/core/realtime';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, emitAck, eventually, http, sleep } from '../support/clients';
import { FIXTURE_NS, FixtureModule, FixturePublisher } from '../support/fixture.module';
import { startRedis, type RedisHandle } from '../support/services';
import { token } from '../support/tokens';

type Fixture = { n: number; offset: string };

describe('chaos: failing over to an instance that is behind', () => {
  let redis: RedisHandle;
  let a: TestApp;
  let b: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    a = await startTestApp({ modules: [FixtureModule], redisUrl: redis.url });
    b = await startTestApp({ modules: [FixtureModule], redisUrl: redis.url, redis: a.redisPrefix, databaseUrl: a.databaseUrl });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('resuming with since on the other instance gets every later event once, in order', async () => {
    await redis.kill();
    await eventually(async () => (await http(a.url, 'GET', '/health/ready')).status === 503, 10_000);
    const publisher = a.get(FixturePublisher);
    let n = 0;
    for (let round = 0; round < 5; round++) {
      const room = `test:failover-${round}`;
      const old = await connect(a.url, FIXTURE_NS, { token: token(`fo-${round}`) });
      sockets.push(old);
      const held = collect<Fixture>(old, 'fixture:event');
      await emitAck(old, 'subscribe', { rooms: [room] });
      for (let i = 0; i < 3; i++) await publisher.event(n++, [room]);
      // the old instance reads the log now; the other one only at its next poll
      await a.get(DeliverySequencer).repair('hole');
      await eventually(() => held.length === 3, 10_000, 5);
      old.close();

      // at once, while the other instance may still be a poll behind
      const since = held[held.length - 1].offset;
      const resumed = await connect(b.url, FIXTURE_NS, { token: token(`fo-${round}`) });
      sockets.push(resumed);
      const got = collect<Fixture>(resumed, 'fixture:event');
      await emitAck(resumed, 'subscribe', { rooms: [room], since });
      const later = [n, n + 1];
      for (const m of later) await publisher.event(m, [room]);
      n += 2;
      await eventually(() => got.length >= 2, 10_000);
      await sleep(300); // a repeat would arrive now
      expect({ round, got: got.map((e) => e.n) }).toEqual({ round, got: later });
    }
    await redis.start();
    // Both instances are ready again once Redis is back. Closing one while its adapter is
    // still reconnecting would fail the commands it queued meanwhile ("Connection is closed").
    const ready = async (app: TestApp) => (await http(app.url, 'GET', '/health/ready')).status === 200;
    await eventually(async () => (await ready(a)) && (await ready(b)), 15_000);
  });
});

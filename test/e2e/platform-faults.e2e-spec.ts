/**
 * Faults: Redis and PostgreSQL die and come back while the gateway runs.
 * Each test kills its own servers, never the run's shared ones.
 */
import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, emitAck, eventually, http, sleep } from '../support/clients';
import { FIXTURE_NS, FixtureModule, FixturePublisher } from '../support/fixture.module';
import { startPostgres, startRedis, type PostgresHandle, type RedisHandle } from '../support/services';
import { token } from '../support/tokens';

async function checkpoint(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('CHECKPOINT');
  await client.end();
}

const readiness = async (app: TestApp) => (await http(app.url, 'GET', '/health/ready')).status;
const liveness = async (app: TestApp) => (await http(app.url, 'GET', '/health/live')).status;

describe('Redis killed and restarted', () => {
  let redis: RedisHandle;
  const apps: TestApp[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const first = await startTestApp({ modules: [FixtureModule], redisUrl: redis.url });
    apps.push(first, await startTestApp({ modules: [FixtureModule], redisUrl: redis.url, redis: first.redisPrefix, databaseUrl: first.databaseUrl }));
  });
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    for (const app of apps.reverse()) await app.close();
    await redis.stop();
  });

  it('reports not ready while Redis is down, survives, and resumes cross-instance broadcasts within 5 s of its return', async () => {
    const listener = await connect(apps[1].url, FIXTURE_NS, { token: token('f1-listener') });
    sockets.push(listener);
    await emitAck(listener, 'subscribe', { rooms: ['test:f1'] });
    const received = collect<{ n: number }>(listener, 'fixture:event');
    const publisher = apps[0].get(FixturePublisher);
    await publisher.event(1, ['test:f1']);
    await eventually(() => received.some((e) => e.n === 1));

    await redis.kill();
    await eventually(async () => (await readiness(apps[0])) === 503 && (await readiness(apps[1])) === 503, 10_000);
    // Publishing while Redis is gone must not throw out of the publisher or crash anything.
    await publisher.event(2, ['test:f1']).catch(() => undefined);
    await sleep(200);
    expect(await liveness(apps[0])).toBe(200);
    expect(await liveness(apps[1])).toBe(200);

    await redis.start();
    const back = Date.now();
    await eventually(async () => (await readiness(apps[0])) === 200 && (await readiness(apps[1])) === 200, 10_000);
    // Keep publishing until one crosses instances again; the contract allows 5 s for that.
    let n = 100;
    await eventually(
      async () => {
        await publisher.event(++n, ['test:f1']).catch(() => undefined);
        return received.some((e) => e.n >= 100);
      },
      10_000,
      100,
    );
    expect(Date.now() - back).toBeLessThan(5_000 + 2_000); // + the readiness poll above
  });
});

describe('PostgreSQL restarted', () => {
  let pg: PostgresHandle;
  let app: TestApp;

  beforeAll(async () => {
    pg = await startPostgres();
    app = await startTestApp({ modules: [FixtureModule], databaseUrl: pg.url });
  });
  afterAll(async () => {
    await app?.close();
    await pg?.stop();
  });

  it('answers 503 / unavailable while the database is down and recovers within 10 s of its return', async () => {
    const user = token('f2-reader');
    expect((await http(app.url, 'GET', '/api/history?channel=test:f2', { token: user })).status).toBe(200);

    // The test server runs with synchronous_commit=off; write out the WAL so that a SIGKILL
    // loses nothing (the migrations committed moments ago).
    await checkpoint(pg.url);
    await pg.kill();
    const down = await http<{ error: string }>(app.url, 'GET', '/api/history?channel=test:f2', { token: user });
    expect(down.status).toBe(503);
    expect(down.body.error).toBe('unavailable');
    await eventually(async () => (await readiness(app)) === 503, 10_000);
    expect(await liveness(app)).toBe(200);

    await pg.start();
    const back = Date.now();
    await eventually(async () => (await http(app.url, 'GET', '/api/history?channel=test:f2', { token: user })).status === 200, 15_000, 100);
    expect(Date.now() - back).toBeLessThan(10_000);
    expect(await readiness(app)).toBe(200);
  });
});

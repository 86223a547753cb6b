import type { Socket } from 'socket.io-client';
import { io } from 'socket.io-client';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { RealtimeServer } from '../../src/core/realtime';
import { startTestApp, type TestApp } from '../support/app';
import { connect, connectError, eventually, http } from '../support/clients';
import { FIXTURE_NS, FixtureModule } from '../support/fixture.module';
import { testRedisUrl } from '../support/redis';
import { adminToken, token } from '../support/tokens';

const TOO_MANY = 'socket_error:too_many_connections';

async function openMany(url: string, namespace: string, count: number, sub: string, extraHeaders?: Record<string, string>) {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, () => connect(url, namespace, { token: token(sub), extraHeaders })),
  );
  const connected = settled.filter((s): s is PromiseFulfilledResult<Socket> => s.status === 'fulfilled').map((s) => s.value);
  const refused = settled
    .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
    .map((s) => (s.reason as { data?: { code: string } }).data?.code);
  return { connected, refused };
}

const closeAll = (sockets: Socket[]) => sockets.forEach((s) => s.close());

describe('the kernel owns every connection', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule], env: { SOCKET_CONNECT_TIMEOUT_MS: '300' } });
  });
  afterAll(() => app?.close());

  it('refuses the root namespace, with or without a token', async () => {
    expect((await connectError(app.url, '/')).data).toEqual({ code: 'socket_error:unauthorized', message: expect.any(String) });
    expect((await connectError(app.url, '/', { token: token('alice') })).data?.code).toBe('socket_error:unauthorized');
  });

  it('refuses a namespace no gateway serves with the same code, and does not keep it', async () => {
    const io = app.get(RealtimeServer).server!;
    const before = io._nsps.size;
    for (const name of ['/ws/nothing-here', '/admin', '/ws/nothing-here']) {
      const err = await connectError(app.url, name, { token: token('alice') });
      expect(err.data).toEqual({ code: 'socket_error:unauthorized', message: expect.stringContaining('no service') });
    }
    await eventually(() => io._nsps.size === before);
  });

  it('closes an Engine.IO connection that joins no namespace within SOCKET_CONNECT_TIMEOUT_MS', async () => {
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const opened = Date.now();
    const closed = await new Promise<number>((resolve) => ws.once('close', () => resolve(Date.now() - opened)));
    // Engine.IO answered the open; the server closed it because no namespace CONNECT followed.
    expect(closed).toBeGreaterThanOrEqual(250);
  });

  it('keeps the connection that does join a namespace', async () => {
    const socket = await connect(app.url, FIXTURE_NS, { token: token('alice') });
    await new Promise((r) => setTimeout(r, 600));
    expect(socket.connected).toBe(true);
    socket.close();
  });
});

describe('connection caps at the handshake', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      modules: [FixtureModule],
      env: { SOCKET_MAX_CONNECTIONS_PER_USER: '5', SOCKET_MAX_CONNECTIONS_PER_IP: '12', SOCKET_HANDSHAKES_PER_IP_PER_SECOND: '1000' },
    });
  });
  afterAll(() => app?.close());

  it('one user: 8 sockets with a cap of 5 → 5 connected, 3 refused; another user still connects', async () => {
    const { connected, refused } = await openMany(app.url, FIXTURE_NS, 8, 'greedy');
    expect(connected).toHaveLength(5);
    expect(refused).toEqual([TOO_MANY, TOO_MANY, TOO_MANY]);
    const other = await connect(app.url, FIXTURE_NS, { token: token('polite') });
    expect(other.connected).toBe(true);

    // A freed slot can be taken again; the count is back once all close.
    connected[0].close();
    await eventually(async () => {
      const again = await connect(app.url, FIXTURE_NS, { token: token('greedy') }).catch(() => undefined);
      if (again) connected.push(again);
      return again;
    });
    const metrics = await http<string>(app.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/herald_rejected_connections_total\{namespace="\/ws\/test",code="socket_error:too_many_connections"\} [3-9]/);
    closeAll([...connected, other]);
  });

  it('one address: the per-IP cap holds across users', async () => {
    const sockets: Socket[] = [];
    const refusals: string[] = [];
    for (let i = 0; i < 14; i++) {
      try {
        sockets.push(await connect(app.url, FIXTURE_NS, { token: token(`ip-user-${i}`) }));
      } catch (err) {
        refusals.push((err as { data: { code: string } }).data.code);
      }
    }
    expect(sockets).toHaveLength(12);
    expect(refusals).toEqual([TOO_MANY, TOO_MANY]);
    closeAll(sockets);
  });
});

describe('the per-IP cap behind a trusted proxy', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule], env: { TRUST_PROXY: 'true', SOCKET_MAX_CONNECTIONS_PER_IP: '2' } });
  });
  afterAll(() => app?.close());

  const from = (xff: string, sub: string) => connect(app.url, FIXTURE_NS, { token: token(sub), extraHeaders: { 'X-Forwarded-For': xff } });

  it('counts the address the proxy saw: entries a client prepends change nothing', async () => {
    const held = [await from('203.0.113.9', 'a'), await from('203.0.113.9', 'b')];
    // The client wrote 6.6.6.6 itself; the loopback proxy appended the real 203.0.113.9.
    const spoof = await connectError(app.url, FIXTURE_NS, { token: token('c'), extraHeaders: { 'X-Forwarded-For': '6.6.6.6, 203.0.113.9' } });
    expect(spoof.data?.code).toBe(TOO_MANY);
    const elsewhere = await from('198.51.100.7', 'd');
    expect(elsewhere.connected).toBe(true);
    closeAll([...held, elsewhere]);
  });
});

describe('server-wide cap', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule], env: { SOCKET_MAX_CONNECTIONS: '4' } });
  });
  afterAll(() => app?.close());

  it('refuses connections past SOCKET_MAX_CONNECTIONS whoever asks', async () => {
    const sockets: Socket[] = [];
    for (let i = 0; i < 4; i++) sockets.push(await connect(app.url, FIXTURE_NS, { token: token(`u${i}`) }));
    expect((await connectError(app.url, FIXTURE_NS, { token: token('late') })).data?.code).toBe(TOO_MANY);
    sockets.pop()?.close();
    const late = await eventually(() => connect(app.url, FIXTURE_NS, { token: token('late') }));
    closeAll([...sockets, late]);
  });
});

describe('handshake rate', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule], env: { SOCKET_HANDSHAKES_PER_IP_PER_SECOND: '3' } });
  });
  afterAll(() => app?.close());

  it('refuses handshakes past the per-address rate, then admits again in the next second', async () => {
    // Twelve handshakes at once from one address: at most 3 (+3 if a second boundary falls in between) pass.
    const { connected, refused } = await openMany(app.url, FIXTURE_NS, 12, 'burst');
    expect(refused.length).toBeGreaterThanOrEqual(6);
    expect(refused.every((c) => c === TOO_MANY)).toBe(true);
    closeAll(connected);
    await new Promise((r) => setTimeout(r, 1100));
    const later = await connect(app.url, FIXTURE_NS, { token: token('burst') });
    expect(later.connected).toBe(true);
    later.close();
  });
});

describe('the per-user cap across instances sharing Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { SOCKET_MAX_CONNECTIONS_PER_USER: '5' };
    a = await startTestApp({ modules: [FixtureModule], redis: true, env });
    b = await startTestApp({ modules: [FixtureModule], redis: a.redisPrefix, databaseUrl: a.databaseUrl, env });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('3 on one instance + 5 tries on the other → 2 admitted there; freed on disconnect', async () => {
    const first = await openMany(a.url, FIXTURE_NS, 3, 'roamer');
    expect(first.connected).toHaveLength(3);
    const second = await openMany(b.url, FIXTURE_NS, 5, 'roamer');
    expect(second.connected).toHaveLength(2);
    expect(second.refused).toEqual([TOO_MANY, TOO_MANY, TOO_MANY]);

    closeAll(first.connected);
    const third = await eventually(async () => {
      const attempt = await openMany(b.url, FIXTURE_NS, 3, 'roamer');
      if (attempt.connected.length === 3) return attempt;
      closeAll(attempt.connected);
      return undefined;
    });
    closeAll([...second.connected, ...(third?.connected ?? [])]);
  });

  it("a crashed instance's share stops counting once its heartbeat lapses", async () => {
    const redis = new Redis(testRedisUrl());
    try {
      // An instance that held 5 of ghost's connections and died without cleaning up...
      await redis.hset(`${a.redisPrefix}:connections:user:ghost`, 'crashed-instance', '5');
      await redis.set(`${a.redisPrefix}:connections:instance:crashed-instance`, '1', 'PX', 60_000);
      expect((await connectError(a.url, FIXTURE_NS, { token: token('ghost') })).data?.code).toBe(TOO_MANY);
      // ...whose heartbeat key has now expired.
      await redis.del(`${a.redisPrefix}:connections:instance:crashed-instance`);
      const back = await connect(a.url, FIXTURE_NS, { token: token('ghost') });
      expect(back.connected).toBe(true);
      expect(await redis.hget(`${a.redisPrefix}:connections:user:ghost`, 'crashed-instance')).toBeNull();
      back.close();
    } finally {
      redis.disconnect();
    }
  });

  it('an admin ban refuses reconnects on every instance until it passes', async () => {
    const victim = await connect(a.url, FIXTURE_NS, { token: token('mallory') });
    const res = await http(b.url, 'POST', '/api/admin/disconnect', { token: adminToken(), body: { userId: 'mallory', banSeconds: 2 } });
    expect(res.status).toBe(200);
    await eventually(() => !victim.connected);
    for (const app of [a, b]) {
      expect((await connectError(app.url, FIXTURE_NS, { token: token('mallory') })).data?.code).toBe('socket_error:unauthorized');
    }
    await new Promise((r) => setTimeout(r, 2100));
    const back = await connect(a.url, FIXTURE_NS, { token: token('mallory') });
    expect(back.connected).toBe(true);
    back.close();
  });
});

// One Engine.IO connection multiplexing two namespaces holds two connections.
describe('one tab, two namespaces', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule], env: { SOCKET_MAX_CONNECTIONS_PER_USER: '1' } });
  });
  afterAll(() => app?.close());

  it('counts namespace connections: the second namespace of a capped user is refused', async () => {
    const first = await connect(app.url, FIXTURE_NS, { token: token('solo') });
    const manager = io(app.url, { transports: ['websocket'], autoConnect: false, reconnection: false }).io;
    const second = manager.socket('/ws/app', { auth: { token: token('solo') } });
    const err = await new Promise<{ data?: { code: string } }>((resolve) => {
      second.once('connect_error', resolve);
      second.connect();
    });
    expect(err.data?.code).toBe(TOO_MANY);
    second.close();
    first.close();
  });
});

/**
 * Presence across instances of one deployment sharing a real Redis: a user online on two
 * instances, heartbeats and admin kicks crossing instances, and an instance SIGKILLed
 * without any cleanup whose sockets the sweep job removes within TTL + one sweep.
 */
import { presenceTimings } from '../../src/modules/presence/presence.timing';
import { spawnApp, startTestApp, type AppProcess, type TestApp } from '../support/app';
import { emitAck, http, waitFor } from '../support/clients';
import { APP_NS, connectRecording, settle, shape, type RecordingSocket, type Snapshot } from '../support/presence';
import { testRedisUrl } from '../support/redis';
import { adminToken, TEST_JWT_SECRET, token } from '../support/tokens';

/** Small so that expiry is observable quickly: keep-alive every ~0.67 s, sweep every 1 s. */
const TTL_SECONDS = 2;
const timings = presenceTimings(TTL_SECONDS);

describe('presence across instances (Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  const open: RecordingSocket[] = [];
  const join = async (url: string, userId: string) => {
    const s = await connectRecording(url, userId, APP_NS);
    open.push(s);
    return s;
  };
  /** As an admin, who sees the sockets (anyone else but the user gets the online status only). */
  const presenceOf = (app: { url: string }, userId: string) =>
    http<Snapshot>(app.url, 'GET', `/api/presence/${userId}`, { token: adminToken() }).then((r) => r.body);

  beforeAll(async () => {
    const env = { PRESENCE_TTL_SECONDS: String(TTL_SECONDS) };
    a = await startTestApp({ redis: true, env });
    b = await startTestApp({ databaseUrl: a.databaseUrl, redis: a.redisPrefix, env });
  });
  afterEach(() => {
    open.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('keeps a user online on two instances until both sockets close; every observer sees online once and offline once', async () => {
    const watchA = await join(a.url, 'c1-watch-a');
    const watchB = await join(b.url, 'c1-watch-b');

    const onA = await join(a.url, 'c1-user');
    for (const w of [watchA, watchB]) expect(await w.update('c1-user')).toEqual({ userId: 'c1-user', isOnline: true, lastSeen: expect.any(Number) });
    const onB = await join(b.url, 'c1-user');
    // the user's own socket on A hears about the tab on B (their user room spans instances)
    await onA.update('c1-user', (s) => s.sockets.length === 2);
    for (const app of [a, b]) expect((await presenceOf(app, 'c1-user')).sockets).toHaveLength(2);

    const beforeFirstClose = onB.mark();
    onA.close();
    expect(shape(await onB.update('c1-user', undefined, { since: beforeFirstClose }))).toEqual([true, [onB.socket.id]]);
    expect(shape(await presenceOf(a, 'c1-user'))).toEqual([true, [onB.socket.id]]);

    const beforeLastClose = [watchA.mark(), watchB.mark()];
    onB.close();
    for (const [i, w] of [watchA, watchB].entries()) {
      const gone = await w.update('c1-user', undefined, { since: beforeLastClose[i] });
      expect(gone).toEqual({ userId: 'c1-user', isOnline: false, lastSeen: expect.any(Number) });
    }
    for (const app of [a, b]) expect((await presenceOf(app, 'c1-user')).isOnline).toBe(false);

    await settle();
    for (const w of [watchA, watchB]) expect(w.about('c1-user').map((s) => s.isOnline)).toEqual([true, false]);
  });

  it('ends offline for every observer when tabs on both instances close at once (snapshots never go back in time)', async () => {
    const watchA = await join(a.url, 'c5-watch-a');
    const watchB = await join(b.url, 'c5-watch-b');
    const users = Array.from({ length: 8 }, (_, i) => `c5-user-${i}`);
    const tabs: RecordingSocket[] = [];
    for (const u of users) tabs.push(await join(a.url, u), await join(b.url, u));
    for (const [i, u] of users.entries()) await tabs[2 * i].update(u, (s) => s.sockets.length === 2);
    for (const u of users) for (const w of [watchA, watchB]) await w.update(u, (s) => s.isOnline);
    const since = [watchA.mark(), watchB.mark()];

    tabs.forEach((t) => t.close()); // like a browser closing: every tab in the same instant
    for (const [i, w] of [watchA, watchB].entries()) {
      for (const u of users) await w.update(u, (s) => !s.isOnline, { since: since[i] });
    }
    await settle();
    for (const w of [watchA, watchB]) {
      for (const u of users) {
        const last = w.about(u).at(-1)!;
        expect([u, last.isOnline]).toEqual([u, false]);
      }
    }
  });

  it("delivers a heartbeat to the user's sockets on every instance and to nobody else", async () => {
    const watchB = await join(b.url, 'c2-watch');
    const tabA = await join(a.url, 'c2-user');
    const tabB = await join(b.url, 'c2-user');
    await watchB.update('c2-user');
    await tabB.update('c2-user', (s) => s.sockets.length === 2);
    const watched = watchB.about('c2-user').length;

    const reachesB = tabB.update('c2-user', undefined, { since: tabB.mark() });
    expect(await emitAck(tabA.socket, 'presence:heartbeat')).toEqual({ success: true });
    const beat = await reachesB;
    expect(beat.isOnline).toBe(true);
    expect(beat.sockets.map((s) => s.socketId).sort()).toEqual([tabA.socket.id, tabB.socket.id].sort());
    expect(beat.sockets.find((s) => s.socketId === tabA.socket.id)?.ip).toBe('127.0.0.1'); // the user's own view

    await settle();
    expect(watchB.about('c2-user')).toHaveLength(watched);
  });

  it('admin disconnect on one instance kicks the user on every instance, system:disconnect first', async () => {
    const watchA = await join(a.url, 'c3-watch');
    const tabs = [await join(a.url, 'c3-user'), await join(b.url, 'c3-user'), await join(b.url, 'c3-user')];
    const bystander = await join(b.url, 'c3-bystander');
    await watchA.update('c3-user');
    await tabs[0].update('c3-user', (s) => s.sockets.length === 3);
    const closed = tabs.map((t) => waitFor<string>(t.socket, 'disconnect'));
    const since = watchA.mark();

    const res = await http(a.url, 'POST', '/api/admin/disconnect', { token: adminToken(), body: { userId: 'c3-user' } });
    expect(res).toEqual({ status: 200, body: { userId: 'c3-user', sockets: 3, instances: 2, complete: true } });
    expect(await Promise.all(closed)).toEqual(Array(3).fill('io server disconnect'));
    for (const tab of tabs) {
      expect(tab.events.map(([name]) => name).slice(-2)).toEqual(['system:disconnect', 'disconnect']);
      expect(tab.events.find(([name]) => name === 'system:disconnect')?.[1]).toEqual({
        reason: 'admin_disconnect',
        reconnectInMs: 5000,
      });
    }
    expect(await watchA.update('c3-user', (s) => !s.isOnline, { since })).toEqual({ userId: 'c3-user', isOnline: false, lastSeen: expect.any(Number) });
    for (const app of [a, b]) expect((await presenceOf(app, 'c3-user')).isOnline).toBe(false);
    expect(bystander.socket.connected).toBe(true);
    expect(bystander.events.some(([name]) => name === 'system:disconnect')).toBe(false);

    const forbidden = await http(b.url, 'POST', '/api/admin/disconnect', {
      token: token('c3-user'),
      body: { userId: 'c3-bystander' },
    });
    expect(forbidden.status).toBe(403);
    expect(
      (await http(b.url, 'POST', '/api/admin/disconnect', { token: adminToken(), body: { user: 'c3-bystander' } })).status,
    ).toBe(400);
    await settle(300);
    expect(bystander.socket.connected).toBe(true);
  });

  it('an instance shutting down announces its users offline before it lets go of Redis', async () => {
    const leaving = await startTestApp({
      databaseUrl: a.databaseUrl,
      redis: a.redisPrefix,
      env: { PRESENCE_TTL_SECONDS: String(TTL_SECONDS) },
    });
    try {
      const watchA = await join(a.url, 'c6-watch');
      const onLeaving = await join(leaving.url, 'c6-user');
      await watchA.update('c6-user', (s) => s.isOnline);
      const since = watchA.mark();
      const dropped = waitFor<string>(onLeaving.socket, 'disconnect');
      await leaving.close();
      await dropped;
      // at once, not after TTL + sweep: a cleanly removed entry is never swept, so this is the only announcement
      expect(await watchA.update('c6-user', undefined, { since, timeoutMs: timings.ttlMs })).toEqual({
        userId: 'c6-user',
        isOnline: false,
        lastSeen: expect.any(Number),
      });
    } finally {
      await leaving.close();
    }
  });

  describe('an instance killed without a clean close', () => {
    let crashed: AppProcess | undefined;
    afterAll(async () => {
      await crashed?.stop('SIGKILL');
    });

    it("removes the dead instance's sockets within TTL + one sweep and broadcasts the offline snapshots", async () => {
      // A real process (built by `npm test`'s pretest) so that SIGKILL leaves its entries behind as a crash would.
      crashed = await spawnApp({
        DATABASE_URL: a.databaseUrl,
        JWT_SECRET: TEST_JWT_SECRET,
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: a.redisPrefix!,
        PRESENCE_TTL_SECONDS: String(TTL_SECONDS),
        LOG_LEVEL: 'warn',
      });
      const watchA = await join(a.url, 'c4-watch');
      const onlyThere = await join(crashed.url, 'c4-lost');
      const split = [await join(a.url, 'c4-split'), await join(crashed.url, 'c4-split')];
      await watchA.update('c4-lost');
      await watchA.update('c4-split');
      await split[0].update('c4-split', (s) => s.sockets.length === 2);
      const since = watchA.mark();
      const sinceOwn = split[0].mark();
      const dropped = waitFor<string>(onlyThere.socket, 'disconnect');

      crashed.child.kill('SIGKILL');
      const killedAt = Date.now();
      expect(await crashed.exited).toBeNull(); // killed by the signal: no shutdown code ran
      expect(await dropped).toBe('transport close');

      // Within TTL + one sweep of the last keep-alive; one more sweep interval allows for a tick
      // the dead instance had claimed, plus a second for scheduling on a busy machine.
      const within = timings.ttlMs + 2 * timings.sweepIntervalMs + 1000;
      const [lost, survivor] = await Promise.all([
        watchA.update('c4-lost', undefined, { since, timeoutMs: within }),
        split[0].update('c4-split', undefined, { since: sinceOwn, timeoutMs: within }),
      ]);
      const measuredMs = Date.now() - killedAt;
      expect(lost).toEqual({ userId: 'c4-lost', isOnline: false, lastSeen: expect.any(Number) });
      expect(lost.lastSeen).toBeLessThanOrEqual(killedAt);
      expect(shape(survivor)).toEqual([true, [split[0].socket.id]]);
      expect(await presenceOf(a, 'c4-lost')).toMatchObject({ isOnline: false, sockets: [] });
      expect(await presenceOf(b, 'c4-split')).toMatchObject({
        isOnline: true,
        sockets: [expect.objectContaining({ socketId: split[0].socket.id })],
      });
      // The figure the issue asks to be measured (printed, not asserted beyond the timeout above).
      process.stdout.write(
        `presence after a crashed instance: offline snapshot ${measuredMs} ms after SIGKILL (TTL ${timings.ttlMs} ms, sweep every ${timings.sweepIntervalMs} ms)\n`,
      );

      await settle();
      expect(watchA.about('c4-lost').filter((s) => !s.isOnline)).toHaveLength(1); // swept and announced once
      expect(watchA.about('c4-split').map((s) => s.isOnline)).toEqual([true]); // still online: nothing for observers
    });
  });
});

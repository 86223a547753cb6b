import { io as ioClient, type Socket } from 'socket.io-client';
import { NAMESPACES, RealtimeServer } from '../../src/core/realtime';
import { startTestApp, type TestApp } from '../support/app';
import { createCampaign } from '../support/campaign';
import { collect, connect, emitAck, eventually, http } from '../support/clients';
import { FIXTURE_NS, FixtureModule, FixturePublisher } from '../support/fixture.module';
import { token } from '../support/tokens';

type Ack = { success: boolean; code?: string; error?: string; replayed?: number; resync?: boolean; retryInMs?: number };

const BEYOND_BIGINT = '9999999999999999999';
const MAX_BIGINT = '9223372036854775807';

describe('numeric and size edges', () => {
  let app: TestApp;
  let socket: Socket;
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule] });
    socket = await connect(app.url, FIXTURE_NS, { token: token('alice') });
  });
  afterAll(async () => {
    socket?.close();
    await app?.close();
  });

  it('a since beyond the bigint range is bad_request on every namespace, never an internal error', async () => {
    expect(await emitAck<Ack>(socket, 'subscribe', { rooms: ['test:a'], since: BEYOND_BIGINT })).toMatchObject({
      success: false,
      code: 'socket_error:bad_request',
    });
    expect(await emitAck<Ack>(socket, 'subscribe', { rooms: ['test:a'], since: 1e30 })).toMatchObject({ code: 'socket_error:bad_request' });
    // The largest bigint itself is a valid (if empty) offset.
    expect(await emitAck<Ack>(socket, 'subscribe', { rooms: ['test:b'], since: MAX_BIGINT })).toMatchObject({ success: true, replayed: 0 });

    const intelligence = await connect(app.url, '/ws/intelligence', { token: token('alice') });
    expect(await emitAck<Ack>(intelligence, 'subscribe', { channels: ['global'], since: BEYOND_BIGINT })).toMatchObject({
      success: false,
      code: 'socket_error:bad_request',
    });
    intelligence.close();

    const campaignSocket = await connect(app.url, NAMESPACES.campaign, { token: token('alice') });
    const campaign = await createCampaign(app.url, 'alice');
    expect(await emitAck<Ack>(campaignSocket, 'subscribe_campaign', { campaignId: campaign.id, since: BEYOND_BIGINT })).toMatchObject({
      success: false,
      code: 'socket_error:bad_request',
    });
    campaignSocket.close();
  });

  it('answers 400 for offsets and numeric ids beyond bigint over HTTP', async () => {
    const history = await http<{ error: string }>(app.url, 'GET', `/api/history?channel=test:a&since=${BEYOND_BIGINT}`, { token: token('alice') });
    expect(history.status).toBe(400);
    expect(history.body.error).toBe('bad_request');
    const items = await http(app.url, 'GET', `/api/intelligence/items?before=${BEYOND_BIGINT}`, { token: token('alice') });
    expect(items.status).toBe(400);
    expect((await http(app.url, 'GET', `/api/history?channel=test:a&since=${MAX_BIGINT}`, { token: token('alice') })).status).toBe(200);
  });

  it('counts the event name: a 20,000-byte name is payload_too_large and the server stays up', async () => {
    const name = 'x'.repeat(20_000);
    expect(await emitAck<Ack>(socket, name, {})).toMatchObject({ success: false, code: 'socket_error:payload_too_large' });
    const errors = collect<{ code: string }>(socket, 'error');
    socket.emit(name, {});
    await eventually(() => errors.length === 1);
    expect(errors[0].code).toBe('socket_error:payload_too_large');
    expect(await emitAck(socket, 'echo', { still: 'here' })).toEqual({ success: true, body: { still: 'here' } });
    expect((await http(app.url, 'GET', '/health/live')).status).toBe(200);
  });
});

/**
 * A subscribe whose join comes after an await (here the campaign membership lookup) sent
 * by a socket that disconnects at once: the join must not happen after the disconnect.
 * Races run on one Engine.IO connection, each on a fresh namespace socket.
 */
describe('join racing a disconnect', () => {
  const RACES = Number(process.env.EDGE_JOIN_RACES ?? 500);
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it(`leaves no room entry behind after ${RACES} races`, async () => {
    const campaign = await createCampaign(app.url, 'racer');
    const nsp = app.get(RealtimeServer).namespace(NAMESPACES.campaign)!;
    const manager = ioClient(app.url, { transports: ['websocket'], autoConnect: false, reconnection: false }).io;
    const auth = { token: token('racer') };
    const heapBefore = process.memoryUsage().heapUsed;
    let raced = 0;
    const batch = 50;
    for (let done = 0; done < RACES; done += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, RACES - done) }, async () => {
          const s = manager.socket(NAMESPACES.campaign, { auth });
          await new Promise<void>((resolve, reject) => {
            s.once('connect', resolve);
            s.once('connect_error', reject);
            s.connect();
          });
          s.emit('subscribe_campaign', { campaignId: campaign.id, since: '0' });
          // Spread the disconnects over the window in which the server awaits the membership
          // lookup (a disconnect in the same packet batch is ignored by Socket.IO before any handler).
          await new Promise((r) => setTimeout(r, Math.random() * 4));
          s.disconnect();
          raced++;
        }),
      );
    }
    expect(raced).toBe(RACES);
    // Joins still pending settle; then no socket id and no campaign room may remain.
    await new Promise((r) => setTimeout(r, 200));
    await eventually(() => nsp.sockets.size === 0 && nsp.adapter.sids.size === 0 && nsp.adapter.rooms.size === 0, 10_000);
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    process.stdout.write(
      `join/disconnect races: ${RACES}; rooms left ${nsp.adapter.rooms.size}; heap ${(heapBefore / 1e6).toFixed(1)} → ${(heapAfter / 1e6).toFixed(1)} MB; rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB\n`,
    );
    manager.engine?.close();
  });
});

describe('replay budget', () => {
  // Defaults keep the suite fast; EDGE_BUDGET / EDGE_BUDGET_EVENTS measure other sizes.
  const BUDGET = Number(process.env.EDGE_BUDGET ?? 1000);
  const EVENTS = Number(process.env.EDGE_BUDGET_EVENTS ?? 400);
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule], env: { REPLAY_BUDGET_EVENTS_PER_MINUTE: String(BUDGET) } });
    const publisher = app.get(FixturePublisher);
    for (let n = 0; n < EVENTS; n++) await publisher.event(n, ['test:budget']);
  });
  afterAll(() => app?.close());

  it('a subscribe/unsubscribe loop with since "0" stops at the budget with rate_limited and retryInMs', async () => {
    const socket = await connect(app.url, FIXTURE_NS, { token: token('hoarder') });
    const received = collect(socket, 'fixture:event');
    const acks: Ack[] = [];
    for (let i = 0; i < 20; i++) {
      acks.push(await emitAck<Ack>(socket, 'subscribe', { rooms: ['test:budget'], since: '0' }));
      await emitAck(socket, 'unsubscribe', { rooms: ['test:budget'] });
    }
    const replayed = acks.reduce((sum, a) => sum + (a.replayed ?? 0), 0);
    process.stdout.write(`replay budget ${BUDGET}/min, ${EVENTS} events per replay, 20 pairs: replayed ${replayed} (unbudgeted: ${20 * EVENTS})\n`);
    expect(replayed).toBe(Math.min(BUDGET, 20 * EVENTS));
    // Whole replays while the budget lasts, one cut short (resync) if it ends mid-way, then refusals.
    const whole = Math.floor(BUDGET / EVENTS);
    const partial = BUDGET % EVENTS;
    expect(acks.slice(0, whole).every((a) => a.success && a.replayed === EVENTS && !a.resync)).toBe(true);
    if (partial) expect(acks[whole]).toMatchObject({ success: true, replayed: partial, resync: true });
    const refused = acks.slice(whole + (partial ? 1 : 0));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((a) => !a.success && a.code === 'socket_error:rate_limited')).toBe(true);
    expect(refused[0].retryInMs).toBeGreaterThan(0);
    expect(refused[0].retryInMs).toBeLessThanOrEqual(60_000);
    // Nothing is joined on a refused subscribe: live events of the room do not arrive either.
    await eventually(() => received.length === BUDGET, 10_000);

    // The same user over HTTP: 429 with retryInMs; another user is unaffected.
    const http429 = await http<{ error: string; details: { retryInMs: number } }>(app.url, 'GET', '/api/history?channel=test:budget&since=0', {
      token: token('hoarder'),
    });
    expect(http429.status).toBe(429);
    const retryAfter = await fetch(`${app.url}/api/history?channel=test:budget&since=0`, { headers: { authorization: `Bearer ${token('hoarder')}` } });
    expect(Number(retryAfter.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(http429.body).toMatchObject({ error: 'rate_limited', details: { retryInMs: expect.any(Number) } });
    const other = await http<{ events: unknown[] }>(app.url, 'GET', '/api/history?channel=test:budget&since=0&limit=500', { token: token('someone') });
    expect(other.status).toBe(200);
    expect(other.body.events).toHaveLength(Math.min(EVENTS, 500));
    socket.close();
  });
});

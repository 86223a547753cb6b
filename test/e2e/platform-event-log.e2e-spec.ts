import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, emitAck, eventually, http, sleep, waitFor } from '../support/clients';
import { FIXTURE_NS, FixtureModule, FixturePublisher } from '../support/fixture.module';
import { EventLogService } from '../../src/core/realtime';
import { PrismaService } from '../../src/core/prisma';
import { token } from '../support/tokens';

type Fixture = { n: number; room: string; offset: string };

describe('event log, offsets and replay', () => {
  let app: TestApp;
  let publisher: FixturePublisher;
  const sockets: Socket[] = [];
  const open = async (sub: string) => {
    const s = await connect(app.url, FIXTURE_NS, { token: token(sub) });
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule] });
    publisher = app.get(FixturePublisher);
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  afterAll(() => app?.close());

  it('delivers 1,000 events to every member in publish order with increasing offsets', async () => {
    const members = await Promise.all(['m1', 'm2', 'm3'].map(open));
    for (const m of members) await emitAck(m, 'subscribe', { rooms: ['test:order'] });
    const logs = members.map((m) => collect<Fixture>(m, 'fixture:event'));
    await Promise.all(Array.from({ length: 1000 }, (_, n) => publisher.event(n, ['test:order'])));
    await eventually(() => logs.every((l) => l.length === 1000), 15000);
    for (const log of logs) {
      expect(log.map((e) => e.n)).toEqual(Array.from({ length: 1000 }, (_, n) => n));
      for (let i = 1; i < log.length; i++) expect(BigInt(log[i].offset)).toBeGreaterThan(BigInt(log[i - 1].offset));
    }
  });

  it('sends a socket in several target rooms each event once', async () => {
    const s = await open('multi');
    await emitAck(s, 'subscribe', { rooms: ['test:a', 'test:b'] });
    const seen = collect<Fixture>(s, 'fixture:event');
    await publisher.event(1, ['test:a', 'test:b', 'user:multi']);
    await sleep(300);
    expect(seen).toHaveLength(1);
  });

  it('replays exactly the missed events, in order, before live ones', async () => {
    const first = await open('replayer');
    await emitAck(first, 'subscribe', { rooms: ['test:replay'] });
    const before = await Promise.all([1, 2, 3].map((n) => publisher.event(n, ['test:replay'])));
    await eventually(() => true);
    const seenOffset = before[0]!.offset;
    first.close();
    for (const n of [4, 5, 6]) await publisher.event(n, ['test:replay']);
    await publisher.event(99, ['test:elsewhere']);

    const again = await open('replayer');
    const log = collect<Fixture>(again, 'fixture:event');
    // keep publishing while the replay runs: the gate must hold live events until it is done
    const live = (async () => {
      for (const n of [7, 8, 9]) await publisher.event(n, ['test:replay']);
    })();
    const ack = await emitAck<{ success: boolean; replayed: number }>(again, 'subscribe', { rooms: ['test:replay'], since: seenOffset });
    await live;
    await eventually(() => log.length >= 8, 5000);
    await sleep(200);
    expect(ack.success).toBe(true);
    expect(log.map((e) => e.n)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('replays a page shared by many sockets identically over websocket and polling, full pages from the cache', async () => {
    // 600 events: a full first page (500, final, kept) and a partial second one.
    const published = [];
    for (let n = 0; n < 600; n++) published.push(await publisher.event(n, ['test:shared']));
    const since = published[0]!.offset;
    const expected = Array.from({ length: 599 }, (_, i) => i + 1);
    const replayTo = async (sub: string, transports: Array<'websocket' | 'polling'>) => {
      const s = await connect(app.url, FIXTURE_NS, { token: token(sub), transports });
      sockets.push(s);
      const log = collect<Fixture>(s, 'fixture:event');
      const ack = await emitAck<{ success: boolean; replayed: number }>(s, 'subscribe', { rooms: ['test:shared'], since });
      return { ack, log };
    };
    const first = await Promise.all([replayTo('share-ws', ['websocket']), replayTo('share-poll', ['polling']), replayTo('share-ws2', ['websocket'])]);
    // A later socket takes the full page from the cache: same events, same order.
    const later = await replayTo('share-later', ['polling']);
    for (const { ack, log } of [...first, later]) {
      expect(ack).toMatchObject({ success: true, replayed: 599 });
      await eventually(() => log.length >= 599, 10000);
      expect(log.map((e) => e.n)).toEqual(expected);
      expect(log.map((e) => e.offset)).toEqual(published.slice(1).map((p) => p!.offset));
    }
  });

  it('stores and delivers a publish retried with the same idempotency key once', async () => {
    const s = await open('idem');
    await emitAck(s, 'subscribe', { rooms: ['test:idem'] });
    const seen = collect<Fixture>(s, 'fixture:event');
    const [a, b] = await Promise.all([publisher.event(1, ['test:idem'], 'key-1'), publisher.event(1, ['test:idem'], 'key-1')]);
    const c = await publisher.event(1, ['test:idem'], 'key-1');
    expect([a, b, c].filter(Boolean)).toHaveLength(1);
    await sleep(200);
    expect(seen).toHaveLength(1);
  });

  it('pages the log over HTTP with the same authorisation as subscribing', async () => {
    const p1 = await publisher.event(1, ['test:history']);
    await publisher.event(2, ['test:history']);
    await publisher.event(3, ['test:history']);
    const page = await http<{ events: Array<{ offset: string; payload: Fixture }>; nextSince: string; hasMore: boolean }>(
      app.url,
      'GET',
      `/api/history?channel=test:history&since=${p1!.offset}&limit=1`,
      { token: token('reader') },
    );
    expect(page.status).toBe(200);
    expect(page.body.events.map((e) => e.payload.n)).toEqual([2]);
    expect(page.body.hasMore).toBe(true);
    const latest = await http<{ events: Array<{ payload: Fixture }> }>(app.url, 'GET', '/api/history?channel=test:history', { token: token('reader') });
    expect(latest.body.events.map((e) => e.payload.n)).toEqual([1, 2, 3]);
    expect((await http(app.url, 'GET', '/api/history?channel=test:secret', { token: token('reader') })).status).toBe(403);
    expect((await http(app.url, 'GET', '/api/history?channel=nobody:x', { token: token('reader') })).status).toBe(400);
    expect((await http(app.url, 'GET', '/api/history?channel=test:x&since=-1', { token: token('reader') })).status).toBe(400);
    expect((await http(app.url, 'GET', '/api/history?channel=test:x')).status).toBe(401);
  });

  it('answers a replay from before retention with system:resync history_expired', async () => {
    const old = await publisher.event(1, ['test:expired']);
    await publisher.event(2, ['test:expired']);
    await app.get(PrismaService).sql.query("UPDATE events SET created_at = now() - interval '100 hours'");
    expect(await app.get(EventLogService).prune()).toBeGreaterThanOrEqual(2);
    // No foreign key cascades: retention itself removes the pruned events' room runs and outbox rows.
    const orphans = await app.get(PrismaService).sql.query<{ rooms: string; outbox: string }>(
      `SELECT (SELECT count(*) FROM event_room_runs r WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.seq = ANY(r.seqs)))::text AS rooms,
              (SELECT count(*) FROM event_outbox_runs o WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.seq BETWEEN o.first_seq AND o.last_seq))::text AS outbox`,
    );
    expect(orphans).toEqual([{ rooms: '0', outbox: '0' }]);
    const s = await open('late');
    const resync = waitFor<{ channel: string; reason: string }>(s, 'system:resync');
    await emitAck(s, 'subscribe', { rooms: ['test:expired'], since: old!.offset });
    expect(await resync).toEqual({ channel: 'test:expired', reason: 'history_expired' });
    const page = await http<{ resync: unknown }>(app.url, 'GET', `/api/history?channel=test:expired&since=${old!.offset}`, { token: token('x') });
    expect(page.body.resync).toEqual({ channel: 'test:expired', reason: 'history_expired' });
  });
});

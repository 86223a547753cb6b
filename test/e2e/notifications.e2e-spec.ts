import type { Socket } from 'socket.io-client';
import { USER_NOTIFIER, type UserNotifier } from '../../src/core/ports';
import { PrismaService } from '../../src/core/prisma';
import { startTestApp, type TestApp } from '../support/app';
import { appSocket as connectApp } from '../support/notifications-app-socket';
import { client, collect, emitAck, eventually, http, sleep, waitFor } from '../support/clients';
import { adminToken, serviceToken, token } from '../support/tokens';

const NS = '/ws/app';

interface Dto {
  id: string;
  userId: string;
  eventKey: string;
  category: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  priority: string;
  createdAt: string;
  readAt: string | null;
  acknowledgedAt: string | null;
}
interface Page {
  items: Dto[];
  nextBefore: string | null;
  unread: number;
}

const appSocket = (app: TestApp, user: string) => connectApp(app.url, user);

function notifyBody(userIds: string[], extra: Record<string, unknown> = {}) {
  return { userIds, eventKey: 'economy.gdp_changed', category: 'economic', title: 'GDP moved', body: 'GDP rose 6%', ...extra };
}

describe('notifications (/ws/app + /api/notifications)', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(() => app?.close());

  async function open(user: string): Promise<Socket> {
    const s = await appSocket(app, user);
    sockets.push(s);
    return s;
  }

  it('greets a connecting socket with notifications:ready', async () => {
    const s = client(app.url, NS, { token: token('greta') });
    sockets.push(s);
    const ready = await waitFor(s, 'notifications:ready');
    expect(s.connected).toBe(true);
    expect(ready).toEqual({ message: expect.any(String), userId: 'greta' });
  });

  it('delivers notifications:new with the same DTO the API lists, then the new unread count', async () => {
    const alice = await open('n-alice');
    const bob = await open('n-bob');
    const eve = await open('n-eve');
    const events = { alice: collect(alice, 'notifications:new'), bob: collect(bob, 'notifications:new'), eve: collect(eve, 'notifications:new') };
    const aliceCounts = collect<{ unread: number; offset: string }>(alice, 'notifications:count');
    const aliceOrder: string[] = [];
    // Other modules of the namespace (presence) talk to the socket too; only our events count here.
    alice.onAny((event: string) => event.startsWith('notifications:') && aliceOrder.push(event));

    const res = await http<{ notifications: Dto[]; duplicates: number }>(app.url, 'POST', '/api/notifications', {
      token: serviceToken(),
      body: notifyBody(['n-alice', 'n-bob'], { data: { countryId: 'c1', delta: 6 }, priority: 'high' }),
    });
    expect(res.status).toBe(201);
    expect(res.body.duplicates).toBe(0);
    expect(res.body.notifications).toHaveLength(2);

    await eventually(() => events.alice.length === 1 && events.bob.length === 1 && aliceCounts.length === 1);
    await sleep(300);
    const listed = await http<Page>(app.url, 'GET', '/api/notifications', { token: token('n-alice') });
    expect(listed.status).toBe(200);
    expect(listed.body.unread).toBe(1);
    expect(listed.body.items).toHaveLength(1);
    const dto = listed.body.items[0];
    expect(dto).toEqual({
      id: expect.any(String),
      userId: 'n-alice',
      eventKey: 'economy.gdp_changed',
      category: 'economic',
      title: 'GDP moved',
      body: 'GDP rose 6%',
      data: { countryId: 'c1', delta: 6 },
      priority: 'high',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      readAt: null,
      acknowledgedAt: null,
    });
    expect(events.alice).toEqual([{ eventKey: 'economy.gdp_changed', notification: dto, offset: expect.stringMatching(/^\d+$/), metadata: { correlationId: expect.any(String) } }]);
    expect((events.bob[0] as { notification: Dto }).notification.userId).toBe('n-bob');
    expect(events.eve).toEqual([]);
    expect(aliceCounts).toEqual([{ unread: 1, offset: expect.stringMatching(/^\d+$/), metadata: { correlationId: expect.any(String) } }]);
    expect(aliceOrder).toEqual(['notifications:new', 'notifications:count']);
  });

  it('keeps the unread count exact through read, ack and read-all, and publishes only real changes', async () => {
    const user = 'n-counter';
    const s = await open(user);
    const counts = collect<{ unread: number }>(s, 'notifications:count');
    const created = await http<{ notifications: Dto[] }>(app.url, 'POST', '/api/notifications', {
      token: adminToken(),
      body: notifyBody([user]),
    });
    expect(created.status).toBe(201);
    for (let i = 0; i < 3; i++) {
      await http(app.url, 'POST', '/api/notifications', { token: serviceToken(), body: notifyBody([user], { title: `n${i}` }) });
    }
    await eventually(() => counts.length === 4);
    expect(counts.map((c) => c.unread)).toEqual([1, 2, 3, 4]);
    const [first] = created.body.notifications;

    const read = await http<Dto>(app.url, 'POST', `/api/notifications/${first.id}/read`, { token: token(user) });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: first.id, readAt: expect.any(String), acknowledgedAt: null });
    await eventually(() => counts.length === 5);
    expect(counts[4].unread).toBe(3);

    // Reading it again changes nothing and publishes nothing.
    const again = await http<Dto>(app.url, 'POST', `/api/notifications/${first.id}/read`, { token: token(user) });
    expect(again.body.readAt).toBe(read.body.readAt);

    const list = await http<Page>(app.url, 'GET', '/api/notifications?unread=true', { token: token(user) });
    expect(list.body.items.map((n) => n.title)).toEqual(['n2', 'n1', 'n0']);
    const acked = await http<Dto>(app.url, 'POST', `/api/notifications/${list.body.items[0].id}/ack`, { token: token(user) });
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ readAt: expect.any(String), acknowledgedAt: expect.any(String) });
    await eventually(() => counts.length === 6);
    expect(counts[5].unread).toBe(2);

    // Acknowledging a read notification: acknowledged, but the count does not move.
    const ackRead = await http<Dto>(app.url, 'POST', `/api/notifications/${first.id}/ack`, { token: token(user) });
    expect(ackRead.body.acknowledgedAt).toEqual(expect.any(String));
    expect(ackRead.body.readAt).toBe(read.body.readAt);

    const all = await http<{ updated: number; unread: number }>(app.url, 'POST', '/api/notifications/read-all', { token: token(user) });
    expect(all).toEqual({ status: 200, body: { updated: 2, unread: 0 } });
    await eventually(() => counts.length === 7);
    const none = await http(app.url, 'POST', '/api/notifications/read-all', { token: token(user) });
    expect(none.body).toEqual({ updated: 0, unread: 0 });
    await sleep(300);
    expect(counts.map((c) => c.unread)).toEqual([1, 2, 3, 4, 3, 2, 0]);
    const final = await http<Page>(app.url, 'GET', '/api/notifications', { token: token(user) });
    expect(final.body.unread).toBe(0);
  });

  it("hides other users' notifications (404) and pages with before", async () => {
    const owner = 'n-pager';
    for (let i = 0; i < 5; i++) {
      const r = await http(app.url, 'POST', '/api/notifications', { token: serviceToken(), body: notifyBody([owner], { title: `p${i}` }) });
      expect(r.status).toBe(201);
    }
    const page1 = await http<Page>(app.url, 'GET', '/api/notifications?limit=2', { token: token(owner) });
    expect(page1.body.items.map((n) => n.title)).toEqual(['p4', 'p3']);
    expect(page1.body.nextBefore).toBe(page1.body.items[1].id);
    const page2 = await http<Page>(app.url, 'GET', `/api/notifications?limit=2&before=${page1.body.nextBefore}`, { token: token(owner) });
    expect(page2.body.items.map((n) => n.title)).toEqual(['p2', 'p1']);
    const page3 = await http<Page>(app.url, 'GET', `/api/notifications?limit=2&before=${page2.body.nextBefore}`, { token: token(owner) });
    expect(page3.body.items.map((n) => n.title)).toEqual(['p0']);
    expect(page3.body.nextBefore).toBeNull();

    const theirs = page1.body.items[0].id;
    for (const path of [`/api/notifications/${theirs}/read`, `/api/notifications/${theirs}/ack`]) {
      const r = await http<{ statusCode: number; error: string }>(app.url, 'POST', path, { token: token('n-intruder') });
      expect(r.status).toBe(404);
      expect(r.body.error).toBe('not_found');
    }
    expect((await http(app.url, 'GET', `/api/notifications?before=${theirs}`, { token: token('n-intruder') })).status).toBe(400);
    const intruderList = await http<Page>(app.url, 'GET', '/api/notifications', { token: token('n-intruder') });
    expect(intruderList.body).toEqual({ items: [], nextBefore: null, unread: 0 });
    const still = await http<Page>(app.url, 'GET', '/api/notifications?unread', { token: token(owner) });
    expect(still.body.unread).toBe(5);
  });

  it('lets a user read only their own user channel, over GET /api/history and subscribe alike', async () => {
    const owner = 'n-history';
    const created = await http<{ notifications: Dto[] }>(app.url, 'POST', '/api/notifications', { token: serviceToken(), body: notifyBody([owner], { title: 'h0' }) });
    expect(created.status).toBe(201);
    type History = { events: Array<{ event: string; payload: { notification?: Dto } }> };
    const own = await http<History>(app.url, 'GET', `/api/history?channel=user:${owner}&since=0`, { token: token(owner) });
    expect(own.status).toBe(200);
    expect(own.body.events.filter((e) => e.event === 'notifications:new').map((e) => e.payload.notification?.id)).toEqual([created.body.notifications[0].id]);
    expect((await http(app.url, 'GET', `/api/history?channel=user:${owner}&since=0`, { token: token('n-snoop') })).status).toBe(403);

    const snoop = await open('n-snoop');
    expect(await emitAck(snoop, 'subscribe', { channels: [`user:${owner}`], since: '0' })).toMatchObject({ success: false, code: 'socket_error:forbidden' });
    const self = await open(owner);
    expect(await emitAck(self, 'subscribe', { channels: [`user:${owner}`] })).toMatchObject({ success: true, channels: [`user:${owner}`] });
  });

  it('replays the user channel after since only up to what arrived live (no duplicates)', async () => {
    const owner = 'n-live-then-since';
    type History = { events: Array<{ event: string; offset: string }> };
    const before = await http(app.url, 'POST', '/api/notifications', { token: serviceToken(), body: notifyBody([owner], { title: 'before' }) });
    expect(before.status).toBe(201);
    const logged = await http<History>(app.url, 'GET', `/api/history?channel=user:${owner}&since=0`, { token: token(owner) });
    const since = logged.body.events[logged.body.events.length - 1].offset;

    // Live: this socket is in its user channel from connect, and receives `after` as it happens.
    const live = await open(owner);
    const liveNew = collect<{ notification: Dto }>(live, 'notifications:new');
    await http(app.url, 'POST', '/api/notifications', { token: serviceToken(), body: notifyBody([owner], { title: 'after' }) });
    await eventually(() => liveNew.length === 1);
    expect(await emitAck(live, 'subscribe', { channels: [`user:${owner}`], since })).toMatchObject({ success: true, replayed: 0 });
    await sleep(200);
    expect(liveNew.map((n) => n.notification.title)).toEqual(['after']);

    // A socket that has had nothing live yet gets the same events from the log.
    const fresh = await open(owner);
    const freshNew = collect<{ notification: Dto }>(fresh, 'notifications:new');
    const ack = await emitAck<{ replayed: number }>(fresh, 'subscribe', { channels: [`user:${owner}`], since });
    expect(ack.replayed).toBeGreaterThanOrEqual(1);
    await eventually(() => freshNew.length === 1);
    expect(freshNew.map((n) => n.notification.title)).toEqual(['after']);
  });

  it('validates input and roles', async () => {
    const post = (body: unknown, tok = serviceToken()) => http<{ statusCode: number; message: string }>(app.url, 'POST', '/api/notifications', { token: tok, body });
    expect((await post(notifyBody(['x']), token('plain-user'))).status).toBe(403);
    expect((await http(app.url, 'POST', '/api/notifications', { body: notifyBody(['x']) })).status).toBe(401);
    const cases: Array<[unknown, string]> = [
      [{ ...notifyBody(['x']), category: 'gossip' }, 'category'],
      [{ ...notifyBody([]) }, 'userIds'],
      [{ eventKey: 'a.b', category: 'system', title: 't', body: 'b' }, 'userIds'],
      [{ ...notifyBody(['x']), userId: 'y' }, 'userIds'],
      [{ ...notifyBody(['x']), title: '' }, 'title'],
      [{ ...notifyBody(['x']), priority: 'urgent' }, 'priority'],
      [{ ...notifyBody(['bad user']) }, 'userIds.0'],
      [{ ...notifyBody(['x']), data: 'nope' }, 'data'],
      [JSON.parse('{"userIds":["x"],"eventKey":"a","category":"system","title":"t","body":"b","__proto__":{"polluted":true}}'), '__proto__'],
    ];
    for (const [body, field] of cases) {
      const r = await post(body);
      expect({ field, status: r.status }).toEqual({ field, status: 400 });
      expect(r.body.message).toContain(field);
    }
    const tooBig = await post({ ...notifyBody(['x']), data: { blob: 'x'.repeat(20_000) } });
    expect(tooBig.status).toBe(400);
    const huge = await http(app.url, 'POST', '/api/notifications', { token: serviceToken(), rawBody: JSON.stringify({ ...notifyBody(['x']), body: 'x'.repeat(300_000) }) });
    expect(huge.status).toBe(413);
    expect((await http(app.url, 'GET', '/api/notifications?limit=0', { token: token('x') })).status).toBe(400);
    expect((await http(app.url, 'GET', '/api/notifications?unread=maybe', { token: token('x') })).status).toBe(400);
    expect((await http(app.url, 'POST', '/api/notifications/no%20such/read', { token: token('x') })).status).toBe(400);
    expect((await http(app.url, 'POST', '/api/notifications/unknown-id/read', { token: token('x') })).status).toBe(404);
    // Nothing half-written by the refused requests.
    expect((await http<Page>(app.url, 'GET', '/api/notifications', { token: token('x') })).body.items).toEqual([]);
  });

  it('provides USER_NOTIFIER globally; a dedupeKey makes a retried notify create one notification', async () => {
    const notifier = app.get<UserNotifier>(USER_NOTIFIER as never);
    const s = await open('n-achiever');
    const news = collect(s, 'notifications:new');
    const request = {
      userIds: ['n-achiever'],
      eventKey: 'achievement.unlocked',
      category: 'achievement' as const,
      title: 'First steps',
      body: 'You unlocked an achievement',
      data: { achievementId: 'a1' },
      dedupeKey: 'achievement:a1',
    };
    await notifier.notify(request);
    await notifier.notify(request);
    const viaHttp = await http<{ notifications: Dto[]; duplicates: number }>(app.url, 'POST', '/api/notifications', {
      token: serviceToken(),
      body: { ...request, userId: 'n-achiever', userIds: undefined },
    });
    expect(viaHttp.body).toEqual({ notifications: [], duplicates: 1 });
    await sleep(300);
    expect(news).toHaveLength(1);
    expect(news[0]).toMatchObject({ eventKey: 'achievement.unlocked', notification: { priority: 'medium', data: { achievementId: 'a1' } } });
    await expect(notifier.notify({ ...request, userIds: [] })).rejects.toThrow(/userIds/);
  });

  it('a retry announces a notification that an interrupted first attempt stored but never published, once', async () => {
    // What a crash between the insert and the publish leaves behind: rows, no events.
    const prisma = app.get(PrismaService);
    const base = { eventKey: 'compliance.report_overdue', category: 'compliance', title: 'Report overdue', body: 'File it', data: {}, priority: 'high', dedupeKey: 'report:q3' };
    const stranded = await prisma.notification.create({ data: { ...base, userId: 'n-stranded' } });
    await prisma.notification.create({ data: { ...base, userId: 'n-seen', readAt: new Date() } });
    const stuck = await open('n-stranded');
    const seen = await open('n-seen');
    const news = { stuck: collect<{ notification: Dto }>(stuck, 'notifications:new'), seen: collect(seen, 'notifications:new') };
    const counts = collect<{ unread: number }>(stuck, 'notifications:count');

    const retry = () =>
      http<{ notifications: Dto[]; duplicates: number }>(app.url, 'POST', '/api/notifications', {
        token: serviceToken(),
        body: { ...base, userIds: ['n-stranded', 'n-seen'] },
      });
    expect((await retry()).body).toEqual({ notifications: [], duplicates: 2 });
    await eventually(() => news.stuck.length === 1 && counts.length === 1);
    expect(news.stuck[0].notification).toMatchObject({ id: stranded.id, title: 'Report overdue', readAt: null });
    expect(counts[0]).toMatchObject({ unread: 1 });

    expect((await retry()).body).toEqual({ notifications: [], duplicates: 2 });
    await sleep(300);
    expect(news.stuck).toHaveLength(1);
    expect(counts).toHaveLength(1);
    expect(news.seen).toEqual([]); // already read: nothing to announce
  });
});

describe('notifications across instances', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ redis: true });
    b = await startTestApp({ redis: a.redisPrefix, databaseUrl: a.databaseUrl });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('delivers new notifications and unread counts to the user on every instance, once each', async () => {
    const onA = await appSocket(a, 'x-user');
    const onB = await appSocket(b, 'x-user');
    const news = [collect(onA, 'notifications:new'), collect(onB, 'notifications:new')];
    const counts = [collect<{ unread: number }>(onA, 'notifications:count'), collect<{ unread: number }>(onB, 'notifications:count')];
    const created = await http<{ notifications: Dto[] }>(a.url, 'POST', '/api/notifications', { token: serviceToken(), body: notifyBody(['x-user']) });
    await http(b.url, 'POST', '/api/notifications', { token: serviceToken(), body: notifyBody(['x-user'], { title: 'second' }) });
    await eventually(() => counts.every((c) => c.length === 2));
    await http(b.url, 'POST', `/api/notifications/${created.body.notifications[0].id}/read`, { token: token('x-user') });
    await eventually(() => counts.every((c) => c.length === 3));
    await sleep(300);
    for (const list of news) expect(list).toHaveLength(2);
    for (const list of counts) expect(list.map((c) => c.unread)).toEqual([1, 2, 1]);
    onA.close();
    onB.close();
  });
});

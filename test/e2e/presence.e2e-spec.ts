/**
 * Presence on `/ws/app`, one instance without Redis (the in-memory store): full snapshots
 * to the user's own sockets on connect and disconnect, online/offline status only to
 * observers, several tabs, heartbeat semantics, the HTTP routes and the admin kick,
 * with real sockets and a real database.
 */
import { startTestApp, type TestApp } from '../support/app';
import { emitAck, http, waitFor } from '../support/clients';
import { APP_NS, connectRecording, settle, shape, type RecordingSocket, type Snapshot } from '../support/presence';
import { FIXTURE_NS, FixtureModule } from '../support/fixture.module';
import { adminToken, token } from '../support/tokens';

describe('presence on one instance', () => {
  let app: TestApp;
  const open: RecordingSocket[] = [];
  /** Connects and remembers the socket so it is closed after the test. */
  const join = async (userId: string, userAgent?: string) => {
    const s = await connectRecording(app.url, userId, APP_NS, userAgent);
    open.push(s);
    return s;
  };
  beforeAll(async () => {
    // with the platform's fixture namespace, to show that an admin kick reaches every namespace
    app = await startTestApp({ modules: [FixtureModule] });
  });
  afterEach(() => {
    open.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await app?.close();
  });

  it('announces a connection to the user in full and to the namespace as online status only', async () => {
    const observer = await join('p1-observer');
    const user = await join('p1-user', 'Mozilla/5.0 test-tab');
    const seen = await observer.update('p1-user');
    const own = await user.update('p1-user');

    expect(own).toMatchObject({ userId: 'p1-user', isOnline: true });
    expect(own.sockets).toHaveLength(1);
    expect(own.sockets[0]).toMatchObject({ socketId: user.socket.id, userAgent: 'Mozilla/5.0 test-tab', ip: '127.0.0.1' });
    expect(typeof own.sockets[0].connectedAt).toBe('number');
    expect(own.lastSeen).toBe(own.sockets[0].lastSeen);
    expect(seen).toEqual({ userId: 'p1-user', isOnline: true, lastSeen: own.lastSeen });

    await settle();
    // one emit per audience: neither the observer nor the user hears the connect twice
    expect(observer.about('p1-user')).toHaveLength(1);
    expect(user.about('p1-user')).toHaveLength(1);
  });

  it('keeps a user with three tabs online until the last tab closes; observers hear online once, offline once', async () => {
    const observer = await join('p2-observer');
    const tabs = [await join('p2-user'), await join('p2-user'), await join('p2-user')];
    const stays = tabs[1];
    await stays.update('p2-user', (s) => s.sockets.length === 3);

    let since = stays.mark();
    tabs[0].close();
    const two = await stays.update('p2-user', undefined, { since });
    expect(shape(two)).toEqual([true, [tabs[1].socket.id, tabs[2].socket.id]]);
    since = stays.mark();
    tabs[2].close();
    const one = await stays.update('p2-user', undefined, { since });
    expect(shape(one)).toEqual([true, [tabs[1].socket.id]]);

    const during = await http<Snapshot>(app.url, 'GET', '/api/presence/p2-user', { token: token('p2-user') });
    expect(during.status).toBe(200);
    expect(shape(during.body)).toEqual([true, [tabs[1].socket.id]]);

    since = observer.mark();
    tabs[1].close();
    const gone = await observer.update('p2-user', (s) => !s.isOnline, { since });
    expect(gone).toEqual({ userId: 'p2-user', isOnline: false, lastSeen: expect.any(Number) });
    await settle();
    // the observer saw exactly: online, then offline; never a socket
    expect(observer.about('p2-user').map((s) => s.isOnline)).toEqual([true, false]);
    expect(observer.about('p2-user').every((s) => !('sockets' in s))).toBe(true);

    const after = await http<Snapshot>(app.url, 'GET', '/api/presence/p2-user', { token: token('p2-observer') });
    expect(after.body).toEqual({ userId: 'p2-user', isOnline: false, lastSeen: gone.lastSeen });
  });

  it('sends a heartbeat snapshot to the user only, with the refreshed lastSeen; the payload is ignored', async () => {
    const observer = await join('p3-observer');
    const tabA = await join('p3-user');
    const tabB = await join('p3-user');
    const connected = await tabA.update('p3-user', (s) => s.sockets.length === 2);
    await observer.update('p3-user');
    const before = {
      own: tabA.about('p3-user').length,
      other: tabB.about('p3-user').length,
      observer: observer.about('p3-user').length,
    };

    const viaB = tabB.update('p3-user', undefined, { since: tabB.mark() });
    expect(await emitAck(tabA.socket, 'presence:heartbeat', { anything: ['is', 'ignored'] })).toEqual({ success: true });
    const beat = await viaB;
    expect(beat.isOnline).toBe(true);
    const entryA = beat.sockets.find((s) => s.socketId === tabA.socket.id)!;
    const entryAtConnect = connected.sockets.find((s) => s.socketId === tabA.socket.id)!;
    expect(entryA.lastSeen).toBeGreaterThanOrEqual(entryAtConnect.lastSeen!);
    expect(entryA.connectedAt).toBe(entryAtConnect.connectedAt);
    expect(beat.lastSeen).toBe(Math.max(...beat.sockets.map((s) => s.lastSeen!)));
    expect(beat.sockets.map((s) => s.socketId).sort()).toEqual([tabA.socket.id, tabB.socket.id].sort());

    // without an acknowledgement and without a payload, as the app client sends it
    const second = tabB.update('p3-user', undefined, { since: tabB.mark() });
    tabA.socket.emit('presence:heartbeat');
    await second;
    await settle();
    expect(tabA.about('p3-user')).toHaveLength(before.own + 2);
    expect(tabB.about('p3-user')).toHaveLength(before.other + 2);
    expect(observer.about('p3-user')).toHaveLength(before.observer); // heartbeats are not the namespace's business
  });

  it('accepts a 5,120-byte heartbeat, refuses 5,121 bytes before the handler, and the connection stays usable', async () => {
    const user = await join('p4-user');
    await user.update('p4-user');
    // The cap counts the UTF-8 bytes of the JSON-encoded arguments: ["…"] adds 4 to the string.
    const ofBytes = (n: number) => 'x'.repeat(n - 4);
    expect(Buffer.byteLength(JSON.stringify([ofBytes(5121)]))).toBe(5121);
    expect(app.config.socket.maxPayloadBytes).toBe(5120);

    const since = user.mark();
    const refused = await emitAck<{ success: boolean; code: string }>(user.socket, 'presence:heartbeat', ofBytes(5121));
    expect(refused).toMatchObject({ success: false, code: 'socket_error:payload_too_large' });
    await settle(300);
    expect(user.mark()).toBe(since); // the handler never ran: nothing refreshed, nothing sent

    expect(await emitAck(user.socket, 'presence:heartbeat', ofBytes(5120))).toEqual({ success: true });
    await user.update('p4-user', undefined, { since });
    expect(user.socket.connected).toBe(true);

    // another namespace keeps its own cap (the fixture's is 1,024 bytes)
    const elsewhere = await connectRecording(app.url, 'p4-user', FIXTURE_NS);
    open.push(elsewhere);
    expect(await emitAck(elsewhere.socket, 'echo', ofBytes(5120))).toMatchObject({
      success: false,
      code: 'socket_error:payload_too_large',
    });
  });

  describe('HTTP', () => {
    it('GET /api/presence/:userId: offline with lastSeen null for a user never seen; sockets for self and admins only', async () => {
      const never = await http<Snapshot>(app.url, 'GET', '/api/presence/p5-nobody', { token: token('p5-viewer') });
      expect(never).toEqual({ status: 200, body: { userId: 'p5-nobody', isOnline: false, lastSeen: null } });

      const user = await join('p5-user');
      await user.update('p5-user');
      const asOther = await http<Snapshot>(app.url, 'GET', '/api/presence/p5-user', { token: token('p5-viewer') });
      const asSelf = await http<Snapshot>(app.url, 'GET', '/api/presence/p5-user', { token: token('p5-user') });
      const asAdmin = await http<Snapshot>(app.url, 'GET', '/api/presence/p5-user', { token: adminToken() });
      expect(asOther.body).toEqual({ userId: 'p5-user', isOnline: true, lastSeen: asSelf.body.lastSeen });
      expect(asSelf.body.sockets).toEqual([expect.objectContaining({ socketId: user.socket.id, userAgent: 'jest-p5-user' })]);
      expect(asSelf.body.sockets[0].ip).toBe('127.0.0.1');
      expect(asAdmin.body.sockets[0].ip).toBe('127.0.0.1');
    });

    it('POST /api/presence/query answers in the order asked, each user once', async () => {
      const user = await join('p6-on');
      await user.update('p6-on');
      const res = await http<{ snapshots: Snapshot[] }>(app.url, 'POST', '/api/presence/query', {
        token: token('p6-viewer'),
        body: { userIds: ['p6-off', 'p6-on', 'p6-off'] },
      });
      expect(res.status).toBe(200);
      expect(res.body.snapshots.map((s) => [s.userId, s.isOnline])).toEqual([
        ['p6-off', false],
        ['p6-on', true],
      ]);
    });

    it.each([
      ['no userIds', {}],
      ['an empty list', { userIds: [] }],
      ['a non-string id', { userIds: [42] }],
      ['an id with a wildcard', { userIds: ['user*'] }],
      ['too many ids', { userIds: Array.from({ length: 101 }, (_, i) => `u${i}`) }],
      ['a __proto__ key', JSON.parse('{"userIds":["a"],"__proto__":{"x":1}}') as unknown],
      ['not an object', ['a']],
    ])('POST /api/presence/query with %s → 400 naming the problem', async (_what, body) => {
      const res = await http<{ error: string; message: string }>(app.url, 'POST', '/api/presence/query', {
        token: token('p7'),
        body,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('bad_request');
      expect(res.body.message).toBeTruthy();
    });

    it('refuses a malformed user id with 400 and anonymous callers with 401', async () => {
      expect((await http(app.url, 'GET', `/api/presence/${encodeURIComponent('a b')}`, { token: token('p8') })).status).toBe(400);
      expect((await http(app.url, 'GET', `/api/presence/${'x'.repeat(129)}`, { token: token('p8') })).status).toBe(400);
      expect((await http(app.url, 'GET', '/api/presence/p8')).status).toBe(401);
      expect((await http(app.url, 'POST', '/api/presence/query', { body: { userIds: ['p8'] } })).status).toBe(401);
    });
  });

  describe('POST /api/admin/disconnect', () => {
    it('sends system:disconnect to every socket of the user on every namespace, then closes them; the namespace hears the user go offline', async () => {
      const observer = await join('p9-observer');
      const tabs = [await join('p9-user'), await join('p9-user')];
      const elsewhere = await connectRecording(app.url, 'p9-user', FIXTURE_NS);
      open.push(elsewhere);
      tabs.push(elsewhere);
      await observer.update('p9-user');
      await tabs[0].update('p9-user', (s) => s.sockets.length === 2);
      const closed = tabs.map((t) => waitFor<string>(t.socket, 'disconnect'));

      const res = await http(app.url, 'POST', '/api/admin/disconnect', { token: adminToken(), body: { userId: 'p9-user' } });
      expect(res).toEqual({ status: 200, body: { userId: 'p9-user', sockets: 3, instances: 1, complete: true } });
      expect(await Promise.all(closed)).toEqual(Array(3).fill('io server disconnect'));
      for (const tab of tabs) {
        const names = tab.events.map(([name]) => name);
        expect(names.slice(-2)).toEqual(['system:disconnect', 'disconnect']);
        expect(tab.events.find(([name]) => name === 'system:disconnect')?.[1]).toEqual({
          reason: 'admin_disconnect',
          reconnectInMs: 5000,
        });
      }
      await observer.update('p9-user', (s) => !s.isOnline);
      expect(observer.socket.connected).toBe(true);
      expect(observer.events.some(([name]) => name === 'system:disconnect')).toBe(false);
    });

    it('takes a reconnect hint and answers a user with no sockets with zero', async () => {
      const user = await join('p10-user');
      const notice = waitFor(user.socket, 'system:disconnect');
      const res = await http(app.url, 'POST', '/api/admin/disconnect', {
        token: adminToken(),
        body: { userId: 'p10-user', reconnectInMs: 0 },
      });
      expect(res.body).toMatchObject({ sockets: 1 });
      expect(await notice).toEqual({ reason: 'admin_disconnect', reconnectInMs: 0 });
      const none = await http(app.url, 'POST', '/api/admin/disconnect', { token: adminToken(), body: { userId: 'p10-nobody' } });
      expect(none).toEqual({ status: 200, body: { userId: 'p10-nobody', sockets: 0, instances: 1, complete: true } });
    });

    it('is refused with 403 for a non-admin, whose target stays connected', async () => {
      const user = await join('p11-user');
      for (const roles of [[], ['service']]) {
        const res = await http<{ error: string }>(app.url, 'POST', '/api/admin/disconnect', {
          token: token('p11-caller', { roles }),
          body: { userId: 'p11-user' },
        });
        expect(res.status).toBe(403);
      }
      expect((await http(app.url, 'POST', '/api/admin/disconnect', { body: { userId: 'p11-user' } })).status).toBe(401);
      await settle(300);
      expect(user.socket.connected).toBe(true);
      expect(user.events.some(([name]) => name === 'system:disconnect')).toBe(false);
    });

    it.each([
      ['no userId', {}],
      ['a numeric userId', { userId: 7 }],
      ['a userId with spaces', { userId: 'a b' }],
      ['a negative reconnect hint', { userId: 'x', reconnectInMs: -1 }],
      ['a fractional reconnect hint', { userId: 'x', reconnectInMs: 1.5 }],
    ])('with %s → 400', async (_what, body) => {
      const res = await http<{ error: string }>(app.url, 'POST', '/api/admin/disconnect', { token: adminToken(), body });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('bad_request');
    });
  });
});

/**
 * Presence privacy and fan-out across two instances sharing a real Redis: observers get
 * `{userId, isOnline, lastSeen}` only, and only when the online state changes (coalesced per
 * user); the user's own sockets keep the full snapshot; heartbeats are rate-limited per socket.
 */
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/app';
import { emitAck, eventually, sleep } from '../support/clients';
import { APP_NS, connectRecording, settle, type RecordingSocket } from '../support/presence';

/** Lets coalesced updates (≤ 1 per user per 250 ms) and cross-instance hops land. */
const QUIET_MS = 700;

describe('presence privacy and fan-out (two instances, Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  const open: RecordingSocket[] = [];
  const join = async (app: TestApp, userId: string, userAgent?: string) => {
    const s = await connectRecording(app.url, userId, APP_NS, userAgent);
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    a = await startTestApp({ redis: true });
    b = await startTestApp({ databaseUrl: a.databaseUrl, redis: a.redisPrefix });
  });
  afterEach(() => {
    open.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a user opening 4 tabs on two instances sends each observer one update without any device field', async () => {
    const observers = [await join(a, 'fan-watch-a'), await join(b, 'fan-watch-b')];
    const tabs: RecordingSocket[] = [];
    for (let i = 0; i < 4; i++) tabs.push(await join(i % 2 ? b : a, 'fan-user', `Mozilla/5.0 tab-${i}`));
    await tabs[0].update('fan-user', (s) => s.sockets?.length === 4);
    await settle(QUIET_MS);

    process.stdout.write(`presence fan-out: 4 tabs of one user → ${observers.map((o) => o.about('fan-user').length).join(', ')} update(s) per observer\n`);
    for (const o of observers) {
      const seen = o.about('fan-user');
      expect(seen).toEqual([{ userId: 'fan-user', isOnline: true, lastSeen: expect.any(Number) }]);
      // nothing identifying a device or a connection, whatever the field is called
      const raw = JSON.stringify(o.events.filter(([name, p]) => name === 'presence:update' && (p as { userId: string }).userId === 'fan-user'));
      for (const tab of tabs) expect(raw).not.toContain(tab.socket.id);
      expect(raw).not.toMatch(/Mozilla|127\.0\.0\.1|socketId|userAgent|"ip"/);
    }

    // the user's own tabs still get the full snapshot, addresses included
    const own = tabs[3].about('fan-user').at(-1)!;
    expect(own.sockets.map((s) => s.userAgent).sort()).toEqual([0, 1, 2, 3].map((i) => `Mozilla/5.0 tab-${i}`));
    expect(own.sockets.every((s) => s.ip === '127.0.0.1')).toBe(true);

    // closing three of the four tabs is not news either; the last one is
    for (const tab of tabs.slice(0, 3)) tab.close();
    await tabs[3].update('fan-user', (s) => s.sockets?.length === 1);
    await settle(QUIET_MS);
    for (const o of observers) expect(o.about('fan-user')).toHaveLength(1);
    tabs[3].close();
    for (const o of observers) await o.update('fan-user', (s) => !s.isOnline);
    await settle(QUIET_MS);
    for (const o of observers) expect(o.about('fan-user').map((s) => s.isOnline)).toEqual([true, false]);
  });

  it('rate-limits presence:heartbeat per socket: the excess is acked rate_limited and not recorded', async () => {
    const user = await join(a, 'beat-user');
    const other = await join(a, 'beat-user');
    await user.update('beat-user', (s) => s.sockets?.length === 2);
    await other.update('beat-user', (s) => s.sockets?.length === 2); // its own connect has arrived too: nothing older is still on its way
    const about = () => other.about('beat-user').length;
    const since = about();
    expect(await emitAck(user.socket, 'presence:heartbeat')).toEqual({ success: true });
    expect(await emitAck(user.socket, 'presence:heartbeat')).toEqual({ success: true });
    const refused = await emitAck<{ success: boolean; code: string; retryInMs: number }>(user.socket, 'presence:heartbeat');
    expect(refused).toMatchObject({ success: false, code: 'socket_error:rate_limited' });
    expect(refused.retryInMs).toBeGreaterThan(0);
    expect(refused.retryInMs).toBeLessThanOrEqual(60_000 / a.config.presenceHeartbeatsPerMinute);
    // another socket of the same user has its own allowance
    expect(await emitAck(other.socket, 'presence:heartbeat')).toEqual({ success: true });
    await eventually(() => about() - since === 3);
    await settle(300);
    expect(about() - since).toBe(3); // two heartbeats of one socket and one of the other; the refused one sent nothing
    expect(user.socket.connected).toBe(true);
  });

  type Op = { kind: 'connect'; user: number; instance: 0 | 1 } | { kind: 'disconnect'; pick: number } | { kind: 'heartbeat'; pick: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('connect' as const), user: fc.integer({ min: 0, max: 1 }), instance: fc.constantFrom(0 as const, 1 as const) }),
    fc.record({ kind: fc.constant('disconnect' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('heartbeat' as const), pick: fc.nat() }),
  );

  /**
   * Runs the operations against the two instances and returns, per user, the true online
   * states after each operation and what each observer was shown.
   */
  async function run(tag: string, ops: Op[], pauseMs: number) {
    const users = [`${tag}-u0`, `${tag}-u1`];
    const observers = [await join(a, `${tag}-watch-a`), await join(b, `${tag}-watch-b`)];
    const tabs: Array<{ user: number; socket: RecordingSocket }> = [];
    const truth: boolean[][] = [[false], [false]];
    for (const o of ops) {
      if (o.kind === 'connect') {
        tabs.push({ user: o.user, socket: await join(o.instance ? b : a, users[o.user]) });
      } else if (tabs.length) {
        const [tab] = o.kind === 'disconnect' ? tabs.splice(o.pick % tabs.length, 1) : [tabs[o.pick % tabs.length]];
        if (o.kind === 'disconnect') tab.socket.close();
        else tab.socket.socket.emit('presence:heartbeat');
      }
      users.forEach((_, u) => {
        const online = tabs.some((t) => t.user === u);
        if (truth[u].at(-1) !== online) truth[u].push(online);
      });
      if (pauseMs) await sleep(pauseMs);
    }
    // wait for the final state to reach every observer (a busy machine may need longer than the window), then for stragglers
    const settled = () => observers.every((o) => users.every((u, i) => (o.about(u).at(-1)?.isOnline ?? false) === truth[i].at(-1)));
    await eventually(settled, 5000).catch(() => undefined);
    await settle(QUIET_MS);
    const shown = observers.map((o) => users.map((u) => o.about(u)));
    tabs.forEach((t) => t.socket.close());
    return { truth, shown };
  }

  it('property: observers on both instances see only online/offline transitions, alternating, ending on the true state', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        const { truth, shown } = await run(`pp${round++}`, ops, 0);
        for (const perUser of shown) {
          perUser.forEach((updates, u) => {
            const transitions = truth[u].length - 1; // starts offline, never seen
            expect(updates.length).toBeLessThanOrEqual(transitions);
            updates.forEach((s, i) => {
              expect(Object.keys(s).sort()).toEqual(['isOnline', 'lastSeen', 'userId']);
              if (i > 0) expect(s.isOnline).not.toBe(updates[i - 1].isOnline);
            });
            // what an observer ends on is the truth (offline when it was shown nothing)
            expect(updates.at(-1)?.isOnline ?? false).toBe(truth[u].at(-1));
          });
        }
      }),
      { numRuns: 12 },
    );
  });

  it('property: with changes further apart than the coalescing window, observers see exactly the transitions', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        const { truth, shown } = await run(`px${round++}`, ops, 600);
        for (const perUser of shown) {
          perUser.forEach((updates, u) => expect(updates.map((s) => s.isOnline)).toEqual(truth[u].slice(1)));
        }
      }),
      { numRuns: 6 },
    );
  });
});

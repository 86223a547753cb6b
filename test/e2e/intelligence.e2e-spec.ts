/**
 * /ws/intelligence end to end (docs/modules/intelligence.md): real PostgreSQL, real sockets.
 * The broadcast job's interval is set far beyond the suite's run time; ticks are
 * triggered with JobScheduler.runNow or the status API's trigger_broadcast.
 */
import { Global, Injectable, Module } from '@nestjs/common';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { USER_NOTIFIER, type NotifyRequest, type UserNotifier } from '../../src/core/ports';
import { PrismaService } from '../../src/core/prisma';
import { JobScheduler } from '../../src/core/scheduling';
import { INTELLIGENCE_BROADCAST_JOB } from '../../src/modules/intelligence/intelligence-broadcast.job';
import { NAMESPACES } from '../../src/core/realtime';
import { IntelligencePublisher } from '../../src/modules/intelligence/intelligence.publisher';
import { IntelligenceService } from '../../src/modules/intelligence/intelligence.service';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, connectError, emitAck, eventually, http, sleep, waitFor } from '../support/clients';
import { adminToken, serviceToken, token } from '../support/tokens';

/**
 * Stands in for the Notifications module's USER_NOTIFIER while that module is absent. The
 * tests spy on whichever notifier the service was actually given, so they hold unchanged
 * once the real one is registered (Nest then resolves the token to it first).
 */
@Injectable()
class StandInNotifier implements UserNotifier {
  async notify(_request: NotifyRequest): Promise<void> {}
}

@Global()
@Module({ providers: [{ provide: USER_NOTIFIER, useClass: StandInNotifier }], exports: [USER_NOTIFIER] })
class StandInNotifierModule {}

interface Payload {
  type: string;
  category: string;
  countryId: string | null;
  data: Record<string, unknown>;
  timestamp: string;
  priority: string;
  offset: string;
}
interface Ack {
  success: boolean;
  channels?: string[];
  error?: string;
  code?: string;
  replayed?: number;
}

const NS = NAMESPACES.intelligence;
const SERVICE = serviceToken();
const ADMIN = adminToken();
const DEFAULTS = ['achievement', 'all', 'crisis', 'diplomatic', 'economic', 'government'];
const EVENTS = ['intelligence:update', 'intelligence:alert', 'economic:change', 'vitality:update', 'system:event'] as const;

const figures = (over: Partial<Record<string, unknown>> = {}) => ({ name: 'Freedonia', gdp: 1_000_000, population: 5_000_000, vitality: 80, economicTier: 'Developed', ...over });

describe('/ws/intelligence', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  const open = async (sub = 'alice', extra: { auth?: Record<string, unknown> } = {}) => {
    const s = await connect(app.url, NS, { token: token(sub), ...extra });
    sockets.push(s);
    return s;
  };
  /** Every intelligence event a socket receives, in arrival order. */
  const record = (s: Socket) => {
    const seen: Array<{ event: string; payload: Payload }> = [];
    for (const event of EVENTS) s.on(event, (payload: Payload) => seen.push({ event, payload }));
    return seen;
  };
  const put = (id: string, body: unknown, tok = SERVICE) => http<Record<string, unknown>>(app.url, 'PUT', `/api/countries/${id}`, { token: tok, body });
  const tick = () => app.get(JobScheduler).runNow(INTELLIGENCE_BROADCAST_JOB);
  /** A call-through spy on the USER_NOTIFIER the Intelligence service was injected with. */
  const notifierSpy = () => {
    const notifier = app.get(IntelligenceService)['notifier'] as UserNotifier;
    return jest.spyOn(notifier, 'notify');
  };

  beforeAll(async () => {
    app = await startTestApp({ modules: [StandInNotifierModule], env: { INTELLIGENCE_BROADCAST_INTERVAL_MS: '2000000000' } });
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  afterAll(() => app?.close());

  describe('connection and subscriptions', () => {
    it('refuses a socket without a token', async () => {
      const err = await connectError(app.url, NS);
      expect(err.data?.code).toBe('socket_error:unauthorized');
    });

    it('puts a new socket in all and the five categories, and acks subscribe/unsubscribe with its channels', async () => {
      const s = await open();
      const sub = await emitAck<Ack>(s, 'subscribe', { channels: ['country:fr', 'global:intelligence', 'intelligence:alerts', 'intelligence:crisis', 'system:events'] });
      expect(sub.success).toBe(true);
      expect([...sub.channels!].sort()).toEqual(
        [...DEFAULTS, 'country:fr', 'global:intelligence', 'intelligence:alerts', 'intelligence:crisis', 'system:events'].sort(),
      );
      const unsub = await emitAck<Ack>(s, 'unsubscribe', { channels: ['country:fr', 'all'] });
      expect(unsub.success).toBe(true);
      expect(unsub.channels).not.toContain('country:fr');
      expect(unsub.channels).not.toContain('all');
    });

    it.each([
      ['an unknown channel', { channels: ['economy'] }],
      ["another socket's room", { channels: ['user:bob'] }],
      ['a wildcard', { channels: ['country:*'] }],
      ['an unknown category feed', { channels: ['intelligence:sports'] }],
      ['an overlong name', { channels: [`country:${'x'.repeat(200)}`] }],
      ['no channels', { channels: [] }],
      ['a non-array', { channels: 'all' }],
      ['an unknown field', { channels: ['all'], extra: 1 }],
      ['a bad since', { channels: ['all'], since: 'yesterday' }],
      ['a polluted payload', JSON.parse('{"channels":["all"],"__proto__":{"x":1}}')],
    ])('refuses subscribe with %s (socket_error:bad_request) and joins nothing', async (_what, body) => {
      const s = await open();
      const ack = await emitAck<Ack>(s, 'subscribe', body);
      expect(ack).toMatchObject({ success: false, code: 'socket_error:bad_request' });
      const state = await emitAck<Ack>(s, 'unsubscribe', { channels: ['global:intelligence'] });
      expect([...state.channels!].sort()).toEqual(DEFAULTS);
    });

    it('answers any other event with socket_error:bad_request', async () => {
      const s = await open();
      expect(await emitAck<Ack>(s, 'publish', { channels: ['all'] })).toMatchObject({ success: false, code: 'socket_error:bad_request' });
      const error = waitFor<{ code: string }>(s, 'error');
      s.emit('whatever', 1);
      expect((await error).code).toBe('socket_error:bad_request');
      expect(s.connected).toBe(true);
    });

    it('survives schema fuzz: every random subscribe payload is answered, nothing is joined by a refused one', async () => {
      const s = await open('fuzz');
      const payloads = fc.sample(
        fc.oneof(
          fc.anything(),
          fc.record({ channels: fc.array(fc.oneof(fc.string(), fc.constantFrom('all', 'country:x', 'user:me', '__proto__')), { maxLength: 4 }), since: fc.anything() }, { requiredKeys: [] }),
        ),
        { numRuns: 60, seed: 3 },
      );
      for (const payload of payloads) {
        const ack = await emitAck<Ack>(s, 'subscribe', payload);
        if (!ack.success) expect(ack.code).toBe('socket_error:bad_request');
        else expect(ack.channels!.every((c) => DEFAULTS.includes(c) || c === 'country:x')).toBe(true);
      }
      expect(s.connected).toBe(true);
    });

    it('refuses a handshake whose since is not an offset', async () => {
      const err = await connectError(app.url, NS, { token: token('x'), auth: { since: 'nope' } });
      expect(err.data?.code).toBe('socket_error:bad_request');
    });
  });

  describe('countries over HTTP', () => {
    it('creates (201) then replaces (200) a country, for service or admin callers only', async () => {
      expect((await put('c-http', figures())).status).toBe(201);
      const again = await put('c-http', figures({ name: 'Freedonia Republic', gdp: 2_000_000 }), ADMIN);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: 'c-http', name: 'Freedonia Republic', gdp: 2_000_000, population: 5_000_000, vitality: 80, economicTier: 'Developed' });
      expect((await put('c-http', figures(), token('user'))).status).toBe(403);
      expect((await put('c-http', figures(), '')).status).toBe(401);
      const got = await http<Record<string, unknown>>(app.url, 'GET', '/api/countries/c-http', { token: token('reader') });
      expect(got.status).toBe(200);
      // the baseline is the first figures seen; replacing figures does not move it (only an alerted crossing does)
      expect(got.body).toMatchObject({ gdp: 2_000_000, baseline: { gdp: 1_000_000 } });
    });

    it('answers 404 for an unknown country and 400 naming the field for bad figures, writing nothing', async () => {
      expect((await http(app.url, 'GET', '/api/countries/nowhere', { token: token('r') })).status).toBe(404);
      const cases: Array<[Record<string, unknown>, string]> = [
        [figures({ gdp: -1 }), 'gdp'],
        [figures({ gdp: '100' }), 'gdp'],
        [figures({ population: 1.5 }), 'population'],
        [figures({ population: -3 }), 'population'],
        [figures({ vitality: 101 }), 'vitality'],
        [figures({ name: '' }), 'name'],
        [{ ...figures(), economicTier: undefined }, 'economicTier'],
      ];
      for (const [body, field] of cases) {
        const res = await put('c-bad', body);
        expect(res.status).toBe(400);
        expect(String(res.body.message)).toContain(field);
      }
      expect((await put('bad id!', figures())).status).toBe(400);
      expect((await http(app.url, 'GET', '/api/countries/c-bad', { token: token('r') })).status).toBe(404);
      const huge = await http(app.url, 'PUT', '/api/countries/c-bad', { token: SERVICE, rawBody: JSON.stringify({ ...figures(), name: 'x'.repeat(300_000) }) });
      expect(huge.status).toBe(413);
      expect((await http(app.url, 'GET', '/api/countries/c-bad', { token: token('r') })).status).toBe(404);
    });
  });

  describe('change detection (broadcast job)', () => {
    // Alert whatever earlier tests left pending, so each test sees only its own changes.
    beforeEach(() => tick());

    it('delivers a crossing once to a socket in all, economic and country:<id>; nothing for sub-threshold changes; no re-alert', async () => {
      await put('c1', figures());
      const s = await open();
      await emitAck(s, 'subscribe', { channels: ['country:c1', 'global:intelligence', 'intelligence:economic', 'intelligence:alerts'] });
      const seen = record(s);

      await put('c1', figures({ gdp: 1_040_000, population: 5_050_000, vitality: 75 })); // +4 %, +1 %, −5 points
      await tick();
      await sleep(300);
      expect(seen).toEqual([]);

      await put('c1', figures({ gdp: 1_060_000 })); // +6 % against the baseline (drift adds up)
      await tick();
      await eventually(() => seen.length >= 3);
      await sleep(300); // nothing more may arrive
      expect(seen.map((e) => e.event)).toEqual(['intelligence:update', 'intelligence:alert', 'economic:change']);
      for (const { payload } of seen) {
        expect(payload).toMatchObject({ category: 'economic', countryId: 'c1', offset: expect.stringMatching(/^\d+$/) });
        expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);
      }
      const [update, alert, change] = seen.map((e) => e.payload);
      expect(update.type).toBe('intelligence_update');
      expect(alert.type).toBe('intelligence_alert');
      expect(change).toMatchObject({
        type: 'economic_change',
        priority: 'medium',
        data: { figure: 'gdp', previous: 1_000_000, current: 1_060_000, delta: 60_000, deltaPct: 6, threshold: 5, countryName: 'Freedonia' },
      });
      expect(update.data.itemId).toBe(change.data.itemId);
      expect(BigInt(alert.offset)).toBeGreaterThan(BigInt(update.offset));

      // the same crossing is not alerted again
      await tick();
      await tick();
      await sleep(300);
      expect(seen).toHaveLength(3);
      const items = await http<{ items: Array<{ countryId: string; data: { figure: string } }> }>(app.url, 'GET', '/api/intelligence/items?countryId=c1', { token: token('r') });
      expect(items.body.items).toHaveLength(1);
      expect(items.body.items[0].data.figure).toBe('gdp');
    });

    it('sends vitality drops as vitality:update and keeps country:<id> subscribers to their own country', async () => {
      await put('c2', figures({ name: 'Sylvania' }));
      await put('c3', figures({ name: 'Grand Fenwick' }));
      const onlyC3 = await open('bob');
      await emitAck(onlyC3, 'unsubscribe', { channels: DEFAULTS });
      await emitAck(onlyC3, 'subscribe', { channels: ['country:c3'] });
      const everything = await open('carol');
      const seenC3 = record(onlyC3);
      const seenAll = record(everything);

      await put('c2', figures({ name: 'Sylvania', vitality: 60 })); // −20 points: critical
      await put('c3', figures({ name: 'Grand Fenwick', population: 5_200_000 })); // +4 %
      await tick();
      await eventually(() => seenAll.length >= 6 && seenC3.length >= 3);
      await sleep(300);
      expect(seenC3.every((e) => e.payload.countryId === 'c3')).toBe(true);
      expect(seenC3.map((e) => e.event)).toEqual(['intelligence:update', 'intelligence:alert', 'economic:change']);
      expect(seenAll).toHaveLength(6);
      const vitality = seenAll.find((e) => e.event === 'vitality:update')!.payload;
      expect(vitality).toMatchObject({ countryId: 'c2', priority: 'critical', data: { figure: 'vitality', previous: 80, current: 60, delta: -20 } });
    });

    it('measures a vitality drop from the highest value since the last alert', async () => {
      await put('c4', figures({ vitality: 70 }));
      const s = await open();
      const seen = record(s);
      await put('c4', figures({ vitality: 90 }));
      await tick(); // rise: no alert, baseline follows
      await put('c4', figures({ vitality: 79 }));
      await tick(); // −11 from 90
      await eventually(() => seen.some((e) => e.event === 'vitality:update'));
      expect(seen.find((e) => e.event === 'vitality:update')!.payload.data).toMatchObject({ previous: 90, current: 79 });
    });
  });

  describe('publisher routing', () => {
    it('sends system events to system:events and all only, and crisis alerts also to intelligence:alerts', async () => {
      const publisher = app.get(IntelligencePublisher);
      const systemOnly = await open('sys');
      await emitAck(systemOnly, 'unsubscribe', { channels: DEFAULTS });
      await emitAck(systemOnly, 'subscribe', { channels: ['system:events', 'intelligence:alerts'] });
      const economicOnly = await open('eco');
      await emitAck(economicOnly, 'unsubscribe', { channels: DEFAULTS.filter((c) => c !== 'economic') });
      const sys = record(systemOnly);
      const eco = record(economicOnly);

      await publisher.broadcastSystemEvent({ message: 'maintenance at 18:00' }, { priority: 'high' });
      await publisher.pushCrisisAlert('c-crisis', { title: 'Flood' });
      await publisher.pushEconomicUpdate('c-crisis', { title: 'Budget' });
      await eventually(() => sys.length === 2 && eco.length === 1);
      await sleep(300);
      expect(sys.map((e) => [e.event, e.payload.type, e.payload.countryId])).toEqual([
        ['system:event', 'system_event', null],
        ['intelligence:alert', 'intelligence_alert', 'c-crisis'],
      ]);
      expect(eco.map((e) => [e.event, e.payload.category, e.payload.data.title])).toEqual([['intelligence:update', 'economic', 'Budget']]);
    });
  });

  describe('replay', () => {
    beforeEach(() => tick());

    it('replays missed events in order after a reconnect with since (subscribe and handshake)', async () => {
      await put('c5', figures());
      const first = await open('dave');
      await emitAck(first, 'subscribe', { channels: ['country:c5'] });
      const seen = record(first);
      await put('c5', figures({ gdp: 1_200_000 }));
      await tick();
      await eventually(() => seen.length === 3);
      const lastSeen = seen[2].payload.offset;
      first.close();

      await put('c5', figures({ gdp: 1_500_000, vitality: 50 })); // gdp +25 % and vitality −30 while away
      await tick();
      await put('c6', figures({ name: 'Other' }));
      await put('c6', figures({ name: 'Other', gdp: 2_000_000 }));
      await tick();

      const again = await open('dave');
      const replayed = record(again);
      const ack = await emitAck<Ack>(again, 'subscribe', { channels: ['country:c5'], since: lastSeen });
      expect(ack).toMatchObject({ success: true, replayed: 6 });
      await eventually(() => replayed.length === 6);
      expect(replayed.every((e) => e.payload.countryId === 'c5')).toBe(true);
      expect(replayed.map((e) => e.event)).toEqual(['intelligence:update', 'intelligence:alert', 'economic:change', 'intelligence:update', 'intelligence:alert', 'vitality:update']);
      const offsets = replayed.map((e) => BigInt(e.payload.offset));
      expect(offsets.every((o, i) => o > BigInt(lastSeen) && (i === 0 || o > offsets[i - 1]))).toBe(true);

      // the default channels replay through the handshake's since: c5's six and c6's three
      const viaHandshake = await open('dave', { auth: { since: lastSeen } });
      const handshakeSeen = record(viaHandshake);
      await eventually(() => handshakeSeen.length === 9);
      await sleep(200);
      expect(handshakeSeen).toHaveLength(9);
      expect(handshakeSeen.map((e) => e.payload.offset)).toEqual([...handshakeSeen.map((e) => e.payload.offset)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)));
    });

    it('replays the channels joined on connect when a reconnected socket subscribes to them with since', async () => {
      await put('c8', figures());
      const first = await open('frank');
      const seen = record(first);
      await put('c8', figures({ gdp: 1_200_000 }));
      await tick();
      await eventually(() => seen.length === 3);
      const lastSeen = seen[2].payload.offset;
      first.close();
      await put('c8', figures({ gdp: 1_500_000 }));
      await tick();

      const again = await open('frank');
      const replayed = record(again);
      const ack = await emitAck<Ack>(again, 'subscribe', { channels: ['all', 'economic'], since: lastSeen });
      expect(ack).toMatchObject({ success: true, replayed: 3 });
      expect(ack.channels).toEqual(expect.arrayContaining(DEFAULTS));
      await sleep(200);
      expect(replayed.map((e) => e.event)).toEqual(['intelligence:update', 'intelligence:alert', 'economic:change']);
      expect(replayed.every((e) => BigInt(e.payload.offset) > BigInt(lastSeen))).toBe(true);

      // once a newer event has been delivered live, asking again replays nothing (no duplicates)
      const repeat = await emitAck<Ack>(again, 'subscribe', { channels: ['all'], since: lastSeen });
      expect(repeat).toMatchObject({ success: true, replayed: 0 });
      await sleep(200);
      expect(replayed).toHaveLength(3);
    });

    it('does not replay the channels joined on connect after since once newer events arrived live', async () => {
      await put('c9', figures());
      const earlier = await open('gina');
      const earlierSeen = record(earlier);
      await put('c9', figures({ gdp: 1_200_000 }));
      await tick();
      await eventually(() => earlierSeen.length === 3);
      const since = earlierSeen[2].payload.offset;
      earlier.close();

      const live = await open('gina');
      const seen = record(live);
      await put('c9', figures({ gdp: 1_500_000 }));
      await tick();
      await eventually(() => seen.length === 3);
      const ack = await emitAck<Ack>(live, 'subscribe', { channels: ['all', 'economic'], since });
      expect(ack).toMatchObject({ success: true, replayed: 0 });
      await sleep(200);
      expect(seen).toHaveLength(3);
      expect(new Set(seen.map((e) => e.payload.offset)).size).toBe(3);
    });

    it('pages a country channel through GET /api/history', async () => {
      const page = await http<{ events: Array<{ event: string; payload: Payload }> }>(app.url, 'GET', '/api/history?channel=country:c5&since=0', { token: token('r') });
      expect(page.status).toBe(200);
      expect(page.body.events.length).toBeGreaterThanOrEqual(6);
      expect(page.body.events.every((e) => e.payload.countryId === 'c5')).toBe(true);
      expect((await http(app.url, 'GET', '/api/history?channel=intelligence:nope', { token: token('r') })).status).toBe(400);
    });
  });

  describe('intelligence items and achievements', () => {
    it('records an update, broadcasts it to its rooms and lists it; bad input is refused with nothing written', async () => {
      await put('c7', figures({ name: 'Ruritania' }));
      const s = await open();
      await emitAck(s, 'subscribe', { channels: ['intelligence:alerts'] });
      const seen = collect<Payload>(s, 'intelligence:update');
      const body = { countryId: 'c7', category: 'diplomatic', priority: 'high', title: 'Treaty signed', description: 'With Freedonia', data: { partner: 'c1' } };
      const res = await http<{ item: { id: string }; offset: string }>(app.url, 'POST', '/api/intelligence/updates', { token: SERVICE, body });
      expect(res.status).toBe(201);
      await eventually(() => seen.length === 1);
      expect(seen[0]).toMatchObject({ type: 'intelligence_update', category: 'diplomatic', priority: 'high', countryId: 'c7', data: { itemId: res.body.item.id, title: 'Treaty signed', details: { partner: 'c1' } }, offset: res.body.offset });

      const bad: Array<[unknown, number, string]> = [
        [{ ...body, countryId: 'atlantis' }, 404, 'atlantis'],
        [{ ...body, category: 'sports' }, 400, 'category'],
        [{ ...body, priority: 'urgent' }, 400, 'priority'],
        [{ ...body, title: '' }, 400, 'title'],
        [{ ...body, data: 'x' }, 400, 'data'],
      ];
      for (const [b, status, word] of bad) {
        const r = await http<{ message: string }>(app.url, 'POST', '/api/intelligence/updates', { token: SERVICE, body: b });
        expect(r.status).toBe(status);
        expect(r.body.message).toContain(word);
      }
      expect((await http(app.url, 'POST', '/api/intelligence/updates', { token: SERVICE, rawBody: JSON.stringify({ ...body, description: 'x'.repeat(300_000) }) })).status).toBe(413);
      expect((await http(app.url, 'POST', '/api/intelligence/updates', { token: token('user'), body })).status).toBe(403);
      const list = await http<{ items: Array<{ id: string; title: string }> }>(app.url, 'GET', '/api/intelligence/items?countryId=c7', { token: token('r') });
      expect(list.body.items.map((i) => i.title)).toEqual(['Treaty signed']);
      await sleep(200);
      expect(seen).toHaveLength(1);
    });

    it('creates an update with a dedupe key once', async () => {
      const body = { countryId: 'c7', category: 'government', title: 'Election called', dedupeKey: 'election-2026' };
      const a = await http<{ item: { id: string }; duplicate: boolean }>(app.url, 'POST', '/api/intelligence/updates', { token: SERVICE, body });
      const b = await http<{ item: { id: string }; duplicate: boolean; offset: string | null }>(app.url, 'POST', '/api/intelligence/updates', { token: SERVICE, body });
      expect([a.status, b.status]).toEqual([201, 200]);
      expect(b.body).toMatchObject({ item: { id: a.body.item.id }, duplicate: true, offset: null });
    });

    it('pages items newest first with category and before filters', async () => {
      for (const title of ['one', 'two', 'three']) {
        await http(app.url, 'POST', '/api/intelligence/updates', { token: SERVICE, body: { countryId: 'c7', category: 'crisis', title } });
      }
      const first = await http<{ items: Array<{ id: string; title: string }>; nextBefore: string }>(app.url, 'GET', '/api/intelligence/items?category=crisis&limit=2', { token: token('r') });
      expect(first.body.items.map((i) => i.title)).toEqual(['three', 'two']);
      const next = await http<{ items: Array<{ title: string }>; nextBefore: string | null }>(app.url, 'GET', `/api/intelligence/items?category=crisis&limit=2&before=${first.body.nextBefore}`, { token: token('r') });
      expect(next.body.items.map((i) => i.title)).toEqual(['one']);
      expect(next.body.nextBefore).toBeNull();
      expect((await http(app.url, 'GET', '/api/intelligence/items?category=sports', { token: token('r') })).status).toBe(400);
      expect((await http(app.url, 'GET', '/api/intelligence/items?limit=0', { token: token('r') })).status).toBe(400);
    });

    it('unlocks an achievement once: item, achievement event and a notification for the user', async () => {
      const notify = notifierSpy();
      const s = await open();
      const seen = collect<Payload>(s, 'intelligence:update');
      const body = { userId: 'erin', countryId: 'c7', achievementKey: 'first_treaty' };
      const res = await http<{ duplicate: boolean; notified: boolean; item: { id: string } }>(app.url, 'POST', '/api/achievements/unlock', { token: SERVICE, body });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ duplicate: false, notified: true });
      await eventually(() => seen.length === 1);
      expect(seen[0]).toMatchObject({ category: 'achievement', countryId: 'c7', data: { userId: 'erin', achievementKey: 'first_treaty', itemId: res.body.item.id } });
      expect(notify.mock.calls.map(([request]) => request)).toEqual([
        expect.objectContaining({ userIds: ['erin'], eventKey: 'achievement.unlocked', category: 'achievement', dedupeKey: expect.any(String) }),
      ]);

      const again = await http<{ duplicate: boolean; item: { id: string } }>(app.url, 'POST', '/api/achievements/unlock', { token: SERVICE, body });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ duplicate: true, item: { id: res.body.item.id } });
      await sleep(300);
      expect(seen).toHaveLength(1);
      // a retry re-asks the notifier with the same dedupe key, so a failed first attempt completes and a done one is not repeated
      expect(notify).toHaveBeenCalledTimes(2);
      expect(notify.mock.calls[1][0].dedupeKey).toBe(notify.mock.calls[0][0].dedupeKey);
      notify.mockRestore();

      expect((await http(app.url, 'POST', '/api/achievements/unlock', { token: SERVICE, body: { ...body, countryId: 'atlantis' } })).status).toBe(404);
      expect((await http(app.url, 'POST', '/api/achievements/unlock', { token: SERVICE, body: { ...body, achievementKey: 'has space' } })).status).toBe(400);
      expect((await http(app.url, 'POST', '/api/achievements/unlock', { token: token('erin'), body })).status).toBe(403);
    });
  });

  it('answers 503 when the notification fails, and a retry completes the unlock without a second event', async () => {
    const notify = notifierSpy().mockRejectedValueOnce(new Error('notifications store down'));
    const s = await open();
    const seen = collect<Payload>(s, 'intelligence:update');
    const body = { userId: 'gina', countryId: 'c7', achievementKey: 'flaky' };
    const failed = await http<{ error: string }>(app.url, 'POST', '/api/achievements/unlock', { token: SERVICE, body });
    expect(failed.status).toBe(503);
    const retried = await http<{ duplicate: boolean; notified: boolean }>(app.url, 'POST', '/api/achievements/unlock', { token: SERVICE, body });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ duplicate: true, notified: true });
    await sleep(300);
    expect(seen.filter((e) => e.data.achievementKey === 'flaky')).toHaveLength(1);
    expect(notify).toHaveBeenCalledTimes(2);
    notify.mockRestore();
  });

  describe('status API (admin)', () => {
    interface Status {
      websocketServer: { active: boolean; stats: { connections: number; channels: number; messagesPerMinute: number } };
      broadcastService: { active: boolean; lastBroadcast: number | null };
      namespaces: Array<{ namespace: string; connections: number; rooms: number }>;
      jobs: Array<{ name: string; runs: number; lastRunAt: string | null; lastOutcome: string | null }>;
    }
    const status = () => http<Status>(app.url, 'GET', '/api/websocket-status', { token: ADMIN });

    it('refuses non-admins', async () => {
      expect((await http(app.url, 'GET', '/api/websocket-status', { token: SERVICE })).status).toBe(403);
      expect((await http(app.url, 'POST', '/api/websocket-status', { token: token('u'), body: { action: 'health_check' } })).status).toBe(403);
      expect((await http(app.url, 'GET', '/api/websocket-status')).status).toBe(401);
    });

    it('reports the connections, channels, messages per minute and job runs the test caused', async () => {
      await tick();
      await eventually(async () => (await status()).body.websocketServer.stats.connections === 0);
      const before = (await status()).body;
      const a = await open('s1');
      const b = await open('s2');
      await emitAck(a, 'subscribe', { channels: ['country:st1'] });
      await emitAck(b, 'subscribe', { channels: ['country:st1', 'country:st2'] });

      await put('st1', figures());
      await put('st1', figures({ gdp: 2_000_000, vitality: 10 })); // two crossings: 6 events
      const triggered = await http<{ success: boolean; report: { crossings: number; countries: number } }>(app.url, 'POST', '/api/websocket-status', {
        token: ADMIN,
        body: { action: 'trigger_broadcast' },
      });
      expect(triggered.status).toBe(200);
      expect(triggered.body).toMatchObject({ success: true, report: { crossings: 2 } });

      const after = (await status()).body;
      expect(after.websocketServer.active).toBe(true);
      expect(after.websocketServer.stats.connections).toBe(2);
      // six defaults + country:st1 + country:st2
      expect(after.websocketServer.stats.channels).toBe(8);
      expect(after.websocketServer.stats.messagesPerMinute - before.websocketServer.stats.messagesPerMinute).toBe(6);
      expect(after.namespaces).toContainEqual({ namespace: NS, connections: 2, rooms: 8 });
      const job = after.jobs.find((j) => j.name === INTELLIGENCE_BROADCAST_JOB)!;
      const jobBefore = before.jobs.find((j) => j.name === INTELLIGENCE_BROADCAST_JOB)!;
      expect(job.runs).toBe(jobBefore.runs + 1);
      expect(job.lastOutcome).toBe('success');
      expect(after.broadcastService.active).toBe(true);
      expect(after.broadcastService.lastBroadcast).toBeGreaterThanOrEqual(Date.parse(job.lastRunAt!));
    });

    it('reports a failing broadcast run, stays up, and the next run succeeds', async () => {
      const sql = app.get(PrismaService).sql;
      await sql.exec('ALTER TABLE country_snapshots RENAME TO country_snapshots_away');
      let failed: { status: number; body: { success: boolean; error?: string } };
      try {
        failed = await http(app.url, 'POST', '/api/websocket-status', { token: ADMIN, body: { action: 'trigger_broadcast' } });
      } finally {
        await sql.exec('ALTER TABLE country_snapshots_away RENAME TO country_snapshots');
      }
      expect(failed.status).toBe(200);
      expect(failed.body.success).toBe(false);
      expect(failed.body.error).toEqual(expect.any(String));
      const health = await http<{ healthy: boolean; checks: { broadcastService: boolean } }>(app.url, 'POST', '/api/websocket-status', { token: ADMIN, body: { action: 'health_check' } });
      expect(health.body).toMatchObject({ healthy: false, checks: { broadcastService: false } });
      const next = await http<{ success: boolean }>(app.url, 'POST', '/api/websocket-status', { token: ADMIN, body: { action: 'trigger_broadcast' } });
      expect(next.body.success).toBe(true);
    });

    it('answers get_detailed_stats and health_check, and 400 for an unknown action', async () => {
      const s = await open();
      await emitAck(s, 'subscribe', { channels: ['country:zz'] });
      const detailed = await http<{ success: boolean; intelligence: { rooms: Array<{ room: string; sockets: number }>; thresholds: unknown; messagesPerMinute: { byEvent: Record<string, number> } } }>(
        app.url,
        'POST',
        '/api/websocket-status',
        { token: ADMIN, body: { action: 'get_detailed_stats' } },
      );
      expect(detailed.status).toBe(200);
      expect(detailed.body.intelligence.rooms).toContainEqual({ room: 'country:zz', sockets: 1 });
      expect(detailed.body.intelligence.thresholds).toEqual({ economicChangePct: 5, populationChangePct: 2, vitalityDropPoints: 10 });
      expect(Object.keys(detailed.body.intelligence.messagesPerMinute.byEvent).sort()).toEqual([...EVENTS].sort());
      const health = await http<{ healthy: boolean; checks: Record<string, boolean> }>(app.url, 'POST', '/api/websocket-status', { token: ADMIN, body: { action: 'health_check' } });
      expect(health.body).toMatchObject({ healthy: true, checks: { websocketServer: true, database: true, broadcastService: true } });
      const bad = await http<{ message: string }>(app.url, 'POST', '/api/websocket-status', { token: ADMIN, body: { action: 'reboot' } });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('action');
    });
  });
});

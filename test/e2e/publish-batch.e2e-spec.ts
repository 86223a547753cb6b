/**
 * Batch publish routes end to end (docs/modules/intelligence.md and notifications.md,
 * "Batch publish"): real PostgreSQL, real sockets. One transaction per batch, per-item
 * results and idempotency, delivery in item order with consecutive offsets.
 */
import type { Socket } from 'socket.io-client';
import { PrismaService } from '../../src/core/prisma';
import { EventLogService, NAMESPACES } from '../../src/core/realtime';
const NS = NAMESPACES.intelligence;
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, emitAck, eventually, http, sleep } from '../support/clients';
import { appSocket } from '../support/notifications-app-socket';
import { adminToken, serviceToken, token } from '../support/tokens';

const SERVICE = serviceToken();

interface Result {
  index: number;
  status: 'created' | 'duplicate' | 'rejected';
  id?: string;
  ids?: string[];
  offset?: string;
  duplicates?: number;
  code?: string;
  message?: string;
}
interface BatchResponse {
  results: Result[];
  created: number;
  duplicates: number;
  rejected: number;
}
interface UpdatePayload {
  countryId: string;
  offset: string;
  data: { itemId: string; title: string };
}

const update = (countryId: string, title: string, extra: Record<string, unknown> = {}) => ({ countryId, category: 'economic', title, ...extra });

describe('batch publish', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  const post = (path: string, body: unknown, tok = SERVICE) => http<BatchResponse & { error?: string; message?: string }>(app.url, 'POST', path, { token: tok, body });
  const put = (id: string) =>
    http(app.url, 'PUT', `/api/countries/${id}`, { token: SERVICE, body: { name: id, gdp: 1, population: 1, vitality: 50, economicTier: 'Developed' } });
  /** A socket in the `country:<id>` room that records its intelligence:update events. */
  const watchCountry = async (countryId: string) => {
    const s = await connect(app.url, NS, { token: token('watcher') });
    sockets.push(s);
    const ack = await emitAck<{ success: boolean }>(s, 'subscribe', { channels: [`country:${countryId}`] });
    expect(ack.success).toBe(true);
    return collect<UpdatePayload>(s, 'intelligence:update');
  };
  const itemCount = async (countryId: string) => {
    const [row] = await app.get(PrismaService).sql.query<{ n: string }>('SELECT count(*)::text AS n FROM intelligence_items WHERE country_id = $1', [countryId]);
    return Number(row.n);
  };

  beforeAll(async () => {
    app = await startTestApp();
    for (const id of ['bx-a', 'bx-b', 'bx-c', 'bx-d', 'bx-e']) expect((await put(id)).status).toBe(201);
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  afterAll(() => app?.close());

  describe('POST /api/intelligence/updates/batch', () => {
    it('stores a created/duplicate/rejected mix and reports each item at its index', async () => {
      const seen = await watchCountry('bx-a');
      const first = await post('/api/intelligence/updates', update('bx-a', 'stored before', { dedupeKey: 'bx-before' }));
      expect(first.status).toBe(201);
      const firstId = (first.body as unknown as { item: { id: string } }).item.id;

      const res = await post('/api/intelligence/updates/batch', {
        items: [
          update('bx-a', 'one'),
          update('bx-a', 'again', { dedupeKey: 'bx-before' }), // stored by the single route
          { countryId: 'bx-a', category: 'economic' }, // no title
          update('nowhere', 'unknown country'),
          update('bx-a', 'two', { dedupeKey: 'bx-new' }),
          update('bx-a', 'two again', { dedupeKey: 'bx-new' }), // repeats a key of this batch
          update('bx-a', 'bad', { category: 'sports' }),
        ],
      });
      expect(res.status).toBe(200);
      const r = res.body.results;
      expect(r.map((x) => [x.index, x.status])).toEqual([
        [0, 'created'],
        [1, 'duplicate'],
        [2, 'rejected'],
        [3, 'rejected'],
        [4, 'created'],
        [5, 'duplicate'],
        [6, 'rejected'],
      ]);
      expect(res.body).toMatchObject({ created: 2, duplicates: 2, rejected: 3 });
      expect(r[1].id).toBe(firstId);
      expect(r[5].id).toBe(r[4].id);
      // The code and message the single route answers with.
      expect(r[2]).toMatchObject({ code: 'bad_request', message: expect.stringContaining('title') });
      const single = await post('/api/intelligence/updates', update('nowhere', 'unknown country'));
      expect(single.status).toBe(404);
      expect(r[3]).toMatchObject({ code: 'not_found', message: single.body.message });
      expect(r[6].code).toBe('bad_request');
      expect(BigInt(r[4].offset!)).toBe(BigInt(r[0].offset!) + 1n);

      // The single-route publish, then exactly the two created items: no duplicate announced.
      await eventually(() => seen.length >= 3);
      await sleep(200);
      expect(seen.map((p) => p.data.title)).toEqual(['stored before', 'one', 'two']);
      expect(seen.slice(1).map((p) => p.offset)).toEqual([r[0].offset, r[4].offset]);
      expect(seen.slice(1).map((p) => p.data.itemId)).toEqual([r[0].id, r[4].id]);

      // A retried batch stores and announces nothing new.
      const retry = await post('/api/intelligence/updates/batch', { items: [update('bx-a', 'two', { dedupeKey: 'bx-new' })] });
      expect(retry.body.results).toEqual([{ index: 0, status: 'duplicate', id: r[4].id }]);
      await sleep(200);
      expect(seen).toHaveLength(3);
    });

    it('lets a dedupe key first used by an item of an unknown country be stored by a later item of the batch', async () => {
      const res = await post('/api/intelligence/updates/batch', {
        items: [
          update('nowhere', 'lost', { dedupeKey: 'bx-shared' }),
          update('bx-a', 'kept', { dedupeKey: 'bx-shared' }),
          update('bx-a', 'kept again', { dedupeKey: 'bx-shared' }),
        ],
      });
      expect(res.status).toBe(200);
      const r = res.body.results;
      expect(r.map((x) => [x.index, x.status])).toEqual([
        [0, 'rejected'],
        [1, 'created'],
        [2, 'duplicate'],
      ]);
      expect(r[0].code).toBe('not_found');
      expect(r[2].id).toBe(r[1].id);
    });

    it('delivers 500 items to a subscribed socket in item order with consecutive offsets', async () => {
      const seen = await watchCountry('bx-b');
      const items = Array.from({ length: 500 }, (_, i) => update('bx-b', `item ${i}`, { dedupeKey: `bx-500-${i}` }));
      const res = await post('/api/intelligence/updates/batch', { items });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ created: 500, duplicates: 0, rejected: 0 });
      await eventually(() => seen.length === 500, 10_000);
      expect(seen.map((p) => p.data.title)).toEqual(items.map((i) => i.title));
      expect(seen.map((p) => p.data.itemId)).toEqual(res.body.results.map((x) => x.id));
      // Ids follow item order (a feed pages by id), not the order of the dedupe keys ('bx-500-10' < 'bx-500-2').
      const ids = res.body.results.map((x) => BigInt(x.id!));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
      const first = BigInt(seen[0].offset);
      expect(seen.map((p) => BigInt(p.offset) - first)).toEqual(items.map((_, i) => BigInt(i)));
      expect(await itemCount('bx-b')).toBe(500);
    });

    it.each([
      ['501 items', { items: Array.from({ length: 501 }, (_, i) => update('bx-c', `x${i}`)) }],
      ['no items', { items: [] }],
      ['no items field', {}],
      ['items not an array', { items: 'all' }],
      ['an extra field', { items: [update('bx-c', 'x')], extra: 1 }],
      ['an array body', [update('bx-c', 'x')]],
    ])('refuses %s with 400 bad_request and stores nothing', async (_what, body) => {
      const res = await post('/api/intelligence/updates/batch', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('bad_request');
      expect(await itemCount('bx-c')).toBe(0);
    });

    it('is for the service role only', async () => {
      const body = { items: [update('bx-c', 'x')] };
      expect((await post('/api/intelligence/updates/batch', body, token('someone'))).status).toBe(403);
      expect((await post('/api/intelligence/updates/batch', body, adminToken())).status).toBe(403);
      expect((await http(app.url, 'POST', '/api/intelligence/updates/batch', { body })).status).toBe(401);
      expect(await itemCount('bx-c')).toBe(0);
    });

    it('publishes nothing of a batch whose transaction rolled back, and leaves no gap in the offsets', async () => {
      const seen = await watchCountry('bx-d');
      const log = app.get(EventLogService);
      const sql = app.get(PrismaService).sql;
      // A fault in the batch's last statement (the event-log write), after its items were inserted.
      await sql.exec(`
        CREATE FUNCTION batch_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.payload::text LIKE '%roll me back%' THEN RAISE EXCEPTION 'injected fault'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER batch_test_fault BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION batch_test_fault();`);
      try {
        const before = await log.lastOffset();
        const failed = await post('/api/intelligence/updates/batch', {
          items: [update('bx-d', 'fine'), update('bx-d', 'roll me back'), update('bx-d', 'fine too')],
        });
        expect(failed.status).toBeGreaterThanOrEqual(500);
        expect(await itemCount('bx-d')).toBe(0);
        expect(await log.lastOffset()).toBe(before);

        const ok = await post('/api/intelligence/updates/batch', { items: [update('bx-d', 'after')] });
        expect(ok.status).toBe(200);
        expect(BigInt(ok.body.results[0].offset!)).toBe(BigInt(before) + 1n);
        await eventually(() => seen.length === 1);
        await sleep(200);
        expect(seen.map((p) => p.data.title)).toEqual(['after']);
      } finally {
        await sql.exec('DROP TRIGGER batch_test_fault ON events; DROP FUNCTION batch_test_fault();');
      }
    });
  });

  describe('POST /api/intelligence/updates under concurrency (group commit)', () => {
    it('answers each of 60 concurrent single publishes on its own, stores each once and announces each created one once, in offset order', async () => {
      const seen = await watchCountry('bx-e');
      const before = await itemCount('bx-e');
      // 40 new items, 10 pairs repeating one dedupe key, and 10 for an unknown country, all in flight at once.
      const bodies = [
        ...Array.from({ length: 40 }, (_, i) => update('bx-e', `single ${i}`, { dedupeKey: `bx-single-${i}` })),
        ...Array.from({ length: 10 }, (_, i) => update('bx-e', `pair ${i}`, { dedupeKey: `bx-pair-${i}` })),
        ...Array.from({ length: 10 }, (_, i) => update('bx-e', `pair ${i} again`, { dedupeKey: `bx-pair-${i}` })),
        ...Array.from({ length: 10 }, (_, i) => update(`bx-nowhere-${i}`, `lost ${i}`)),
      ];
      type Single = { item: { id: string; title: string }; offset: string | null; duplicate: boolean; message?: string };
      const answers = await Promise.all(
        bodies.map((body, i) => http<Single>(app.url, 'POST', '/api/intelligence/updates', { token: SERVICE, body, headers: { 'X-Request-Id': `bx-req-${i}` } })),
      );

      answers.slice(0, 40).forEach((a, i) => {
        expect(a.status).toBe(201);
        expect(a.body).toMatchObject({ item: { title: `single ${i}` }, duplicate: false, offset: expect.any(String) });
      });
      for (let i = 0; i < 10; i++) {
        // Whichever of a pair was grouped first created the item; the other is its duplicate.
        const pair = [answers[40 + i], answers[50 + i]];
        expect(pair.map((a) => a.status).sort()).toEqual([200, 201]);
        expect(pair[0].body.item.id).toBe(pair[1].body.item.id);
        expect(pair.find((a) => a.status === 200)!.body).toMatchObject({ duplicate: true, offset: null });
      }
      answers.slice(60).forEach((a, i) => {
        expect(a.status).toBe(404);
        expect(a.body.message).toBe(`country bx-nowhere-${i} not found`);
      });

      const created = answers.filter((a) => a.status === 201);
      expect(created).toHaveLength(50);
      expect(new Set(created.map((a) => a.body.offset)).size).toBe(50);
      expect(await itemCount('bx-e')).toBe(before + 50);
      await eventually(() => seen.length >= 50, 10_000);
      await sleep(200);
      expect(seen).toHaveLength(50);
      const offsets = seen.map((p) => BigInt(p.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(new Set(seen.map((p) => p.data.itemId))).toEqual(new Set(created.map((a) => a.body.item.id)));
      // Each event carries the id of the request that created it, not of the one that started its group.
      const requestOfItem = new Map(answers.flatMap((a, i) => (a.status === 201 ? [[a.body.item.id, `bx-req-${i}`] as const] : [])));
      for (const p of seen as Array<UpdatePayload & { metadata?: { correlationId?: string } }>) {
        expect(p.metadata?.correlationId).toBe(requestOfItem.get(p.data.itemId));
      }
    });
  });

  describe('POST /api/notifications/batch', () => {
    const note = (extra: Record<string, unknown>) => ({ eventKey: 'economy.gdp_changed', category: 'economic', title: 'GDP moved', body: 'up', ...extra });

    it('stores a created/duplicate/rejected mix, one notification per recipient, announced in item order', async () => {
      const ann = await appSocket(app.url, 'bn-ann');
      const bob = await appSocket(app.url, 'bn-bob');
      sockets.push(ann, bob);
      const annSeen = collect<{ notification: { id: string; title: string }; offset: string }>(ann, 'notifications:new');
      const bobSeen = collect<{ notification: { id: string; title: string }; offset: string }>(bob, 'notifications:new');
      const before = await post('/api/notifications', note({ userId: 'bn-ann', dedupeKey: 'bn-k1', title: 'first' }));
      expect(before.status).toBe(201);
      const beforeId = (before.body as unknown as { notifications: Array<{ id: string }> }).notifications[0].id;

      const res = await post('/api/notifications/batch', {
        items: [
          note({ userIds: ['bn-ann', 'bn-bob'], title: 'a' }),
          note({ userId: 'bn-ann', dedupeKey: 'bn-k1', title: 'again' }), // stored before
          note({ userId: 'bn-ann', userIds: ['bn-bob'] }), // both forms
          note({ userIds: ['bn-ann', 'bn-bob'], dedupeKey: 'bn-k1', title: 'b' }), // ann had bn-k1: only bob's is new
          note({ userId: 'bn-bob', title: 'c' }),
        ],
      });
      expect(res.status).toBe(200);
      const r = res.body.results;
      expect(r.map((x) => x.status)).toEqual(['created', 'duplicate', 'rejected', 'created', 'created']);
      expect(res.body).toMatchObject({ created: 3, duplicates: 1, rejected: 1 });
      expect(r[0].ids).toHaveLength(2);
      expect(r[1].ids).toEqual([beforeId]);
      expect(r[2]).toMatchObject({ code: 'bad_request', message: expect.stringContaining('exactly one of userId or userIds') });
      expect(r[3]).toMatchObject({ duplicates: 1, ids: [expect.any(String)] });

      await eventually(() => annSeen.length >= 2 && bobSeen.length >= 3);
      await sleep(200);
      expect(annSeen.map((p) => p.notification.title)).toEqual(['first', 'a']);
      expect(bobSeen.map((p) => p.notification.title)).toEqual(['a', 'b', 'c']);
      expect(bobSeen.map((p) => p.notification.id)).toEqual([r[0].ids!.find((id) => id !== annSeen[1].notification.id), r[3].ids![0], r[4].ids![0]]);
      const offsets = bobSeen.map((p) => BigInt(p.offset));
      expect(offsets[1] > offsets[0] && offsets[2] > offsets[1]).toBe(true);

      const page = await http<{ items: Array<{ title: string }>; unread: number }>(app.url, 'GET', '/api/notifications', { token: token('bn-bob') });
      expect(page.body.unread).toBe(3);
      expect(page.body.items.map((n) => n.title)).toEqual(['c', 'b', 'a']);
    });

    it('answers 30 concurrent single creates each on its own (group commit): one row and one announcement per new notification', async () => {
      const cid = await appSocket(app.url, 'bn-cid');
      sockets.push(cid);
      const seen = collect<{ notification: { id: string; title: string } }>(cid, 'notifications:new');
      // 10 plain ones, 10 pairs sharing a dedupe key, all for one user and all in flight at once.
      const bodies = [
        ...Array.from({ length: 10 }, (_, i) => note({ userId: 'bn-cid', title: `plain ${i}` })),
        ...Array.from({ length: 10 }, (_, i) => note({ userId: 'bn-cid', dedupeKey: `bn-pair-${i}`, title: `pair ${i}` })),
        ...Array.from({ length: 10 }, (_, i) => note({ userId: 'bn-cid', dedupeKey: `bn-pair-${i}`, title: `pair ${i} again` })),
      ];
      type Created = { notifications: Array<{ id: string; title: string }>; duplicates: number };
      const answers = await Promise.all(bodies.map((body) => http<Created>(app.url, 'POST', '/api/notifications', { token: SERVICE, body })));
      expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 201));
      answers.slice(0, 10).forEach((a, i) => expect(a.body).toMatchObject({ notifications: [{ title: `plain ${i}` }], duplicates: 0 }));
      for (let i = 0; i < 10; i++) {
        // One of each pair created the notification, the other was its duplicate.
        const pair = [answers[10 + i].body, answers[20 + i].body];
        expect(pair.map((b) => b.notifications.length).sort()).toEqual([0, 1]);
        expect(pair.map((b) => b.duplicates).sort()).toEqual([0, 1]);
      }
      const created = answers.flatMap((a) => a.body.notifications.map((n) => n.id));
      expect(created).toHaveLength(20);
      await eventually(() => seen.length >= 20);
      await sleep(200);
      expect(seen.map((p) => p.notification.id).sort()).toEqual([...created].sort());
      const page = await http<{ unread: number }>(app.url, 'GET', '/api/notifications', { token: token('bn-cid') });
      expect(page.body.unread).toBe(20);
    });

    it('refuses 501 items, and callers without the service role', async () => {
      const big = await post('/api/notifications/batch', { items: Array.from({ length: 501 }, () => note({ userId: 'bn-none' })) });
      expect(big.status).toBe(400);
      expect(big.body.error).toBe('bad_request');
      expect((await post('/api/notifications/batch', { items: [note({ userId: 'bn-none' })] }, adminToken())).status).toBe(403);
      const page = await http<{ unread: number }>(app.url, 'GET', '/api/notifications', { token: token('bn-none') });
      expect(page.body.unread).toBe(0);
    });
  });
});

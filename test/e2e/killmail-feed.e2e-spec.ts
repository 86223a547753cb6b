/**
 * Killmail ingest and the raw /updates feed (docs/modules/killmail.md): the shapes existing
 * feed consumers read, the peer allow-list, ignored client input, slow peers, bad input, repeats.
 */
import type { Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { MetricsService } from '../../src/core/observability';
import { KillmailFeedServer } from '../../src/modules/killmail/killmail-feed.server';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, emitAck, eventually, http, sleep } from '../support/clients';
import { collectFrames, esiKillmail, feedRefusal, nextFrame, openFeed, rawUpgrade, type RawFrame } from '../support/killmail';
import { serviceToken, token } from '../support/tokens';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
const post = (app: TestApp, body: unknown, tok = serviceToken()) => http<Record<string, any>>(app.url, 'POST', '/api/killmails', { token: tok, body });

async function counter(app: TestApp, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await app.get(MetricsService).registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value ?? 0;
}

describe('killmail ingest and raw feed', () => {
  let app: TestApp;
  const open: Array<WebSocket | Socket> = [];
  const feed = async (headers?: Record<string, string>) => {
    const ws = await openFeed(app.url, headers);
    open.push(ws);
    return ws;
  };

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  afterAll(() => app?.close());

  it('delivers a posted killmail to a loopback raw client in the format existing feed consumers read, and to /ws/killmail once', async () => {
    const ws = await feed();
    const sio = await connect(app.url, '/ws/killmail', { token: token('viewer') });
    open.push(sio);
    expect(await emitAck(sio, 'subscribe', { channels: ['killstream', 'system:30000142', 'ship:587'] })).toMatchObject({ success: true });
    const events = collect<Record<string, any>>(sio, 'killmail');

    const km = esiKillmail();
    const frameArrives = nextFrame(ws);
    const res = await post(app, km);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ duplicate: false, killmail: { killmailId: km.killmail_id, attackerCount: 1, totalValue: 10_000_000 } });

    const frame = await frameArrives;
    expect(frame).toEqual({
      type: 'killmail',
      data: {
        killmailId: km.killmail_id,
        timestamp: '2024-10-22T10:30:00.000Z',
        victimId: 2112625428,
        victimCorporationId: 98765432,
        victimAllianceId: 99999999,
        systemId: 30000142,
        shipTypeId: 587,
        attackerCount: 1,
      },
      timestamp: expect.any(Number),
      offset: expect.stringMatching(/^\d+$/),
    });
    expect(frame.offset).toBe(res.body.killmail.offset);

    await eventually(() => events.length === 1);
    await sleep(300); // a socket in three matching rooms still gets it once
    expect(events).toEqual([
      { type: 'killmail', data: frame.data, zkb: { totalValue: 10_000_000, points: 1, npc: false }, timestamp: frame.timestamp, offset: frame.offset, metadata: { correlationId: expect.any(String) } },
    ]);
  });

  it('stores and sends a repeated killmail_id once: the repeat answers 200 and nothing is re-sent', async () => {
    const ws = await feed();
    const frames = collectFrames(ws);
    const km = esiKillmail();
    const [first, second] = await Promise.all([post(app, km), post(app, km)]);
    expect([first.status, second.status].sort()).toEqual([200, 201]);
    const third = await post(app, { ...km, zkb: { totalValue: 1 } });
    expect(third.status).toBe(200);
    expect(third.body).toMatchObject({ duplicate: true, killmail: { killmailId: km.killmail_id, totalValue: 10_000_000 } });
    await eventually(() => frames.length >= 1);
    await sleep(300);
    expect(frames.map((f) => f.data.killmailId)).toEqual([km.killmail_id]);
    const history = await http<{ events: unknown[] }>(app.url, 'GET', '/api/history?channel=killstream&limit=500', { token: token('viewer') });
    expect(history.status).toBe(200);
    const logged = (history.body.events as Array<{ payload?: { data?: { killmailId?: number } }; data?: { killmailId?: number } }>).filter(
      (e) => (e.payload?.data?.killmailId ?? e.data?.killmailId) === km.killmail_id,
    );
    expect(logged).toHaveLength(1);
  });

  it('answers every concurrent repeat 200 and the one insert 201, never 500, however the inserts interleave', async () => {
    const killmails = Array.from({ length: 25 }, () => esiKillmail());
    const answers = await Promise.all(killmails.map((km) => Promise.all([1, 2, 3, 4].map(() => post(app, km)))));
    for (const statuses of answers.map((batch) => batch.map((r) => r.status).sort())) expect(statuses).toEqual([200, 200, 200, 201]);
  });

  it('refuses malformed killmails with 400 naming the field, and stores nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...esiKillmail(), killmail_id: 'abc' }, /killmail_id/],
      [{ ...esiKillmail(), killmail_time: 'yesterday' }, /killmail_time/],
      [{ ...esiKillmail(), victim: { character_id: 1 } }, /victim\.ship_type_id/],
      [{ ...esiKillmail(), attackers: [{ character_id: -5 }] }, /attackers\.0\.character_id/],
      [{ ...esiKillmail(), attackers: undefined }, /attackers/],
      [{ ...esiKillmail(), zkb: { totalValue: 'lots' } }, /zkb\.totalValue/],
      [JSON.parse('{"__proto__": {"polluted": true}}'), /__proto__/],
    ];
    for (const [body, field] of cases) {
      const res = await post(app, body);
      expect([res.status, res.body.error]).toEqual([400, 'bad_request']);
      expect(res.body.message).toMatch(field);
    }
    const broken = await http<Record<string, any>>(app.url, 'POST', '/api/killmails', { token: serviceToken(), rawBody: '{"killmail_id": 1,' });
    expect(broken.status).toBe(400);
    const list = await http<{ items: Array<{ killmailId: number }> }>(app.url, 'GET', '/api/killmails?limit=200', { token: token('viewer') });
    expect(list.body.items.some((k) => k.killmailId === 1)).toBe(false);
  });

  it('lets only the service role ingest', async () => {
    expect((await post(app, esiKillmail(), token('someone'))).status).toBe(403);
    expect((await http(app.url, 'POST', '/api/killmails', { body: esiKillmail() })).status).toBe(401);
    expect((await http(app.url, 'GET', '/api/killmails')).status).toBe(401);
  });

  it('pages GET /api/killmails newest id first with limit and before', async () => {
    const base = 700_000_000 + Math.floor(Math.random() * 1000) * 10;
    for (let i = 0; i < 5; i++) expect((await post(app, esiKillmail({ killmail_id: base + i }))).status).toBe(201);
    const page1 = await http<{ items: Array<{ killmailId: number }>; nextBefore: string | null }>(app.url, 'GET', `/api/killmails?limit=3&before=${base + 5}`, { token: token('viewer') });
    expect(page1.body.items.map((k) => k.killmailId)).toEqual([base + 4, base + 3, base + 2]);
    expect(page1.body.nextBefore).toBe(String(base + 2));
    const page2 = await http<{ items: Array<{ killmailId: number }> }>(app.url, 'GET', `/api/killmails?limit=3&before=${page1.body.nextBefore}`, { token: token('viewer') });
    expect(page2.body.items.map((k) => k.killmailId).slice(0, 2)).toEqual([base + 1, base]);
    expect((await http(app.url, 'GET', '/api/killmails?limit=0', { token: token('viewer') })).status).toBe(400);
    expect((await http(app.url, 'GET', '/api/killmails?before=x', { token: token('viewer') })).status).toBe(400);
  });

  it('ignores whatever a raw client sends: no reply, no effect, the server stays healthy', async () => {
    const chatty = await feed();
    const heard: RawFrame[] = collectFrames(chatty);
    for (let i = 0; i < 200; i++) {
      chatty.send(JSON.stringify({ type: 'subscribe', channel: 'everything', i }));
      chatty.send(Buffer.from([0xff, 0xfe, 0x00, i & 0xff]));
      chatty.send('{"__proto__": {"x": 1}}');
      chatty.send('not json at all');
    }
    chatty.ping();
    await sleep(300);
    expect(heard).toEqual([]);
    // still open, still fed: the next killmail arrives, and nothing else does
    const km = esiKillmail();
    await post(app, km);
    await eventually(() => heard.length === 1);
    expect(heard[0].data.killmailId).toBe(km.killmail_id);

    // a frame over the inbound cap (1 KiB) closes only that connection (1009)
    const bystander = await feed();
    const closed = new Promise<number>((resolve) => chatty.once('close', (code) => resolve(code)));
    chatty.send('x'.repeat(4096));
    expect(await closed).toBe(1009);
    const next = nextFrame(bystander);
    await post(app, esiKillmail());
    await next;
    expect((await http(app.url, 'GET', '/health/ready')).status).toBe(200);
  });

  it('accepts loopback peers; a spoofed X-Forwarded-For changes nothing without TRUST_PROXY', async () => {
    const ws = await feed({ 'X-Forwarded-For': '203.0.113.9' });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    // Other paths' upgrades are not ours; Socket.IO still upgrades on its own path
    const sio = await connect(app.url, '/ws/killmail', { token: token('viewer') });
    open.push(sio);
    expect(sio.connected).toBe(true);
  });

  it('drops frames for a peer that stopped reading instead of buffering them', async () => {
    const server = app.get(KillmailFeedServer);
    const limit = app.config.socket.maxBufferedBytes;
    const slow = await rawUpgrade(app.url);
    slow.pause(); // completes the upgrade, then never reads again
    const fast = await feed();
    const fastFrames = collectFrames(fast);
    await eventually(() => server.peerCount >= 2);
    const droppedBefore = await counter(app, 'herald_dropped_frames_total', { transport: 'raw' });

    // Real frames as the publisher builds them, many more than the kernel's socket buffers
    // and the limit hold, sent in bursts so the fast peer gets to read in between.
    const km = await post(app, esiKillmail());
    const frame = Buffer.from(JSON.stringify({ type: 'killmail', data: { ...km.body.killmail }, timestamp: Date.now(), offset: km.body.killmail.offset }));
    let sent = 0;
    const slowStats = () => server.stats().find((p) => p.dropped > 0);
    while (!slowStats() && sent < 400_000) {
      for (let i = 0; i < 500; i++) server.deliverLocally(frame);
      sent += 500;
      await new Promise((r) => setImmediate(r));
    }
    for (let i = 0; i < 2000; i++) server.deliverLocally(frame); // keep pushing past the bound
    const stats = slowStats();
    expect(stats).toBeDefined();
    expect(stats!.dropped).toBeGreaterThan(0);
    expect(stats!.bufferedAmount).toBeLessThanOrEqual(limit);
    for (const peer of server.stats()) expect(peer.bufferedAmount).toBeLessThanOrEqual(limit);
    expect(await counter(app, 'herald_dropped_frames_total', { transport: 'raw' })).toBeGreaterThan(droppedBefore);

    // the fast reader is unaffected and still gets a real killmail through the normal path
    const latest = esiKillmail();
    await post(app, latest);
    await eventually(() => fastFrames.some((f) => f.data.killmailId === latest.killmail_id), 10_000);
    slow.destroy();
  });
});

describe('raw feed idle timeout', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { KILLMAIL_IDLE_TIMEOUT_MS: '600' } });
  });
  afterAll(() => app?.close());

  it('closes a peer that never answers pings, and keeps one that does', async () => {
    const silent = await rawUpgrade(app.url); // reads, but never answers a ping
    const closed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    const alive = await openFeed(app.url); // ws answers pings by itself
    let aliveClosed = false;
    alive.once('close', () => (aliveClosed = true));
    await closed;
    await sleep(1500); // well past two idle timeouts
    expect(aliveClosed).toBe(false);
    const frame = nextFrame(alive);
    const km = esiKillmail();
    await post(app, km);
    expect((await frame).data.killmailId).toBe(km.killmail_id);
    alive.close();
  });
});

describe('raw feed allow-list', () => {
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));

  it('refuses loopback when INTERNAL_NETWORKS excludes it, whatever X-Forwarded-For says without TRUST_PROXY', async () => {
    const app = await startTestApp({ env: { INTERNAL_NETWORKS: '10.0.0.0/8' } });
    apps.push(app);
    expect(await feedRefusal(app.url)).toBe(403);
    expect(await feedRefusal(app.url, { 'X-Forwarded-For': '10.1.2.3' })).toBe(403);
    expect(await counter(app, 'herald_rejected_connections_total', { namespace: '/updates', code: 'socket_error:forbidden' })).toBe(2);
    // Socket.IO on the same server is unaffected by the feed's allow-list
    const sio = await connect(app.url, '/ws/killmail', { token: token('viewer') });
    expect(sio.connected).toBe(true);
    sio.close();
  });

  it('with TRUST_PROXY believes X-Forwarded-For, and every hop must be internal', async () => {
    const app = await startTestApp({ env: { INTERNAL_NETWORKS: '10.0.0.0/8,127.0.0.1/32', TRUST_PROXY: 'true' } });
    apps.push(app);
    const ws = await openFeed(app.url, { 'X-Forwarded-For': '10.1.2.3' });
    ws.close();
    expect(await feedRefusal(app.url, { 'X-Forwarded-For': '203.0.113.9' })).toBe(403);
    expect(await feedRefusal(app.url, { 'X-Forwarded-For': '10.1.2.3, 203.0.113.9' })).toBe(403);
    expect(await feedRefusal(app.url, { 'X-Forwarded-For': '203.0.113.9, 10.1.2.3' })).toBe(403);
    expect(await feedRefusal(app.url, { 'X-Forwarded-For': 'not-an-address' })).toBe(403);
  });
});

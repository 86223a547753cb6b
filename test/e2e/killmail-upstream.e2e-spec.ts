/**
 * The upstream poller against a local stand-in of the sequence feed: ingests in order,
 * resumes from its persisted cursor after a restart mid-way, survives garbage, timeouts and
 * errors, and never delivers a killmail twice (docs/modules/killmail.md, Upstream poller).
 */
import { MetricsService } from '../../src/core/observability';
import { KillmailUpstreamPollerJob } from '../../src/modules/killmail/killmail-upstream-poller.job';
import { startTestApp, type TestApp } from '../support/app';
import { eventually, http } from '../support/clients';
import { createTestDatabase, dropTestDatabase } from '../support/database';
import { collectFrames, esiKillmail, openFeed, UpstreamStandIn } from '../support/killmail';
import { serviceToken, token } from '../support/tokens';

const { intervalMs, requestTimeoutMs, maxBackoffMs, maxAttemptsPerItem, gapCheckMs } = KillmailUpstreamPollerJob;
const tuning = { intervalMs, requestTimeoutMs, maxBackoffMs, maxAttemptsPerItem, gapCheckMs };

async function upstreamErrors(app: TestApp, reason: string): Promise<number> {
  const metric = await app.get(MetricsService).registry.getSingleMetric('herald_killmail_upstream_errors_total')?.get();
  return metric?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

async function storedIds(app: TestApp): Promise<number[]> {
  const res = await http<{ items: Array<{ killmailId: number }> }>(app.url, 'GET', '/api/killmails?limit=200', { token: token('viewer') });
  return res.body.items.map((k) => k.killmailId).sort((a, b) => a - b);
}

/** Every killmail the log holds for `killstream`, i.e. every broadcast ever made. */
async function broadcastIds(app: TestApp): Promise<number[]> {
  const res = await http<{ events: Array<{ payload: { data: { killmailId: number } } }> }>(app.url, 'GET', '/api/history?channel=killstream&since=0&limit=500', {
    token: token('viewer'),
  });
  return res.body.events.map((e) => e.payload.data.killmailId);
}

describe('killmail upstream poller', () => {
  let upstream: UpstreamStandIn;
  let databaseUrl: string;
  const apps: TestApp[] = [];
  const start = async () => {
    const app = await startTestApp({ databaseUrl, env: { KILLMAIL_UPSTREAM_URL: `${upstream.url}/` } });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    Object.assign(KillmailUpstreamPollerJob, { intervalMs: 200, requestTimeoutMs: 1000, maxBackoffMs: 400, maxAttemptsPerItem: 3 });
    upstream = await new UpstreamStandIn(5000).start();
    databaseUrl = await createTestDatabase('killmail_upstream');
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await upstream?.close();
    await dropTestDatabase(databaseUrl).catch(() => undefined);
    Object.assign(KillmailUpstreamPollerJob, tuning);
  });

  it('ingests the feed, resumes after a restart mid-way without gaps or repeats, and rides out bad responses', async () => {
    const ids = new Map<number, number>(); // sequence -> killmail id
    const add = (seq: number) => {
      const km = esiKillmail();
      upstream.add(seq, km);
      ids.set(seq, km.killmail_id);
    };
    for (let seq = 5000; seq <= 5004; seq++) add(seq);
    upstream.hold(5003); // the first instance gets stuck here

    const first = await start();
    await eventually(async () => (await storedIds(first)).length === 3 && upstream.count('/5003.json') >= 1, 15_000);
    await first.close(); // mid-way: 5003 is in flight

    upstream.release(5003);
    for (let seq = 5005; seq <= 5007; seq++) add(seq);
    upstream.fault('/5004.json', 'garbage');
    upstream.fault('/5005.json', 'timeout');
    upstream.fault('/5006.json', 'error500', 'error500');
    upstream.fault('/5007.json', 'invalid'); // JSON, but not a killmail: retried, then fine

    const sequenceAsked = upstream.count('/sequence.json');
    expect(sequenceAsked).toBeGreaterThanOrEqual(1);
    const second = await start();
    const feed = await openFeed(second.url);
    const frames = collectFrames(feed);
    const all = [...ids.values()].sort((a, b) => a - b);
    await eventually(async () => (await storedIds(second)).length === all.length, 20_000);
    expect(await storedIds(second)).toEqual(all);

    // resumed from the cursor: the second instance never asked "where is now", nor refetched items before the stop
    expect(upstream.count('/sequence.json')).toBe(sequenceAsked);
    for (const seq of [5000, 5001, 5002]) expect(upstream.count(`/${seq}.json`)).toBe(1);
    // each killmail broadcast exactly once, in sequence order, across both instances
    expect(await broadcastIds(second)).toEqual([...ids.values()]);
    await eventually(() => frames.length >= 1); // frames after the second start reached the raw feed
    expect(new Set(frames.map((f) => f.data.killmailId)).size).toBe(frames.length);

    expect(await upstreamErrors(second, 'garbage')).toBeGreaterThanOrEqual(1);
    expect(await upstreamErrors(second, 'timeout')).toBeGreaterThanOrEqual(1);
    expect(await upstreamErrors(second, 'http_status')).toBeGreaterThanOrEqual(2);
    expect(await upstreamErrors(second, 'invalid')).toBeGreaterThanOrEqual(1);
    expect((await http(second.url, 'GET', '/health/live')).status).toBe(200);

    // an entry that stays invalid is skipped after its attempts, so the feed does not stall
    upstream.fault('/5008.json', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid');
    add(5008);
    add(5009);
    await eventually(async () => (await storedIds(second)).includes(ids.get(5009)!), 20_000);
    expect(await storedIds(second)).not.toContain(ids.get(5008));
    expect(await upstreamErrors(second, 'skipped')).toBe(1);

    // the poller and the HTTP route share one idempotent path: a killmail posted first is
    // recognised when the feed serves it later, and not broadcast again
    const posted = esiKillmail();
    const res = await http(second.url, 'POST', '/api/killmails', { token: serviceToken(), body: posted });
    expect(res.status).toBe(201);
    upstream.add(5010, posted);
    add(5011);
    await eventually(async () => (await storedIds(second)).includes(ids.get(5011)!), 20_000);
    const broadcasts = await broadcastIds(second);
    expect(broadcasts.filter((id) => id === posted.killmail_id)).toHaveLength(1);
    expect(new Set(broadcasts).size).toBe(broadcasts.length);

    // entries that stay 404 while sequence.json is past them are gone (expired after an
    // outage): skipped after gapCheckMs, instead of stalling the feed forever
    Object.assign(KillmailUpstreamPollerJob, { gapCheckMs: 300 });
    add(5015);
    add(5016);
    upstream.sequence = 5016; // 5012–5014 never appear
    await eventually(async () => (await storedIds(second)).includes(ids.get(5016)!), 20_000);
    expect(await upstreamErrors(second, 'gone')).toBe(3);
    // but a 404 at the head is "not yet": after several gap checks, 5017 still gets ingested
    const asked = upstream.count('/sequence.json');
    await eventually(() => upstream.count('/sequence.json') >= asked + 2, 10_000);
    add(5017);
    await eventually(async () => (await storedIds(second)).includes(ids.get(5017)!), 20_000);
    expect(await upstreamErrors(second, 'gone')).toBe(3);
    feed.close();
  });
});

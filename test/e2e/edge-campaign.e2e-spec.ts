/**
 * Bounded per-user work in the campaign module: quotas answer 429 `quota_exceeded` with the
 * limit in `details`, and the world clock announces a running clock once per broadcast period
 * (plus each change at once) instead of persisting an event per campaign per second.
 */
import type { Socket } from 'socket.io-client';
import { PrismaService } from '../../src/core/prisma';
import { CampaignService } from '../../src/modules/campaign/campaign.service';
import { startTestApp, type TestApp } from '../support/app';
import { collect, eventually, http, sleep } from '../support/clients';
import { connectAs, createCampaign, createSettlement, subscribe } from '../support/campaign';
import { token } from '../support/tokens';

type Clock = {
  offset: string;
  timestamp: string;
  previousTime: string;
  currentTime: string;
  worldTime: string;
  clockRate: number;
  clockRunning: boolean;
  tickedAt: string;
  metadata: { source?: string };
};

const BROADCAST_SECONDS = 2;

describe('campaign quotas and the world clock', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    app = await startTestApp({
      env: {
        QUOTA_RUNNING_CLOCKS_PER_USER: '3',
        QUOTA_CAMPAIGNS_PER_USER: '6',
        QUOTA_SETTLEMENTS_PER_CAMPAIGN: '2',
        QUOTA_STRUCTURES_PER_SETTLEMENT: '2',
        WORLD_CLOCK_BROADCAST_SECONDS: String(BROADCAST_SECONDS),
      },
    });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await app?.close();
  });

  const clock = (user: string, id: string, body: Record<string, unknown>) =>
    http<{ error: string; message: string; details: unknown }>(app.url, 'POST', `/api/campaigns/${id}/world-time`, { token: token(user), body });
  const quota = (name: string, limit: number) => ({ status: 429, body: expect.objectContaining({ error: 'quota_exceeded', details: { quota: name, limit } }) });

  it('refuses the 4th running clock of a user with a quota of 3 (429 with the limit), until one stops', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createCampaign(app.url, 'q-clocks')).id);
    for (const id of ids.slice(0, 3)) expect((await clock('q-clocks', id, { running: true })).status).toBe(200);
    expect(await clock('q-clocks', ids[3], { running: true })).toMatchObject(quota('running_clocks_per_user', 3));
    // starting a clock already running is not a new one; a running campaign cannot be created either
    expect((await clock('q-clocks', ids[0], { running: true, rate: 2 })).status).toBe(200);
    expect(await http(app.url, 'POST', '/api/campaigns', { token: token('q-clocks'), body: { name: 'x', clockRunning: true } })).toMatchObject(
      quota('running_clocks_per_user', 3),
    );
    const refused = await http<{ clockRunning: boolean }>(app.url, 'GET', `/api/campaigns/${ids[3]}`, { token: token('q-clocks') });
    expect(refused.body.clockRunning).toBe(false);

    expect((await clock('q-clocks', ids[1], { running: false })).status).toBe(200);
    expect((await clock('q-clocks', ids[3], { running: true })).status).toBe(200);
    // another user has a quota of their own
    const other = await createCampaign(app.url, 'q-other', { clockRunning: true });
    expect(other).toMatchObject({ clockRunning: true });
  });

  it('lets concurrent starts past the quota only up to it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await createCampaign(app.url, 'q-race')).id);
    const results = await Promise.all(ids.map((id) => clock('q-race', id, { running: true })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it('bounds campaigns per user, settlements per campaign and structures per settlement', async () => {
    for (let i = 0; i < 6; i++) await createCampaign(app.url, 'q-many');
    expect(await http(app.url, 'POST', '/api/campaigns', { token: token('q-many'), body: { name: 'seventh' } })).toMatchObject(
      quota('campaigns_per_user', 6),
    );

    const campaign = await createCampaign(app.url, 'q-content');
    const settlement = await createSettlement(app.url, campaign.id, 'q-content');
    await createSettlement(app.url, campaign.id, 'q-content');
    expect(
      await http(app.url, 'POST', `/api/campaigns/${campaign.id}/settlements`, { token: token('q-content'), body: { name: 'third' } }),
    ).toMatchObject(quota('settlements_per_campaign', 2));
    const structure = (name: string) =>
      http(app.url, 'POST', `/api/settlements/${settlement.id}/structures`, { token: token('q-content'), body: { name, type: 'hut' } });
    expect((await structure('a')).status).toBe(201);
    expect((await structure('b')).status).toBe(201);
    expect(await structure('c')).toMatchObject(quota('structures_per_settlement', 2));
  });

  it('announces a running clock at most once per broadcast period, each change at once, clients computing the time in between', async () => {
    const campaigns = [
      await createCampaign(app.url, 'wc-owner', { worldTime: '1400-01-01T00:00:00.000Z', clockRunning: true, clockRate: 10 }),
      await createCampaign(app.url, 'wc-owner', { worldTime: '1500-01-01T00:00:00.000Z', clockRunning: true, clockRate: 1 }),
    ];
    const watcher = await connectAs(app.url, 'wc-owner');
    sockets.push(watcher);
    for (const c of campaigns) expect(await subscribe(watcher, { campaignId: c.id })).toEqual({ success: true });
    const seen = collect<Clock & { campaignId: string }>(watcher, 'world_time_changed');

    const observeMs = 3 * BROADCAST_SECONDS * 1000 + 500;
    await sleep(observeMs);
    // a change of rate goes out at once
    expect((await clock('wc-owner', campaigns[0].id, { rate: 20 })).status).toBe(200);
    await eventually(() => seen.some((e) => e.metadata.source === 'http'));

    for (const c of campaigns) {
      const periodic = seen.filter((e) => e.campaignId === c.id && e.metadata.source === 'world-clock');
      // at most one per period (plus one for a period boundary at the start), never one per second
      expect(periodic.length).toBeGreaterThanOrEqual(2);
      expect(periodic.length).toBeLessThanOrEqual(Math.floor(observeMs / (BROADCAST_SECONDS * 1000)) + 1);
      for (let i = 1; i < periodic.length; i++) {
        expect(Date.parse(periodic[i].tickedAt) - Date.parse(periodic[i - 1].tickedAt)).toBeGreaterThanOrEqual(BROADCAST_SECONDS * 1000);
      }
    }
    const change = seen.find((e) => e.metadata.source === 'http')!;
    expect(change).toMatchObject({ campaignId: campaigns[0].id, clockRunning: true, clockRate: 20 });
    // the time a client computes from the last announcement is where the change started
    const before = seen.filter((e) => e.campaignId === campaigns[0].id && Number(e.offset) < Number(change.offset)).at(-1)!;
    expect(Date.parse(change.previousTime)).toBe(Date.parse(before.worldTime) + (Date.parse(change.tickedAt) - Date.parse(before.tickedAt)) * 10);

    // persisted world-clock events: a handful per campaign, not one per second
    const [{ n }] = await app
      .get(PrismaService)
      .sql.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM events WHERE event = 'world_time_changed' AND payload->>'campaignId' = ANY($1::text[])`,
        [campaigns.map((c) => c.id)],
      );
    expect(Number(n)).toBe(seen.length);
    process.stdout.write(
      `world clock: ${seen.length} persisted world_time_changed for ${campaigns.length} running clocks over ${(observeMs / 1000).toFixed(1)} s (one per clock per second before: ~${Math.round((campaigns.length * observeMs) / 1000)})\n`,
    );
  });

  it('announces every due clock of a tick in one batched append', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createCampaign(app.url, `wb-${i}`, { clockRunning: true, clockRate: 60 })).id);
    const watcher = await connectAs(app.url, 'wb-0');
    sockets.push(watcher);
    expect(await subscribe(watcher, { campaignId: ids[0] })).toEqual({ success: true });
    const before = await app.get(PrismaService).sql.query<{ last_seq: string }>('SELECT last_seq::text FROM event_log_head');
    // a tick far ahead: every running clock of the database is due, these three included
    const tickAt = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const announced = await app.get(CampaignService).announceDueClocks(tickAt);
    expect(announced).toBeGreaterThanOrEqual(3);
    const rows = await app
      .get(PrismaService)
      .sql.query<{ seq: string; ts: string }>(
        `SELECT seq::text, payload->>'timestamp' AS ts FROM events
          WHERE seq > $1::bigint AND event = 'world_time_changed' AND payload->'metadata'->>'correlationId' = $2 ORDER BY seq`,
        [before[0].last_seq, `world-clock:${tickAt.toISOString()}`],
      );
    expect(rows).toHaveLength(announced);
    // one append: consecutive offsets, one timestamp
    rows.forEach((r, i) => i && expect(BigInt(r.seq)).toBe(BigInt(rows[i - 1].seq) + 1n));
    expect(new Set(rows.map((r) => r.ts)).size).toBe(1);
    // the same tick again (another instance, a retried run): nothing is due any more
    expect(await app.get(CampaignService).announceDueClocks(tickAt)).toBe(0);
  });
});

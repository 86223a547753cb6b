import type { Socket } from 'socket.io-client';
import { JobScheduler } from '../../src/core/scheduling';
import { tickStart, WORLD_CLOCK_JOB } from '../../src/modules/campaign/campaign-world-clock.job';
import { CampaignService } from '../../src/modules/campaign/campaign.service';
import { startTestApp, type TestApp } from '../support/app';
import { collect, eventually, http, sleep, waitFor } from '../support/clients';
import { addMember, connectAs, createCampaign, createSettlement, createStructure, ok, subscribe } from '../support/campaign';
import { token } from '../support/tokens';

type Wire = { type: string; offset: string; metadata: { correlationId?: string; source?: string }; [k: string]: unknown };
type Clock = Wire & { previousTime: string; currentTime: string; worldTime: string; clockRate: number; clockRunning: boolean; tickedAt: string };
const QUIET_MS = 300;

describe('/ws/campaign on two instances sharing Redis and PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;
  const sockets: Socket[] = [];
  const open = async (app: TestApp, userId: string) => {
    const s = await connectAs(app.url, userId);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    // running clocks announced every second (instead of every minute) so scheduled announcements are observable
    const env = { WORLD_CLOCK_BROADCAST_SECONDS: '1' };
    a = await startTestApp({ redis: true, env });
    b = await startTestApp({ redis: a.redisPrefix, databaseUrl: a.databaseUrl, env });
  });
  afterEach(() => {
    sockets.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('takes a removed member out of every room on both instances before the removal is acknowledged (Z4)', async () => {
    const campaign = await createCampaign(a.url, 'owner-c');
    const settlement = await createSettlement(a.url, campaign.id, 'owner-c');
    const structure = await createStructure(a.url, settlement.id, 'owner-c');
    await addMember(a.url, campaign.id, 'owner-c', 'leaver', 'player');

    // the member has a socket on each instance, each in all three kinds of room; a control member on each too
    const leavers = [await open(a, 'leaver'), await open(b, 'leaver')];
    const controls = [await open(a, 'owner-c'), await open(b, 'owner-c')];
    for (const s of [...leavers, ...controls]) {
      for (const scope of [{ campaignId: campaign.id }, { settlementId: settlement.id }, { structureId: structure.id }]) {
        expect(await subscribe(s, scope)).toEqual({ success: true });
      }
    }
    const rename = (name: string) =>
      ok(http(b.url, 'PATCH', `/api/structures/${structure.id}`, { token: token('owner-c'), body: { name } }));

    // every socket receives a structure event published on the other instance: all subscriptions are live
    const before = [...leavers, ...controls].map((s) => waitFor<Wire>(s, 'structure_updated'));
    await rename('Before');
    for (const got of await Promise.all(before))
      expect(got).toMatchObject({ structureId: structure.id, structure: { name: 'Before' } });

    const revoked = leavers.map((s) => waitFor(s, 'subscription_revoked'));
    const leaverLogs = leavers.map((s) => collect<Wire>(s, 'structure_updated'));
    const removal = await http(a.url, 'DELETE', `/api/campaigns/${campaign.id}/members/leaver`, { token: token('owner-c') });
    expect(removal).toMatchObject({ status: 200, body: { campaignId: campaign.id, userId: 'leaver', removed: true } });

    // published after the acknowledgement, on the instance that did not process the removal
    const after = controls.map((s) => waitFor<Wire>(s, 'structure_updated'));
    await rename('After');
    for (const got of await Promise.all(after)) expect(got).toMatchObject({ structure: { name: 'After' } });
    expect(await Promise.all(revoked)).toEqual([
      { campaignId: campaign.id, reason: 'membership_removed' },
      { campaignId: campaign.id, reason: 'membership_removed' },
    ]);
    await sleep(QUIET_MS);
    expect(leaverLogs).toEqual([[], []]);
    for (const s of leavers)
      expect(await subscribe(s, { settlementId: settlement.id })).toMatchObject({ success: false, error: 'Unauthorized' });
  });

  it('resumes on the other instance with since: exactly the missed events, then live ones', async () => {
    const campaign = await createCampaign(a.url, 'owner-m');
    const settlement = await createSettlement(a.url, campaign.id, 'owner-m');
    const structure = await createStructure(a.url, settlement.id, 'owner-m');
    const rename = (app: TestApp, name: string) =>
      ok(http(app.url, 'PATCH', `/api/structures/${structure.id}`, { token: token('owner-m'), body: { name } }));

    const first = await open(a, 'owner-m');
    expect(await subscribe(first, { settlementId: settlement.id })).toEqual({ success: true });
    const seen = waitFor<Wire>(first, 'structure_updated');
    await rename(a, 'seen');
    const { offset: lastSeen } = await seen;
    first.close();

    for (const [i, app] of [a, b, a].entries()) await rename(app, `missed-${i}`);
    const second = await open(b, 'owner-m');
    const got = collect<Wire & { structure: { name: string } }>(second, 'structure_updated');
    expect(await subscribe(second, { settlementId: settlement.id }, lastSeen)).toEqual({ success: true });
    await rename(a, 'live');
    await eventually(() => got.length >= 4);
    await sleep(QUIET_MS);
    expect(got.map((e) => e.structure.name)).toEqual(['missed-0', 'missed-1', 'missed-2', 'live']);
    expect(got.every((e, i) => i === 0 || BigInt(e.offset) > BigInt(got[i - 1].offset))).toBe(true);
  });

  it('announces a due clock once even when both instances run the same tick', async () => {
    const campaign = (await createCampaign(a.url, 'owner-t', {
      clockRunning: true,
      clockRate: 60,
      worldTime: '1200-01-01T00:00:00.000Z',
    })) as { id: string; worldTime: string; tickedAt?: string };
    const watcher = await open(b, 'owner-t');
    expect(await subscribe(watcher, { campaignId: campaign.id })).toEqual({ success: true });
    const seen = collect<Clock>(watcher, 'world_time_changed');

    // A tick no scheduler will reach for an hour, so only these two runs can apply it.
    const tickAt = tickStart(new Date(Date.now() + 3_600_000));
    const moved = await Promise.all([a, b].map((app) => app.get(CampaignService).announceDueClocks(tickAt)));
    expect(moved.reduce((n, m) => n + m, 0)).toBe(1);
    await ok(
      http(a.url, 'POST', `/api/campaigns/${campaign.id}/world-time`, { token: token('owner-t'), body: { running: false } }),
    );

    const correlationId = `world-clock:${tickAt.toISOString()}`;
    await eventually(() => seen.some((e) => e.metadata.correlationId === correlationId));
    await sleep(QUIET_MS);
    const forTick = seen.filter((e) => e.metadata.correlationId === correlationId);
    expect(forTick).toHaveLength(1);
    // the clock's anchor moved to the tick: 60 world seconds per real second since the campaign's own anchor
    expect(forTick[0]).toMatchObject({ clockRunning: true, clockRate: 60, tickedAt: tickAt.toISOString() });
    expect(forTick[0].worldTime).toBe(forTick[0].currentTime);
    expect(forTick[0].previousTime).toBe('1200-01-01T00:00:00.000Z');
    expect(Date.parse(forTick[0].currentTime) - Date.parse(forTick[0].previousTime)).toBe(
      (tickAt.getTime() - Date.parse(campaign.tickedAt!)) * 60,
    );
  });

  it('announces a running clock once per broadcast period across both instances, and each change at once', async () => {
    const campaign = await createCampaign(a.url, 'owner-k', { worldTime: '1300-01-01T00:00:00.000Z' });
    const watchers = [await open(a, 'owner-k'), await open(b, 'owner-k')];
    for (const s of watchers) expect(await subscribe(s, { campaignId: campaign.id })).toEqual({ success: true });
    const logs = watchers.map((s) => collect<Clock>(s, 'world_time_changed'));
    const skippedBefore = [a, b].map((app) => skipped(app));

    const setClock = (running: boolean) =>
      ok(
        http(a.url, 'POST', `/api/campaigns/${campaign.id}/world-time`, { token: token('owner-k'), body: { running, rate: 5 } }),
      );
    await setClock(true);
    const periodic = (log: Clock[]) => log.filter((e) => e.metadata.source === 'world-clock');
    await eventually(() => periodic(logs[0]).length >= 3 && periodic(logs[1]).length >= 3, 10_000);
    await setClock(false);
    await sleep(QUIET_MS);

    const [log] = logs;
    expect(logs[1].map((e) => e.offset)).toEqual(log.map((e) => e.offset)); // each socket got each announcement once
    expect(log[0]).toMatchObject({ clockRunning: true, clockRate: 5, metadata: { source: 'http' } }); // the start, at once
    expect(log.at(-1)).toMatchObject({ clockRunning: false, clockRate: 5, metadata: { source: 'http' } }); // the stop, at once
    const ticks = periodic(log).map((e) => e.metadata.correlationId);
    expect(new Set(ticks).size).toBe(ticks.length); // no tick applied twice
    log.forEach((e, i) => {
      expect(e.worldTime).toBe(e.currentTime);
      if (i === 0) return;
      const prev = log[i - 1];
      // what a client computes from the previous announcement is exactly the time this one carries
      const computed = Date.parse(prev.worldTime) + (prev.clockRunning ? (Date.parse(e.tickedAt) - Date.parse(prev.tickedAt)) * prev.clockRate : 0);
      if (e.metadata.source === 'world-clock') {
        expect(Date.parse(e.worldTime)).toBe(computed); // a periodic announcement re-anchors without moving the time…
        expect(e.previousTime).toBe(prev.worldTime); // …and says where the previous anchor was
      } else {
        expect(Date.parse(e.previousTime)).toBe(computed); // a change starts from the time the clock showed
      }
    });
    // between the first and last periodic announcement: one per second of real time, 5 world seconds each
    periodic(log).slice(1).forEach((e) => {
      expect(Date.parse(e.currentTime) - Date.parse(e.previousTime)).toBe(5000);
    });
    const detail = await ok<{ worldTime: string; clockRunning: boolean }>(
      http(b.url, 'GET', `/api/campaigns/${campaign.id}`, { token: token('owner-k') }),
    );
    expect(detail).toMatchObject({ worldTime: log[log.length - 1].currentTime, clockRunning: false });
    // both schedulers fired each tick and one of them stood aside
    const stoodAside = [a, b].reduce((n, app, i) => n + skipped(app) - skippedBefore[i], 0);
    expect(stoodAside).toBeGreaterThanOrEqual(periodic(log).length - 1);
  });
});

function skipped(app: TestApp): number {
  return (
    app
      .get(JobScheduler)
      .statuses()
      .find((j) => j.name === WORLD_CLOCK_JOB)?.skipped ?? 0
  );
}

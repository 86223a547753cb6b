/**
 * Chaos: revocations while Redis is down. A campaign member is removed, and a
 * settlement deleted, on one instance while the other cannot hear it through the adapter.
 * The removal is acknowledged only once it is recorded; the other instance applies it in
 * offset order (read back from the log), so the removed member's socket there receives
 * `subscription_revoked` and not one event published after the removal, before or after
 * Redis returns.
 */
import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { addMember, connectAs, createCampaign, createSettlement, createStructure, ok, subscribe } from '../support/campaign';
import { collect, eventually, http, sleep, waitFor } from '../support/clients';
import { startRedis, type RedisHandle } from '../support/services';
import { token } from '../support/tokens';

type Wire = { type: string; offset: string; [k: string]: unknown };

const readiness = async (app: TestApp) => (await http(app.url, 'GET', '/health/ready')).status;

async function revocationOffsets(databaseUrl: string): Promise<bigint[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: string }>(
      `SELECT e.seq::text AS seq FROM events e WHERE e.event = 'herald:revocation' ORDER BY e.seq`,
    );
    return rows.map((r) => BigInt(r.seq));
  } finally {
    await client.end();
  }
}

describe('chaos: revocation while Redis is down', () => {
  let redis: RedisHandle;
  let a: TestApp;
  let b: TestApp;
  const sockets: Socket[] = [];
  const open = async (app: TestApp, userId: string) => {
    const s = await connectAs(app.url, userId);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    redis = await startRedis();
    a = await startTestApp({ redisUrl: redis.url });
    b = await startTestApp({ redisUrl: redis.url, redis: a.redisPrefix, databaseUrl: a.databaseUrl });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('a member removed while Redis is down gets subscription_revoked on the other instance and no later event', async () => {
    const campaign = await createCampaign(a.url, 'owner-r');
    const settlement = await createSettlement(a.url, campaign.id, 'owner-r');
    const doomed = await createSettlement(a.url, campaign.id, 'owner-r', 'Doomed');
    const tower = await createStructure(a.url, doomed.id, 'owner-r');
    await addMember(a.url, campaign.id, 'owner-r', 'leaver', 'player');
    await addMember(a.url, campaign.id, 'owner-r', 'stayer', 'player');

    // on instance B: the member to remove, and a member who stays (also watching what gets deleted)
    const leaver = await open(b, 'leaver');
    const stayer = await open(b, 'stayer');
    for (const s of [leaver, stayer]) {
      expect(await subscribe(s, { campaignId: campaign.id })).toEqual({ success: true });
      expect(await subscribe(s, { settlementId: settlement.id })).toEqual({ success: true });
    }
    expect(await subscribe(stayer, { structureId: tower.id })).toEqual({ success: true });
    const leaverEvents = collect<Wire>(leaver, 'settlement_updated');
    const stayerEvents = collect<Wire>(stayer, 'settlement_updated');
    const rename = (app: TestApp, name: string) =>
      ok(http(app.url, 'PATCH', `/api/settlements/${settlement.id}`, { token: token('owner-r'), body: { name } }));
    await rename(a, 'before');
    await eventually(() => leaverEvents.length === 1 && stayerEvents.length === 1);

    await redis.kill();
    await eventually(async () => (await readiness(a)) === 503 && (await readiness(b)) === 503, 10_000);

    const revoked = waitFor<{ campaignId: string; reason: string }>(leaver, 'subscription_revoked', 10_000);
    const towerGone = waitFor<{ structureId?: string; reason: string }>(stayer, 'subscription_revoked', 10_000);
    // Recorded, or refused with 503 and nothing changed: then it must succeed once Redis is back.
    let removal = await http(a.url, 'DELETE', `/api/campaigns/${campaign.id}/members/leaver`, { token: token('owner-r') });
    const refused = removal.status === 503;
    const deletion = await http(a.url, 'DELETE', `/api/settlements/${doomed.id}`, { token: token('owner-r') });
    // published after the removal, on the instance that made it, while B cannot hear A
    await rename(a, 'during-outage');

    await redis.start();
    await eventually(async () => (await readiness(a)) === 200 && (await readiness(b)) === 200, 10_000);
    if (refused) {
      removal = await http(a.url, 'DELETE', `/api/campaigns/${campaign.id}/members/leaver`, { token: token('owner-r') });
    }
    expect(removal.status).toBe(200);
    expect(deletion.status).toBe(200);
    expect(await revoked).toEqual({ campaignId: campaign.id, reason: 'membership_removed' });
    expect(await towerGone).toMatchObject({ reason: 'deleted' });

    await rename(a, 'after-on-a');
    await rename(b, 'after-on-b');
    await eventually(() => stayerEvents.some((e) => (e.settlement as { name?: string })?.name === 'after-on-b'), 10_000);
    await sleep(300);

    const [memberRevocation] = await revocationOffsets(a.databaseUrl);
    expect(memberRevocation).toBeDefined();
    // the member saw only what was published before the removal; the one who stayed saw everything, in order
    expect(leaverEvents.every((e) => BigInt(e.offset) < memberRevocation)).toBe(true);
    expect(leaverEvents.map((e) => (e.settlement as { name: string }).name)).toEqual(['before']);
    const renames = stayerEvents.filter((e) => e.settlementId === settlement.id);
    expect(renames.map((e) => (e.settlement as { name: string }).name)).toEqual(['before', 'during-outage', 'after-on-a', 'after-on-b']);
    expect(stayerEvents.some((e) => e.settlementId === doomed.id && e.operation === 'delete')).toBe(true);
    const offsets = stayerEvents.map((e) => BigInt(e.offset));
    expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1])).toBe(true);
    // and cannot come back in
    expect(await subscribe(leaver, { settlementId: settlement.id })).toMatchObject({ success: false });
  });
});

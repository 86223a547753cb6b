import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connectError, eventually, http } from '../support/clients';
import {
  addMember,
  CAMPAIGN_NS,
  connectAs,
  createCampaign,
  createSettlement,
  subscribe,
} from '../support/campaign';
import { token } from '../support/tokens';

type Wire = { type: string; campaignId: string; offset: string; metadata: Record<string, unknown>; [k: string]: unknown };

describe('/ws/campaign', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  const open = async (userId: string) => {
    const s = await connectAs(app.url, userId);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(() => {
    sockets.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses connections without a valid token', async () => {
    const missing = await connectError(app.url, CAMPAIGN_NS);
    expect(missing.data?.code).toBe('socket_error:unauthorized');
    const forged = await connectError(app.url, CAMPAIGN_NS, { token: token('alice', { secret: 'not-the-secret-at-all-0123456789' }) });
    expect(forged.data?.code).toBe('socket_error:unauthorized');
  });

  it('broadcasts updates to every subscriber and keeps two clients in sync', async () => {
    const campaign = await createCampaign(app.url, 'gm-ann');
    await addMember(app.url, campaign.id, 'gm-ann', 'player-bo', 'player');
    const [a, b] = [await open('gm-ann'), await open('player-bo')];
    expect(await subscribe(a, { campaignId: campaign.id })).toEqual({ success: true });
    expect(await subscribe(b, { campaignId: campaign.id })).toEqual({ success: true });
    const [logA, logB] = [collect<Wire>(a, 'settlement_updated'), collect<Wire>(b, 'settlement_updated')];

    const settlement = await createSettlement(app.url, campaign.id, 'player-bo', 'Saltmarsh');
    await http(app.url, 'PATCH', `/api/settlements/${settlement.id}`, {
      token: token('gm-ann'),
      body: { name: 'Saltmarsh Harbour' },
      headers: { 'X-Correlation-Id': 'req-42' },
    });
    await eventually(() => logA.length === 2 && logB.length === 2);
    expect(logA).toEqual(logB);
    expect(logA.map((e) => e.operation)).toEqual(['create', 'update']);
    expect(logA[1]).toMatchObject({
      type: 'settlement_updated',
      campaignId: campaign.id,
      settlementId: settlement.id,
      changedFields: ['name'],
      settlement: { name: 'Saltmarsh Harbour' },
      metadata: { userId: 'gm-ann', source: 'http', correlationId: 'req-42' },
    });
    expect(BigInt(logA[1].offset)).toBeGreaterThan(BigInt(logA[0].offset));
    expect(typeof logA[0].metadata.correlationId).toBe('string'); // generated when no header
    expect(Number.isNaN(Date.parse(logA[0].timestamp as string))).toBe(false);
  });
});

/**
 * Campaign events are keyed by the change they announce: a retried request that changes
 * nothing publishes nothing, and each real change is published once (real sockets, a real
 * PostgreSQL behind a started app).
 */
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { addMember, connectAs, createCampaign, createSettlement, createStructure, ok, subscribe } from '../support/campaign';
import { eventually, http, sleep } from '../support/clients';
import { token } from '../support/tokens';

interface Wire {
  type: string;
  offset: string;
  operation?: string;
  changedFields?: string[];
}

describe('campaign events keyed by the change', () => {
  let app: TestApp;
  let watcher: Socket;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    watcher?.close();
    await app?.close();
  });

  it('publishes each change once and nothing for a retried request that changes nothing', async () => {
    const campaign = await createCampaign(app.url, 'rk-own');
    const settlement = await createSettlement(app.url, campaign.id, 'rk-own');
    const structure = await createStructure(app.url, settlement.id, 'rk-own');
    watcher = await connectAs(app.url, 'rk-own');
    expect((await subscribe(watcher, { campaignId: campaign.id })).success).toBe(true);
    const events: Wire[] = [];
    for (const type of ['entity_updated', 'settlement_updated', 'structure_updated', 'world_time_changed']) {
      watcher.on(type, (e: Wire) => events.push(e));
    }

    const patchSettlement = () =>
      ok(http(app.url, 'PATCH', `/api/settlements/${settlement.id}`, { token: token('rk-own'), body: { name: 'Port', data: { docks: 2 } } }));
    const patchStructure = () =>
      ok(http(app.url, 'PATCH', `/api/structures/${structure.id}`, { token: token('rk-own'), body: { type: 'keep' } }));
    const setTime = () =>
      ok(http(app.url, 'POST', `/api/campaigns/${campaign.id}/world-time`, { token: token('rk-own'), body: { set: '1200-03-01T00:00:00Z' } }));

    // Each request twice, as a client retrying after a lost answer would.
    await patchSettlement();
    await patchSettlement();
    await patchStructure();
    await patchStructure();
    await addMember(app.url, campaign.id, 'rk-own', 'rk-gm', 'gm');
    await addMember(app.url, campaign.id, 'rk-own', 'rk-gm', 'gm');
    await setTime();
    await setTime();

    await eventually(() => events.length >= 4, 5000);
    await sleep(500); // longer than the outbox relay's grace period: a second copy of anything would be here
    expect(events.map((e) => `${e.type}:${e.operation ?? e.changedFields?.join(',') ?? ''}`)).toEqual([
      'settlement_updated:update',
      'structure_updated:update',
      'entity_updated:members',
      'world_time_changed:',
    ]);
    expect(new Set(events.map((e) => e.offset)).size).toBe(4);

    // A real change after the repeats is a new event.
    await ok(http(app.url, 'PATCH', `/api/settlements/${settlement.id}`, { token: token('rk-own'), body: { name: 'Harbour again' } }));
    await eventually(() => events.length === 5, 5000);
    expect(events[4]).toMatchObject({ type: 'settlement_updated', operation: 'update', changedFields: ['name'] });
  });
});

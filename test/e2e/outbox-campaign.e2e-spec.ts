/**
 * Campaign changes commit with their events (the transactional outbox), keyed by the change:
 * a retried request that changes nothing publishes nothing, each real change is published
 * once, live and in history. Real sockets and a real database behind a started app.
 */
import { withDb } from '../support/database';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { addMember, connectAs, createCampaign, createSettlement, createStructure, ok, subscribe } from '../support/campaign';
import { eventually, http, sleep } from '../support/clients';
import { token } from '../support/tokens';
import { RELAY_GRACE_MS, RELAY_MAX_INTERVAL_MS } from '../../src/core/realtime/outbox-relay';

interface Wire {
  type: string;
  offset: string;
  operation?: string;
  changedFields?: string[];
}

interface HistoryPage {
  events: Array<{ offset: string; event: string; payload: Wire }>;
}

const label = (e: Wire) => `${e.type}:${e.operation ?? e.changedFields?.join(',') ?? ''}`;

describe('campaign changes on the outbox, keyed by the change', () => {
  let app: TestApp;
  let watcher: Socket | undefined;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    watcher?.close();
    await app?.close();
  });

  it('publishes each change once and nothing for a retried request that changes nothing', async () => {
    const owner = 'ob-own';
    const campaign = await createCampaign(app.url, owner, { clockRunning: false });
    const settlement = await createSettlement(app.url, campaign.id, owner);
    const structure = await createStructure(app.url, settlement.id, owner);
    const doomed = await createSettlement(app.url, campaign.id, owner, 'Ruins');
    watcher = await connectAs(app.url, owner);
    expect((await subscribe(watcher, { campaignId: campaign.id })).success).toBe(true);
    const live: Wire[] = [];
    for (const type of ['entity_updated', 'settlement_updated', 'structure_updated', 'world_time_changed']) {
      watcher.on(type, (e: Wire) => live.push(e));
    }

    const send = (method: string, path: string, body?: Record<string, unknown>) =>
      http(app.url, method, path, { token: token(owner), body });
    const patchSettlement = () =>
      ok(send('PATCH', `/api/settlements/${settlement.id}`, { name: 'Port', data: { docks: 2, piers: { north: 1 } } }));
    const patchStructure = () => ok(send('PATCH', `/api/structures/${structure.id}`, { type: 'keep' }));
    const setTime = () => ok(send('POST', `/api/campaigns/${campaign.id}/world-time`, { set: '1200-03-01T00:00:00.000Z' }));
    const stopClock = () => ok(send('POST', `/api/campaigns/${campaign.id}/world-time`, { running: false }));

    // Each request twice, as a client retrying after a lost answer would.
    await patchSettlement();
    await patchSettlement();
    await patchStructure();
    await patchStructure();
    await addMember(app.url, campaign.id, owner, 'ob-gm', 'gm');
    await addMember(app.url, campaign.id, owner, 'ob-gm', 'gm');
    await setTime();
    await setTime();
    await stopClock(); // stopped already: no change, no event
    await ok(send('DELETE', `/api/settlements/${doomed.id}`));
    expect((await send('DELETE', `/api/settlements/${doomed.id}`)).status).toBe(404);

    const expected = [
      'settlement_updated:update',
      'structure_updated:update',
      'entity_updated:members',
      'world_time_changed:',
      'settlement_updated:delete',
    ];
    await eventually(() => live.length >= expected.length, 5000);
    await sleep(RELAY_GRACE_MS + RELAY_MAX_INTERVAL_MS); // a relay pass of any instance has run since: a second copy of anything would be here
    expect(live.map(label)).toEqual(expected);
    expect(new Set(live.map((e) => e.offset)).size).toBe(expected.length);

    // History holds each change once too (the key kept the log free of repeats).
    const page = await ok<HistoryPage>(
      http(app.url, 'GET', `/api/history?channel=campaign:${campaign.id}`, { token: token(owner) }),
    );
    const logged = page.events.map((e) => e.payload).filter((e) => e.operation !== 'create'); // the creates came before the watcher
    expect(logged.map(label)).toEqual(expected);

    // A real change after the repeats is a new event, carrying only the fields that changed.
    await ok(
      send('PATCH', `/api/settlements/${settlement.id}`, { name: 'Harbour again', data: { piers: { north: 1 }, docks: 2 } }),
    );
    await eventually(() => live.length === expected.length + 1, 5000);
    expect(live[expected.length]).toMatchObject({ type: 'settlement_updated', operation: 'update', changedFields: ['name'] });
  });

  it('rolls a removal back with its revocation and event when the campaign would lose its last owner', async () => {
    const owner = 'ob-solo';
    const campaign = await createCampaign(app.url, owner, { clockRunning: false });
    const socket = await connectAs(app.url, owner);
    try {
      expect((await subscribe(socket, { campaignId: campaign.id })).success).toBe(true);
      const seen: string[] = [];
      socket.on('subscription_revoked', () => seen.push('subscription_revoked'));
      socket.on('entity_updated', () => seen.push('entity_updated'));
      socket.on('world_time_changed', () => seen.push('world_time_changed'));
      const res = await http(app.url, 'DELETE', `/api/campaigns/${campaign.id}/members/${owner}`, { token: token(owner) });
      expect(res.status).toBe(409);
      await sleep(800);
      expect(seen).toEqual([]);
      // Still a member, still subscribed: a later change reaches the socket.
      await ok(
        http(app.url, 'POST', `/api/campaigns/${campaign.id}/world-time`, { token: token(owner), body: { advanceBy: 60 } }),
      );
      await eventually(() => seen.length === 1, 5000);
      expect(seen).toEqual(['world_time_changed']);
      const page = await ok<HistoryPage>(
        http(app.url, 'GET', `/api/history?channel=campaign:${campaign.id}`, { token: token(owner) }),
      );
      expect(page.events.map((e) => e.event)).toEqual(['world_time_changed']);
    } finally {
      socket.close();
    }
  });

  it('fails and removes nothing when the revocation cannot be recorded; the retry removes and revokes', async () => {
    const owner = 'ob-boss';
    const removed = 'ob-poisoned';
    const campaign = await createCampaign(app.url, owner, { clockRunning: false });
    await addMember(app.url, campaign.id, owner, removed, 'player');
    const ownerSocket = await connectAs(app.url, owner);
    const memberSocket = await connectAs(app.url, removed);
    // A real failure of the event-log insert, for this user's revocation only.
    const constraint = `ALTER TABLE events ADD CONSTRAINT refuse_revocation CHECK (event <> 'herald:revocation' OR payload->>'userId' IS DISTINCT FROM '${removed}')`;
    try {
      expect((await subscribe(ownerSocket, { campaignId: campaign.id })).success).toBe(true);
      expect((await subscribe(memberSocket, { campaignId: campaign.id })).success).toBe(true);
      const ownerSaw: string[] = [];
      const memberSaw: string[] = [];
      ownerSocket.on('entity_updated', (e: Wire) => ownerSaw.push(label(e)));
      memberSocket.on('subscription_revoked', () => memberSaw.push('subscription_revoked'));
      await withDb(app.databaseUrl, (db) => db.query(constraint));

      const refused = await http(app.url, 'DELETE', `/api/campaigns/${campaign.id}/members/${removed}`, { token: token(owner) });
      // A database that cannot be reached answers 503; this refused insert is a 500. Either way nothing changed.
      expect(refused.status).toBeGreaterThanOrEqual(500);
      const detail = await ok<{ members: Array<{ userId: string }> }>(
        http(app.url, 'GET', `/api/campaigns/${campaign.id}`, { token: token(owner) }),
      );
      expect(detail.members.map((m) => m.userId)).toContain(removed);
      await sleep(800);
      expect(ownerSaw).toEqual([]);
      expect(memberSaw).toEqual([]);

      await withDb(app.databaseUrl, (db) => db.query('ALTER TABLE events DROP CONSTRAINT refuse_revocation'));
      await ok(http(app.url, 'DELETE', `/api/campaigns/${campaign.id}/members/${removed}`, { token: token(owner) }));
      await eventually(() => memberSaw.length === 1 && ownerSaw.length === 1, 5000);
      expect(ownerSaw).toEqual(['entity_updated:members']);
    } finally {
      ownerSocket.close();
      memberSocket.close();
    }
  });
});

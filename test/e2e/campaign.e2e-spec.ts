import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { NAMESPACES } from '../../src/core/realtime';
import { CampaignMembershipService } from '../../src/modules/campaign/campaign-membership.service';
import { CampaignPublisher } from '../../src/modules/campaign/campaign.publisher';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, connectError, emitAck, eventually, http, sleep, waitFor } from '../support/clients';
import {
  type Ack,
  addMember,
  connectAs,
  createCampaign,
  createSettlement,
  createStructure,
  ok,
  subscribe,
} from '../support/campaign';
import { token } from '../support/tokens';

type Wire = { type: string; campaignId: string; offset: string; metadata: Record<string, unknown>; [k: string]: unknown };
const EVENTS = ['entity_updated', 'state_invalidated', 'world_time_changed', 'settlement_updated', 'structure_updated'];
/** Long enough for a wrongly routed event to have arrived on loopback. */
const QUIET_MS = 300;

/** Every campaign event a socket receives, in arrival order. */
function record(socket: Socket): Wire[] {
  const seen: Wire[] = [];
  for (const name of EVENTS) socket.on(name, (payload: Wire) => seen.push({ ...payload, received: name }));
  return seen;
}

describe('/ws/campaign', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  const open = async (userId: string) => {
    const s = await connectAs(app.url, userId);
    sockets.push(s);
    return s;
  };
  const patch = (path: string, by: string, body: unknown) => ok(http(app.url, 'PATCH', path, { token: token(by), body }));
  const post = (path: string, by: string, body: unknown = {}) => http(app.url, 'POST', path, { token: token(by), body });

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    sockets.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses connections without a valid token', async () => {
    const missing = await connectError(app.url, NAMESPACES.campaign);
    expect(missing.data?.code).toBe('socket_error:unauthorized');
    const forged = await connectError(app.url, NAMESPACES.campaign, {
      token: token('alice', { secret: 'not-the-secret-at-all-0123456789' }),
    });
    expect(forged.data?.code).toBe('socket_error:unauthorized');
    const expired = await connectError(app.url, NAMESPACES.campaign, { token: token('alice', { ttl: -10 }) });
    expect(expired.data?.code).toBe('socket_error:token_expired');
  });

  it('accepts the token from the query string too', async () => {
    const s = await connect(app.url, NAMESPACES.campaign, { token: token('query-user'), tokenIn: 'query' });
    sockets.push(s);
    expect(s.connected).toBe(true);
  });

  it('broadcasts updates to every subscriber and keeps two clients in sync', async () => {
    const campaign = await createCampaign(app.url, 'gm-ann');
    await addMember(app.url, campaign.id, 'gm-ann', 'player-bo', 'player');
    const [a, b] = [await open('gm-ann'), await open('player-bo')];
    expect(await subscribe(a, { campaignId: campaign.id })).toEqual({ success: true });
    expect(await subscribe(b, { campaignId: campaign.id })).toEqual({ success: true });
    const [logA, logB] = [collect<Wire>(a, 'settlement_updated'), collect<Wire>(b, 'settlement_updated')];

    const settlement = await createSettlement(app.url, campaign.id, 'player-bo', 'Saltmarsh');
    await ok(
      http(app.url, 'PATCH', `/api/settlements/${settlement.id}`, {
        token: token('gm-ann'),
        body: { name: 'Saltmarsh Harbour' },
        headers: { 'X-Correlation-Id': 'req-42' },
      }),
    );
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
    expect(logA[0].metadata.correlationId).toMatch(/^[0-9a-f-]{36}$/); // generated when no header
    expect(new Date(logA[0].timestamp as string).toISOString()).toBe(logA[0].timestamp);
  });

  it('routes each event type to exactly the contract rooms, once per socket', async () => {
    const campaign = await createCampaign(app.url, 'owner-r');
    const settlement = await createSettlement(app.url, campaign.id, 'owner-r');
    const structure = await createStructure(app.url, settlement.id, 'owner-r');
    const other = await createSettlement(app.url, campaign.id, 'owner-r', 'Elsewhere');

    const all = await open('owner-r'); // campaign + settlement + structure
    const inCampaign = await open('owner-r');
    const inSettlement = await open('owner-r');
    const inStructure = await open('owner-r');
    for (const scope of [{ campaignId: campaign.id }, { settlementId: settlement.id }, { structureId: structure.id }]) {
      expect(await subscribe(all, scope)).toEqual({ success: true });
    }
    expect(await subscribe(inCampaign, { campaignId: campaign.id })).toEqual({ success: true });
    expect(await subscribe(inSettlement, { settlementId: settlement.id })).toEqual({ success: true });
    expect(await subscribe(inStructure, { structureId: structure.id })).toEqual({ success: true });
    const logs = {
      all: record(all),
      inCampaign: record(inCampaign),
      inSettlement: record(inSettlement),
      inStructure: record(inStructure),
    };

    await patch(`/api/structures/${structure.id}`, 'owner-r', { name: 'Old Lighthouse' }); // structure_updated
    await patch(`/api/settlements/${settlement.id}`, 'owner-r', { data: { population: 1200 } }); // settlement_updated
    await patch(`/api/settlements/${other.id}`, 'owner-r', { name: 'Far' }); // settlement_updated, other settlement
    await ok(post(`/api/campaigns/${campaign.id}/invalidate`, 'owner-r', { keys: ['economy'] })); // state_invalidated
    await ok(post(`/api/campaigns/${campaign.id}/world-time`, 'owner-r', { advanceBy: 3600 })); // world_time_changed
    const publisher = app.get(CampaignPublisher);
    const metadata = { source: 'service' };
    await publisher.entityUpdated({ campaignId: campaign.id, entityType: 'settlement', entityId: settlement.id, metadata });
    await publisher.entityUpdated({ campaignId: campaign.id, entityType: 'structure', entityId: structure.id, metadata });

    await eventually(() => logs.inCampaign.length === 7);
    await sleep(QUIET_MS);
    const names = (log: Wire[]) => log.map((e) => `${e.received as string}${e.entityType ? `:${e.entityType as string}` : ''}`);
    expect(names(logs.inCampaign)).toEqual([
      'structure_updated',
      'settlement_updated',
      'settlement_updated',
      'state_invalidated',
      'world_time_changed',
      'entity_updated:settlement',
      'entity_updated:structure',
    ]);
    // in three target rooms, still each event once
    expect(logs.all.map((e) => e.offset)).toEqual(logs.inCampaign.map((e) => e.offset));
    expect(names(logs.inSettlement)).toEqual(['structure_updated', 'settlement_updated', 'entity_updated:settlement']);
    expect(names(logs.inStructure)).toEqual(['structure_updated', 'entity_updated:structure']);
    expect(logs.inStructure[0]).toMatchObject({ structureId: structure.id, settlementId: settlement.id, operation: 'update' });
    const clock = logs.inCampaign[4];
    expect(Date.parse(clock.currentTime as string) - Date.parse(clock.previousTime as string)).toBe(3_600_000);
  });

  it('lets only members subscribe, through the parent campaign for settlements and structures (Z1, Z2)', async () => {
    const campaign = await createCampaign(app.url, 'owner-z');
    const settlement = await createSettlement(app.url, campaign.id, 'owner-z');
    const structure = await createStructure(app.url, settlement.id, 'owner-z');
    await addMember(app.url, campaign.id, 'owner-z', 'viewer-z', 'viewer');
    const [stranger, viewer] = [await open('stranger-z'), await open('viewer-z')];
    const strangerLog = record(stranger);

    const unauthorized = { success: false, error: 'Unauthorized', code: 'socket_error:forbidden' };
    expect(await subscribe(stranger, { campaignId: campaign.id })).toEqual(unauthorized);
    expect(await subscribe(stranger, { settlementId: settlement.id })).toEqual(unauthorized);
    expect(await subscribe(stranger, { structureId: structure.id })).toEqual(unauthorized);
    // unknown ids get the very same answer as forbidden ones
    const unknown = '0b7c3f5e-2b1a-4c53-9a0e-6f1d2c3b4a59';
    for (const scope of [{ campaignId: unknown }, { settlementId: unknown }, { structureId: unknown }]) {
      expect(await subscribe(stranger, scope)).toEqual(unauthorized);
    }
    // a viewer reads
    expect(await subscribe(viewer, { structureId: structure.id })).toEqual({ success: true });
    const viewerGot = waitFor<Wire>(viewer, 'structure_updated');

    await patch(`/api/structures/${structure.id}`, 'owner-z', { type: 'ruin' });
    expect(await viewerGot).toMatchObject({ structureId: structure.id });
    await sleep(QUIET_MS);
    expect(strangerLog).toEqual([]);

    // the history API applies the same rule
    const history = (user: string) =>
      http(app.url, 'GET', `/api/history?channel=structure:${structure.id}`, { token: token(user) });
    expect((await history('stranger-z')).status).toBe(403);
    const readable = await history('viewer-z');
    expect(readable.status).toBe(200);
    expect((readable.body as { events: unknown[] }).events).toHaveLength(2); // create + update
  });

  it('refuses malformed ids and payloads before any query, and survives garbage', async () => {
    const socket = await open('fuzzer');
    const lookups = jest.spyOn(app.get(CampaignMembershipService), 'campaignOfRoom');
    const bad: Array<[string, unknown]> = [
      ['subscribe_campaign', { campaignId: 'campaign:*' }],
      ['subscribe_campaign', { campaignId: '../../etc' }],
      ['subscribe_settlement', { settlementId: 'x'.repeat(5000) }],
      ['subscribe_structure', { structureId: 42 }],
      ['subscribe_campaign', { campaignId: '0b7c3f5e-2b1a-4c53-9a0e-6f1d2c3b4a59', since: 'yesterday' }],
      ['subscribe_campaign', undefined],
      ['subscribe_campaign', 'not an object'],
      ['subscribe_campaign', JSON.parse('{"__proto__": {"admin": true}, "campaignId": "0b7c3f5e-2b1a-4c53-9a0e-6f1d2c3b4a59"}')],
      ['unsubscribe_structure', { structureId: null }],
    ];
    for (const [event, payload] of bad) {
      const ack = await emitAck<Ack>(socket, event, payload);
      expect(ack).toMatchObject({ success: false, code: 'socket_error:bad_request' });
    }
    expect(lookups).not.toHaveBeenCalled();
    expect(socket.connected).toBe(true);
  });

  it('answers any payload with a failed ack and never subscribes a stranger (L2 fuzz)', async () => {
    const campaign = await createCampaign(app.url, 'owner-f');
    const socket = await open('stranger-f');
    const events = ['subscribe_campaign', 'subscribe_settlement', 'subscribe_structure'];
    const keys = ['campaignId', 'settlementId', 'structureId'];
    const idLike = fc.oneof(fc.uuid(), fc.constant(campaign.id), fc.string({ maxLength: 200 }), fc.anything());
    const payload = fc.oneof(
      fc.anything(),
      fc
        .record({ key: fc.constantFrom(...keys), id: idLike, since: fc.option(fc.anything(), { nil: undefined }) })
        .map(({ key, id, since }) => ({ [key]: id, since })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...events), payload, async (event, body) => {
        const ack = await emitAck<Ack>(socket, event, body);
        expect(ack.success).toBe(false);
        expect(['socket_error:bad_request', 'socket_error:forbidden', 'socket_error:payload_too_large']).toContain(ack.code);
      }),
      { numRuns: 60 },
    );
    expect(socket.connected).toBe(true);
    expect(await subscribe(socket, { campaignId: campaign.id })).toMatchObject({ success: false, error: 'Unauthorized' });
  });

  it('stops delivering after unsubscribe', async () => {
    const campaign = await createCampaign(app.url, 'owner-u');
    const socket = await open('owner-u');
    expect(await subscribe(socket, { campaignId: campaign.id })).toEqual({ success: true });
    const first = waitFor(socket, 'state_invalidated');
    await ok(post(`/api/campaigns/${campaign.id}/invalidate`, 'owner-u'));
    await first;
    expect(await emitAck(socket, 'unsubscribe_campaign', { campaignId: campaign.id })).toEqual({ success: true });
    const log = record(socket);
    await ok(post(`/api/campaigns/${campaign.id}/invalidate`, 'owner-u'));
    await sleep(QUIET_MS);
    expect(log).toEqual([]);
  });

  it('replays exactly the missed events on reconnect with since, then live ones', async () => {
    const campaign = await createCampaign(app.url, 'owner-s');
    const settlement = await createSettlement(app.url, campaign.id, 'owner-s');
    const first = await open('owner-s');
    expect(await subscribe(first, { campaignId: campaign.id })).toEqual({ success: true });
    const seen = record(first);
    await ok(post(`/api/campaigns/${campaign.id}/invalidate`, 'owner-s', { keys: ['a'] }));
    await eventually(() => seen.length === 1);
    first.close();

    const missed: string[] = [];
    const structure = await createStructure(app.url, settlement.id, 'owner-s'); // structure_updated
    await patch(`/api/settlements/${settlement.id}`, 'owner-s', { name: 'Renamed' }); // settlement_updated
    await ok(post(`/api/campaigns/${campaign.id}/world-time`, 'owner-s', { set: '1492-10-12T06:00:00.000Z' })); // world_time_changed
    const other = await createCampaign(app.url, 'owner-s'); // events of another campaign are not replayed
    await ok(post(`/api/campaigns/${other.id}/invalidate`, 'owner-s'));
    const history = await ok<{ events: Array<{ offset: string }> }>(
      http(app.url, 'GET', `/api/history?channel=campaign:${campaign.id}&since=${seen[0].offset}`, { token: token('owner-s') }),
    );
    missed.push(...history.events.map((e) => e.offset));
    expect(missed).toHaveLength(3);

    const again = await open('owner-s');
    const replayed = record(again);
    expect(await subscribe(again, { campaignId: campaign.id }, seen[0].offset)).toEqual({ success: true });
    await patch(`/api/structures/${structure.id}`, 'owner-s', { name: 'Live' }); // live, after the replay
    await eventually(() => replayed.length === 4);
    await sleep(QUIET_MS);
    expect(replayed.map((e) => e.offset)).toEqual([...missed, replayed[3].offset]);
    expect(replayed.map((e) => e.received)).toEqual([
      'structure_updated',
      'settlement_updated',
      'world_time_changed',
      'structure_updated',
    ]);
    expect(replayed[2]).toMatchObject({ currentTime: '1492-10-12T06:00:00.000Z' });
  });

  it('revokes subscribers of a deleted settlement and its structures', async () => {
    const campaign = await createCampaign(app.url, 'owner-d');
    const settlement = await createSettlement(app.url, campaign.id, 'owner-d');
    const structure = await createStructure(app.url, settlement.id, 'owner-d');
    const [watcher, campaignWatcher] = [await open('owner-d'), await open('owner-d')];
    expect(await subscribe(watcher, { structureId: structure.id })).toEqual({ success: true });
    expect(await subscribe(campaignWatcher, { campaignId: campaign.id })).toEqual({ success: true });
    const revoked = waitFor(watcher, 'subscription_revoked');
    const deleted = waitFor<Wire>(campaignWatcher, 'settlement_updated');

    await ok(http(app.url, 'DELETE', `/api/settlements/${settlement.id}`, { token: token('owner-d') }));
    expect(await revoked).toEqual({ campaignId: campaign.id, settlementId: settlement.id, reason: 'deleted' });
    expect(await deleted).toMatchObject({ operation: 'delete', settlementId: settlement.id });
    expect((await deleted).settlement).toBeUndefined();

    // Out of the room: even an event for the old id does not reach it.
    const log = record(watcher);
    await app
      .get(CampaignPublisher)
      .entityUpdated({ campaignId: campaign.id, entityType: 'structure', entityId: structure.id, metadata: {} });
    await sleep(QUIET_MS);
    expect(log).toEqual([]);
    expect(await subscribe(watcher, { structureId: structure.id })).toMatchObject({ success: false, error: 'Unauthorized' });
  });
});

describe('campaign REST policy', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });
  const call = (method: string, path: string, by: string, body?: unknown, headers?: Record<string, string>) =>
    http<{ error?: string; message?: string }>(app.url, method, path, { token: token(by), body, headers });

  it('lets owners and GMs manage members and world time, players edit content, viewers only read', async () => {
    const { id } = await createCampaign(app.url, 'own');
    await addMember(app.url, id, 'own', 'gm', 'gm');
    await addMember(app.url, id, 'gm', 'pl', 'player');
    await addMember(app.url, id, 'gm', 'vw', 'viewer');

    // viewers read, nothing else
    expect((await call('GET', `/api/campaigns/${id}`, 'vw')).body).toMatchObject({ id, yourRole: 'viewer' });
    expect((await call('POST', `/api/campaigns/${id}/settlements`, 'vw', { name: 'No' })).status).toBe(403);
    expect((await call('POST', `/api/campaigns/${id}/invalidate`, 'vw')).status).toBe(403);
    // players create and edit content and invalidate, but do not delete it or touch members/time
    const settlement = await ok<{ id: string }>(call('POST', `/api/campaigns/${id}/settlements`, 'pl', { name: 'Hamlet' }));
    expect((await call('PATCH', `/api/settlements/${settlement.id}`, 'pl', { name: 'Village' })).status).toBe(200);
    expect((await call('POST', `/api/campaigns/${id}/invalidate`, 'pl', { keys: ['x'] })).status).toBe(200);
    expect((await call('DELETE', `/api/settlements/${settlement.id}`, 'pl')).status).toBe(403);
    expect((await call('POST', `/api/campaigns/${id}/world-time`, 'pl', { advanceBy: 60 })).status).toBe(403);
    expect((await call('POST', `/api/campaigns/${id}/members`, 'pl', { userId: 'friend', role: 'viewer' })).status).toBe(403);
    // GMs manage members but not owners
    expect((await call('POST', `/api/campaigns/${id}/members`, 'gm', { userId: 'pl', role: 'owner' })).status).toBe(403);
    expect((await call('DELETE', `/api/campaigns/${id}/members/own`, 'gm')).status).toBe(403);
    expect((await call('POST', `/api/campaigns/${id}/world-time`, 'gm', { running: true, rate: 0 })).status).toBe(200);
    // the last owner stays; anyone may leave
    expect((await call('DELETE', `/api/campaigns/${id}/members/own`, 'own')).status).toBe(409);
    expect((await call('DELETE', `/api/campaigns/${id}/members/vw`, 'vw')).status).toBe(200);
    expect((await call('GET', `/api/campaigns/${id}`, 'vw')).status).toBe(404);
    // a service acts like a GM anywhere
    expect(
      (await http(app.url, 'POST', `/api/campaigns/${id}/invalidate`, { token: token('svc', { roles: ['service'] }) })).status,
    ).toBe(200);

    const detail = await ok<{ members: Array<{ userId: string; role: string }>; settlements: unknown[] }>(
      call('GET', `/api/campaigns/${id}`, 'own'),
    );
    expect(detail.members.map((m) => `${m.userId}:${m.role}`)).toEqual(['own:owner', 'gm:gm', 'pl:player']);
    expect(detail.settlements).toHaveLength(1);
  });

  it('answers bad input with 400/404/413 and clear messages', async () => {
    const { id } = await createCampaign(app.url, 'own2');
    const unknown = '0b7c3f5e-2b1a-4c53-9a0e-6f1d2c3b4a59';
    expect((await call('GET', `/api/campaigns/${unknown}`, 'own2')).status).toBe(404);
    expect((await call('GET', `/api/campaigns/${id}`, 'outsider')).status).toBe(404); // not a member: alike
    expect((await call('GET', `/api/campaigns/not-a-uuid`, 'own2')).status).toBe(400);
    expect((await call('PATCH', `/api/settlements/${unknown}`, 'own2', { name: 'x' })).status).toBe(404);
    expect((await call('POST', '/api/campaigns', 'own2', {})).body.message).toMatch(/^name:/);
    expect((await call('POST', '/api/campaigns', 'own2', { name: 'x', clockRate: -1 })).status).toBe(400);
    expect((await call('POST', `/api/campaigns/${id}/members`, 'own2', { userId: 'u', role: 'emperor' })).status).toBe(400);
    expect((await call('POST', `/api/campaigns/${id}/world-time`, 'own2', {})).status).toBe(400);
    expect(
      (await call('POST', `/api/campaigns/${id}/world-time`, 'own2', { advanceBy: 1, set: '2020-01-01T00:00:00Z' })).status,
    ).toBe(400);
    expect((await call('POST', `/api/campaigns/${id}/world-time`, 'own2', { set: 'noon' })).status).toBe(400);
    expect((await call('POST', `/api/campaigns/${id}/world-time`, 'own2', { set: '9999-12-31T23:00:00Z' })).status).toBe(200);
    const overflow = await call('POST', `/api/campaigns/${id}/world-time`, 'own2', { advanceBy: 86_400 });
    expect(overflow).toMatchObject({ status: 400, body: { message: 'world time must stay within the years 1 to 9999' } });
    expect(
      (await call('POST', `/api/campaigns/${id}/settlements`, 'own2', { name: 'Big', data: { blob: 'x'.repeat(20_000) } }))
        .status,
    ).toBe(413);
    expect((await call('POST', `/api/campaigns/${id}/invalidate`, 'own2', {}, { 'X-Correlation-Id': 'has spaces' })).status).toBe(
      400,
    );
    expect((await http(app.url, 'POST', '/api/campaigns', { body: { name: 'anon' } })).status).toBe(401);
    // nothing half-written: the campaign has no settlement after the refused one
    expect((await ok<{ settlements: unknown[] }>(call('GET', `/api/campaigns/${id}`, 'own2'))).settlements).toEqual([]);
  });
});

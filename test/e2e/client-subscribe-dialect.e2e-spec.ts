/**
 * The one subscribe dialect on raw sockets: `subscribe {channels, since?}` and
 * `unsubscribe {channels}` on every namespace, one ack shape, the access rules of the
 * module-specific aliases (which keep working with their own acks).
 */
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { addMember, createCampaign, createSettlement, ok } from '../support/campaign';
import { collect, connect, emitAck, eventually, http, sleep } from '../support/clients';
import { esiKillmail } from '../support/killmail';
import { appSocket } from '../support/notifications-app-socket';
import { serviceToken, token } from '../support/tokens';

interface Ack {
  success: boolean;
  channels?: string[];
  replayed?: number;
  error?: string;
  code?: string;
  message?: string;
}

describe('one subscribe dialect on every namespace', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  const track = <S extends Socket>(s: S) => (sockets.push(s), s);

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('/ws/app: conversation channels for members only, with replay after since; the join alias is unchanged', async () => {
    const conv = await ok<{ id: string }>(
      http(app.url, 'POST', '/api/conversations', { token: token('d-ann'), body: { participantIds: ['d-ben'] } }),
    );
    const channel = `conversation:${conv.id}`;
    const post = (body: string) =>
      ok<{ offset?: string }>(
        http(app.url, 'POST', `/api/conversations/${conv.id}/messages`, { token: token('d-ann'), body: { body } }),
      );
    await post('one');
    await post('two');
    await post('three');
    const history = await ok<{ events: Array<{ offset: string }> }>(
      http(app.url, 'GET', `/api/history?channel=${channel}&since=0`, { token: token('d-ben') }),
    );
    expect(history.events).toHaveLength(3);

    const ben = track(await appSocket(app.url, 'd-ben'));
    const seen = collect<{ message: { body: string }; offset: string }>(ben, 'messages:new');
    const ack = await emitAck<Ack>(ben, 'subscribe', { channels: [channel], since: history.events[0].offset });
    expect(ack).toMatchObject({ success: true, channels: [channel], replayed: 2 });
    await eventually(() => seen.length === 2);
    expect(seen.map((e) => e.message.body)).toEqual(['two', 'three']);

    const outsider = track(await appSocket(app.url, 'd-eve'));
    expect(await emitAck<Ack>(outsider, 'subscribe', { channels: [channel] })).toEqual({
      success: false,
      error: 'Unauthorized',
      code: 'socket_error:forbidden',
    });
    // An unknown channel gets the same answer as a forbidden one.
    expect(await emitAck<Ack>(outsider, 'subscribe', { channels: ['conversation:nope'] })).toEqual({
      success: false,
      error: 'Unauthorized',
      code: 'socket_error:forbidden',
    });
    expect(await emitAck<Ack>(outsider, 'subscribe', { channels: ['not a channel'] })).toMatchObject({
      success: false,
      code: 'socket_error:bad_request',
    });
    expect(await emitAck<Ack>(outsider, 'subscribe', { channels: [] })).toMatchObject({
      success: false,
      code: 'socket_error:bad_request',
    });

    expect(await emitAck<Ack>(ben, 'unsubscribe', { channels: [channel] })).toEqual({ success: true, channels: [channel] });
    expect(await emitAck<Ack>(ben, 'conversations:join', { conversationId: conv.id })).toMatchObject({
      success: true,
      message: `joined conversation ${conv.id}`,
    });
    expect(await emitAck<Ack>(outsider, 'conversations:join', { conversationId: conv.id })).toMatchObject({
      success: false,
      code: 'socket_error:forbidden',
    });
  });

  it('/ws/campaign: campaign, settlement and structure channels for members, the subscribe_* aliases unchanged', async () => {
    const campaign = await createCampaign(app.url, 'd-owner');
    await addMember(app.url, campaign.id, 'd-owner', 'd-player', 'player');
    const settlement = await createSettlement(app.url, campaign.id, 'd-owner');

    const player = track(await connect(app.url, '/ws/campaign', { token: token('d-player') }));
    const updates = collect<{ type: string; settlementId: string; offset: string }>(player, 'settlement_updated');
    const channels = [`campaign:${campaign.id}`, `settlement:${settlement.id}`];
    expect(await emitAck<Ack>(player, 'subscribe', { channels })).toEqual({ success: true, channels });
    await ok(http(app.url, 'PATCH', `/api/settlements/${settlement.id}`, { token: token('d-owner'), body: { name: 'Renamed' } }));
    await eventually(() => updates.length === 1);
    // Routed to both rooms, received once.
    await sleep(100);
    expect(updates).toHaveLength(1);

    const outsider = track(await connect(app.url, '/ws/campaign', { token: token('d-stranger') }));
    for (const channel of [
      `campaign:${campaign.id}`,
      `settlement:${settlement.id}`,
      `structure:${settlement.id}`,
      'campaign:999999',
    ]) {
      expect(await emitAck<Ack>(outsider, 'subscribe', { channels: [channel] })).toEqual({
        success: false,
        error: 'Unauthorized',
        code: 'socket_error:forbidden',
      });
    }
    // The replay after `since` works on the generic request as on the alias.
    const late = track(await connect(app.url, '/ws/campaign', { token: token('d-player') }));
    const replayed = collect<{ offset: string }>(late, 'settlement_updated');
    expect(await emitAck<Ack>(late, 'subscribe', { channels: [`settlement:${settlement.id}`], since: '0' })).toMatchObject({
      success: true,
      replayed: 2,
    });
    await eventually(() => replayed.length === 2);

    expect(await emitAck<Ack>(player, 'unsubscribe', { channels })).toEqual({ success: true, channels });
    expect(await emitAck<Ack>(player, 'subscribe_campaign', { campaignId: campaign.id })).toEqual({ success: true });
    expect(await emitAck<Ack>(outsider, 'subscribe_campaign', { campaignId: campaign.id })).toMatchObject({
      success: false,
      error: 'Unauthorized',
    });
  });

  it('/ws/intelligence and /ws/killmail answer the same request with the same ack shape', async () => {
    const intel = track(await connect(app.url, '/ws/intelligence', { token: token('d-reader') }));
    const intelAck = await emitAck<Ack>(intel, 'subscribe', { channels: ['country:c1'], since: '0' });
    expect(intelAck).toMatchObject({ success: true, replayed: 0 });
    expect(intelAck.channels).toContain('country:c1');
    expect(await emitAck<Ack>(intel, 'unsubscribe', { channels: ['country:c1'] })).toMatchObject({ success: true });

    const km = track(await connect(app.url, '/ws/killmail', { token: token('d-reader') }));
    const kills = collect<{ data: { killmailId: number } }>(km, 'killmail');
    expect(await emitAck<Ack>(km, 'subscribe', { channels: ['killstream'], since: '0' })).toMatchObject({
      success: true,
      channels: ['killstream'],
      replayed: 0,
    });
    const kill = esiKillmail();
    await ok(http(app.url, 'POST', '/api/killmails', { token: serviceToken(), body: kill }));
    await eventually(() => kills.length === 1);
    expect(kills[0].data.killmailId).toBe(kill.killmail_id);
    expect(await emitAck<Ack>(km, 'unsubscribe', { channels: ['killstream'] })).toEqual({
      success: true,
      channels: ['killstream'],
    });
  });
});

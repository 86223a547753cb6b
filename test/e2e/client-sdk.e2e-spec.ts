/**
 * @herald/client in Node against a real server: token refresh on an open connection,
 * resync past retention, deduplication by offset, and every namespace through the one
 * `subscribe`, each namespace on one connection.
 */
import {
  createHeraldClient,
  MemoryOffsetStore,
  type ClientError,
  type ConnectionState,
  type HeraldClient,
  type ResyncEvent,
} from '../../client/src';
import { EventLogService, RealtimeServer } from '../../src/core/realtime';
import { startTestApp, type TestApp } from '../support/app';
import { addMember, createCampaign, createSettlement, ok } from '../support/campaign';
import { eventually, http, sleep } from '../support/clients';
import { publishItem, putCountry } from '../support/herald-client';
import { esiKillmail } from '../support/killmail';
import { serviceToken, token } from '../support/tokens';

describe('@herald/client against a real server', () => {
  let app: TestApp;
  const clients: HeraldClient[] = [];
  const open = (user: string, options: { ttl?: number; offsets?: MemoryOffsetStore } = {}) => {
    let calls = 0;
    const herald = createHeraldClient({
      url: app.url,
      getToken: async () => {
        calls++;
        return token(user, { ttl: options.ttl });
      },
      offsets: options.offsets,
    });
    clients.push(herald);
    return { herald, tokenCalls: () => calls };
  };

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('keeps one connection open over 12 s with 4-second tokens, refreshing them on it', async () => {
    await putCountry(app.url, 't1');
    const { herald, tokenCalls } = open('refresher', { ttl: 4 });
    const states: ConnectionState[] = [];
    const errors: ClientError[] = [];
    herald.on('state', (s) => states.push(s));
    herald.on('error', (e) => errors.push(e));
    const titles: string[] = [];
    herald.subscribe('/ws/intelligence', 'country:t1', (event, payload) => {
      if (event === 'intelligence:update') titles.push(String(payload.data.title));
    });
    await eventually(() => herald.state === 'connected');
    await sleep(200);
    const nsp = app.get(RealtimeServer).namespace('/ws/intelligence')!;
    const socketIds = [...nsp.sockets.keys()];
    expect(socketIds).toHaveLength(1);

    const published: string[] = [];
    for (let i = 0; i < 12; i++) {
      await sleep(1000);
      published.push(`tick-${i}`);
      await publishItem(app.url, 't1', `tick-${i}`);
    }
    await eventually(() => titles.length === published.length);
    expect(titles).toEqual(published);
    // Three token lifetimes passed: the token was fetched again on the open connection, never dropped.
    expect(tokenCalls()).toBeGreaterThanOrEqual(4);
    expect(states).toEqual(['connecting', 'connected']);
    expect(errors).toEqual([]);
    expect([...nsp.sockets.keys()]).toEqual(socketIds);
  });

  it('drops a late live copy of an event it already has from the replay (same offset)', async () => {
    await putCountry(app.url, 'd1');
    await publishItem(app.url, 'd1', 'one');
    await publishItem(app.url, 'd1', 'two');
    const page = await ok<{ events: Array<{ event: string; payload: Record<string, unknown> & { offset: string } }> }>(
      http(app.url, 'GET', '/api/history?channel=country:d1&since=0', { token: token('reader') }),
    );
    expect(page.events).toHaveLength(2);

    const { herald } = open('deduper');
    const seen: Array<[string, string]> = [];
    const sub = herald.subscribe(
      '/ws/intelligence',
      'country:d1',
      (event, payload) => seen.push([String(payload.data.title), payload.offset]),
      { since: '0' },
    );
    await eventually(() => seen.length === 2);

    // The same event again, as a live broadcast would deliver it after the replay had.
    const copy = page.events[1];
    app.get(RealtimeServer).namespace('/ws/intelligence')!.to('country:d1').emit(copy.event, copy.payload);
    const third = await publishItem(app.url, 'd1', 'three');
    await eventually(() => seen.length >= 3);
    await sleep(300);
    expect(seen).toEqual([
      ['one', page.events[0].payload.offset],
      ['two', page.events[1].payload.offset],
      ['three', third],
    ]);
    expect(sub.lastOffset).toBe(third);
  });

  it('follows every namespace through the one subscribe, one connection per namespace', async () => {
    await putCountry(app.url, 'n1');
    const conversation = await ok<{ id: string }>(
      http(app.url, 'POST', '/api/conversations', { token: token('n-ann'), body: { participantIds: ['n-ben'] } }),
    );
    const campaign = await createCampaign(app.url, 'n-gm');
    await addMember(app.url, campaign.id, 'n-gm', 'n-ann', 'player');
    const settlement = await createSettlement(app.url, campaign.id, 'n-gm');

    const { herald } = open('n-ann');
    const got: string[] = [];
    const errors: ClientError[] = [];
    herald.on('error', (e) => errors.push(e));
    herald.subscribe('/ws/intelligence', 'country:n1', (event, p) =>
      // An item's headline also sits at the top of the event, as older dashboards read it.
      got.push(`intelligence ${event} ${String(p.data.title)} ${p.title} ${p.description} ${p.severity}`),
    );
    herald.subscribe('/ws/app', `conversation:${conversation.id}`, (event, p) => {
      if (event === 'messages:new') got.push(`conversation ${p.message.body}`);
    });
    herald.subscribe('/ws/app', 'user:n-ann', (event, p) => {
      if (event === 'notifications:new') got.push(`user ${p.notification.title}`);
    });
    herald.subscribe('/ws/campaign', `settlement:${settlement.id}`, (event, p) => {
      if (event === 'settlement_updated') got.push(`settlement ${p.operation} ${p.settlement?.name}`);
    });
    herald.subscribe('/ws/killmail', 'killstream', (event, p) => got.push(`killmail ${p.data.killmailId}`));
    await eventually(() => herald.state === 'connected');
    await sleep(300);

    await publishItem(app.url, 'n1', 'hello');
    await ok(
      http(app.url, 'POST', `/api/conversations/${conversation.id}/messages`, {
        token: token('n-ben'),
        body: { body: 'hi ann' },
      }),
    );
    await ok(
      http(app.url, 'POST', '/api/notifications', {
        token: serviceToken(),
        body: { userIds: ['n-ann'], eventKey: 'economy.gdp_changed', category: 'economic', title: 'GDP moved', body: 'up' },
      }),
    );
    await ok(http(app.url, 'PATCH', `/api/settlements/${settlement.id}`, { token: token('n-gm'), body: { name: 'Port' } }));
    const kill = esiKillmail();
    await ok(http(app.url, 'POST', '/api/killmails', { token: serviceToken(), body: kill }));

    const expected = [
      'intelligence intelligence:update hello hello about hello low',
      'conversation hi ann',
      'user GDP moved',
      'settlement update Port',
      `killmail ${kill.killmail_id}`,
    ];
    await eventually(() => expected.every((e) => got.includes(e)));
    await sleep(200);
    expect([...got].sort()).toEqual([...expected].sort());
    expect(errors).toEqual([]);
    for (const ns of ['/ws/intelligence', '/ws/app', '/ws/campaign', '/ws/killmail']) {
      const sockets = [...app.get(RealtimeServer).namespace(ns)!.sockets.values()].filter(
        (s) => (s.data as { user?: { userId: string } }).user?.userId === 'n-ann',
      );
      expect({ ns, connections: sockets.length }).toEqual({ ns, connections: 1 });
    }
  });

  it('resumes a user channel on reconnect from the offset store', async () => {
    const offsets = new MemoryOffsetStore();
    const notify = (title: string) =>
      ok(
        http(app.url, 'POST', '/api/notifications', {
          token: serviceToken(),
          body: { userIds: ['u-resume'], eventKey: `k.${title}`, category: 'economic', title, body: title },
        }),
      );
    const first = open('u-resume', { offsets });
    const titles: string[] = [];
    first.herald.subscribe('/ws/app', 'user:u-resume', (event, p) => {
      if (event === 'notifications:new') titles.push(p.notification.title);
    });
    await eventually(() => first.herald.state === 'connected');
    await sleep(200);
    await notify('seen');
    await eventually(() => titles.length === 1);
    await first.herald.close();

    await notify('missed-1');
    await notify('missed-2');
    const second = open('u-resume', { offsets });
    second.herald.subscribe('/ws/app', 'user:u-resume', (event, p) => {
      if (event === 'notifications:new') titles.push(p.notification.title);
    });
    await eventually(() => titles.length === 3);
    await sleep(200);
    expect(titles).toEqual(['seen', 'missed-1', 'missed-2']);
  });

  it('raises resync when the offset it resumes from is older than retention, then carries on live', async () => {
    await putCountry(app.url, 's1');
    const first = await publishItem(app.url, 's1', 'old-1');
    await publishItem(app.url, 's1', 'old-2');
    await app.get(EventLogService).prune(new Date(Date.now() + 1000 * 3_600_000));

    const { herald } = open('resyncer');
    const resyncs: ResyncEvent[] = [];
    herald.on('resync', (r) => resyncs.push(r));
    const titles: string[] = [];
    const sub = herald.subscribe(
      '/ws/intelligence',
      'country:s1',
      (event, payload) => {
        if (event === 'intelligence:update') titles.push(String(payload.data.title));
      },
      { since: first },
    );
    await eventually(() => resyncs.length === 1);
    expect(resyncs).toEqual([{ namespace: '/ws/intelligence', channel: 'country:s1', reason: 'history_expired' }]);
    expect(titles).toEqual([]);

    const live = await publishItem(app.url, 's1', 'new');
    await eventually(() => titles.length === 1);
    expect(titles).toEqual(['new']);
    expect(sub.lastOffset).toBe(live);
  });
});

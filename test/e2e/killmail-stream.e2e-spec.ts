/** `/ws/killmail`: filtered subscriptions receive exactly the killmails that match, each once (docs/modules/killmail.md). */
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, connectError, emitAck, eventually, http, sleep } from '../support/clients';
import { esiKillmail, type EsiKillmail } from '../support/killmail';
import { serviceToken, token } from '../support/tokens';

interface Received {
  type: string;
  data: { killmailId: number };
  zkb: { totalValue?: number } | null;
  offset: string;
}

interface Subscription {
  channels: string[];
  minValue?: number;
}

/** The contract's meaning of a channel, written independently of the implementation. */
function matches(km: EsiKillmail, { channels, minValue }: Subscription): boolean {
  const parties = [km.victim, ...km.attackers];
  const value = km.zkb?.totalValue ?? 0;
  if (minValue !== undefined && value < minValue) return false;
  return channels.some((c) => {
    if (c === 'killstream') return true;
    const [kind, raw] = c.split(':');
    const n = Number(raw);
    if (kind === 'system') return km.solar_system_id === n;
    if (kind === 'ship') return km.victim.ship_type_id === n;
    if (kind === 'character') return parties.some((p) => p.character_id === n);
    if (kind === 'corporation') return parties.some((p) => p.corporation_id === n);
    if (kind === 'alliance') return parties.some((p) => p.alliance_id === n);
    return false;
  });
}

describe('/ws/killmail filtered stream', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  const open = async (sub: string) => {
    const s = await connect(app.url, '/ws/killmail', { token: token(sub) });
    sockets.push(s);
    return s;
  };
  const post = (km: EsiKillmail) => http<{ killmail: { offset: string } }>(app.url, 'POST', '/api/killmails', { token: serviceToken(), body: km });

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  afterAll(() => app?.close());

  it('sends each subscriber exactly the killmails its channels and minValue select, once each', async () => {
    const subscriptions: Record<string, Subscription> = {
      everything: { channels: ['killstream'] },
      alliance: { channels: ['alliance:111'] },
      expensive: { channels: ['killstream'], minValue: 1_000_000_000 },
      overlapping: { channels: ['corporation:222', 'character:333', 'system:30000001', 'killstream'], minValue: 5_000_000 },
      shipExpensive: { channels: ['ship:670'], minValue: 100_000_000 },
      nothing: { channels: ['alliance:424242'] },
    };
    const received: Record<string, Received[]> = {};
    for (const [name, sub] of Object.entries(subscriptions)) {
      const s = await open(name);
      const ack = await emitAck<{ success: boolean; minValue: number }>(s, 'subscribe', sub);
      expect(ack).toMatchObject({ success: true, channels: sub.channels, minValue: sub.minValue ?? 0 });
      received[name] = collect<Received>(s, 'killmail');
    }

    const victim = (alliance: number, corp = 1000, character = 2000, ship = 587) => ({ character_id: character, corporation_id: corp, alliance_id: alliance, ship_type_id: ship });
    const attacker = (alliance: number, corp = 1001, character = 2001) => ({ character_id: character, corporation_id: corp, alliance_id: alliance, ship_type_id: 17740 });
    const killmails = [
      esiKillmail({ victim: victim(111), attackers: [attacker(5)], zkb: { totalValue: 10_000 } }),
      esiKillmail({ victim: victim(5), attackers: [attacker(111), attacker(111)], zkb: { totalValue: 2_000_000_000 } }),
      esiKillmail({ victim: victim(5, 222, 333), attackers: [attacker(6)], solar_system_id: 30000001, zkb: { totalValue: 6_000_000 } }),
      esiKillmail({ victim: victim(5, 222, 333), attackers: [attacker(6)], solar_system_id: 30000001, zkb: { totalValue: 4_000_000 } }),
      esiKillmail({ victim: victim(7, 9, 9, 670), attackers: [attacker(8, 222)], zkb: { totalValue: 150_000_000 } }),
      esiKillmail({ victim: victim(7, 9, 9, 670), attackers: [attacker(8)], zkb: { totalValue: 99_999_999 } }),
      esiKillmail({ victim: { ship_type_id: 670 }, attackers: [], zkb: undefined }), // no value at all: only unfiltered subscriptions
      esiKillmail({ victim: victim(9), attackers: [attacker(9, 9, 333)], zkb: { totalValue: 999_999_999 } }),
    ];
    for (const km of killmails) expect((await post(km)).status).toBe(201);

    await eventually(() => received.everything.length === killmails.length);
    await sleep(300); // and nothing more arrives
    for (const [name, sub] of Object.entries(subscriptions)) {
      const expected = killmails.filter((km) => matches(km, sub)).map((km) => km.killmail_id);
      expect([name, received[name].map((e) => e.data.killmailId)]).toEqual([name, expected]);
    }
    expect(received.nothing).toEqual([]);
    // offsets strictly increase in delivery order
    const offsets = received.everything.map((e) => BigInt(e.offset));
    expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1])).toBe(true);
  });

  it('replaces a channel filter on resubscribe and stops on unsubscribe', async () => {
    const s = await open('changer');
    const got = collect<Received>(s, 'killmail');
    await emitAck(s, 'subscribe', { channels: ['alliance:777'] });
    expect(await emitAck(s, 'subscribe', { channels: ['alliance:777'], minValue: 150_000_000 })).toMatchObject({ success: true, minValue: 100_000_000 });
    const cheap = esiKillmail({ victim: { alliance_id: 777, ship_type_id: 587 }, zkb: { totalValue: 50_000_000 } });
    const pricey = esiKillmail({ victim: { alliance_id: 777, ship_type_id: 587 }, zkb: { totalValue: 120_000_000 } });
    await post(cheap);
    await post(pricey);
    await eventually(() => got.length === 1);
    expect(await emitAck(s, 'unsubscribe', { channels: ['alliance:777'] })).toMatchObject({ success: true });
    await post(esiKillmail({ victim: { alliance_id: 777, ship_type_id: 587 }, zkb: { totalValue: 9e9 } }));
    await sleep(300);
    // 120 M passes a 150 M request: minValue is rounded down to the ladder, as the ack said
    expect(got.map((e) => e.data.killmailId)).toEqual([pricey.killmail_id]);
  });

  it('replays a channel after `since` before live killmails', async () => {
    const first = esiKillmail({ solar_system_id: 30000777 });
    const second = esiKillmail({ solar_system_id: 30000777 });
    const third = esiKillmail({ solar_system_id: 30000777 });
    const since = (await post(first)).body.killmail.offset;
    await post(second);
    await post(third);
    const s = await open('late');
    const got = collect<Received>(s, 'killmail');
    expect(await emitAck(s, 'subscribe', { channels: ['system:30000777'], since })).toMatchObject({ success: true, replayed: 2 });
    const live = esiKillmail({ solar_system_id: 30000777 });
    await post(live);
    await eventually(() => got.length === 3);
    expect(got.map((e) => e.data.killmailId)).toEqual([second.killmail_id, third.killmail_id, live.killmail_id]);
    const history = await http<{ events: Array<{ payload: Received }> }>(app.url, 'GET', `/api/history?channel=system:30000777&since=${since}`, { token: token('late') });
    expect(history.body.events.map((e) => e.payload.data.killmailId)).toEqual([second.killmail_id, third.killmail_id, live.killmail_id]);
  });

  it('refuses bad channels and values with bad_request, and unauthenticated sockets', async () => {
    const s = await open('fuzzer');
    for (const body of [
      { channels: ['alliance:abc'] },
      { channels: ['region:1'] },
      { channels: ['*'] },
      { channels: ['killstream:1'] },
      { channels: [] },
      { channels: 'killstream' },
      { channels: ['killstream'], minValue: -1 },
      { channels: ['killstream'], minValue: 'big' },
      { channels: ['killstream'], since: 'yesterday' },
      { channels: ['alliance:1|band:1000000'] },
      undefined,
    ]) {
      expect(await emitAck(s, 'subscribe', body)).toMatchObject({ success: false, code: 'socket_error:bad_request' });
    }
    const err = await connectError(app.url, '/ws/killmail');
    expect(err.data?.code).toBe('socket_error:unauthorized');
  });

  it('answers any fuzzed subscribe payload with success or bad_request and stays connected', async () => {
    const s = await open('fuzz');
    const channel = fc.oneof(fc.constantFrom('killstream', 'alliance:1', 'ship:587'), fc.string({ maxLength: 40 }), fc.integer());
    const payload = fc.oneof(
      fc.record({ channels: fc.oneof(fc.array(channel, { maxLength: 5 }), fc.anything()), minValue: fc.option(fc.oneof(fc.double(), fc.string())), since: fc.option(fc.oneof(fc.string(), fc.integer())) }, { requiredKeys: ['channels'] }),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(payload, async (body) => {
        const ack = await emitAck<{ success: boolean; code?: string }>(s, 'subscribe', body);
        if (!ack.success) expect(ack.code).toBe('socket_error:bad_request');
      }),
      { numRuns: 60 },
    );
    expect(s.connected).toBe(true);
    expect(await emitAck(s, 'subscribe', { channels: ['killstream'] })).toMatchObject({ success: true });
  });
});

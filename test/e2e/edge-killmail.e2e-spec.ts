/** Killmail routing is bounded: a fleet-fight killmail is stored whole but routed to a bounded set of parties and rooms. */
import type { Socket } from 'socket.io-client';
import { PrismaService } from '../../src/core/prisma';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, emitAck, eventually, http, sleep } from '../support/clients';
import { esiKillmail } from '../support/killmail';
import { serviceToken, token } from '../support/tokens';

describe('killmail routing caps', () => {
  let app: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await app?.close();
  });

  const subscribe = async (channel: string) => {
    const s = await connect(app.url, '/ws/killmail', { token: token(`watcher-${channel}`) });
    sockets.push(s);
    expect(await emitAck(s, 'subscribe', { channels: [channel] })).toMatchObject({ success: true });
    return collect<{ data: { killmailId: number; attackerCount: number } }>(s, 'killmail');
  };

  it('ingests a killmail with 10,000 attackers, routes it to at most 500 parties and a bounded number of room rows', async () => {
    const { maxParties, maxRooms } = app.config.killmailRouting;
    expect(maxParties).toBe(500);
    // Compact attackers (small character ids only) keep the body under the HTTP size cap.
    const attackers = Array.from({ length: 10_000 }, (_, i) => ({ character_id: i + 1 }));
    const km = esiKillmail({ attackers, zkb: undefined });

    const firstAttacker = await subscribe('character:1');
    const lastRouted = await subscribe(`character:${maxParties - 1}`); // victim + 499 attackers
    const unrouted = await subscribe(`character:${maxParties}`);
    const everyone = await subscribe('killstream');

    const res = await http<{ killmail: { offset: string; attackerCount: number } }>(app.url, 'POST', '/api/killmails', {
      token: serviceToken(),
      body: km,
    });
    expect(res.status).toBe(201);
    expect(res.body.killmail.attackerCount).toBe(10_000);

    const sql = app.get(PrismaService).sql;
    const [rows] = await sql.query<{ rooms: string; characters: string }>(
      `SELECT count(*)::text AS rooms, count(*) FILTER (WHERE room LIKE 'character:%')::text AS characters
         FROM event_room_runs WHERE $1::bigint = ANY(seqs)`,
      [res.body.killmail.offset],
    );
    expect(Number(rows.rooms)).toBeLessThanOrEqual(maxRooms);
    // victim's character + the 499 attackers ranked first; none of the remaining 9,501
    expect(Number(rows.characters)).toBe(maxParties);

    await eventually(() => {
      expect(everyone).toHaveLength(1);
      expect(firstAttacker).toHaveLength(1);
      expect(lastRouted).toHaveLength(1);
      return true;
    });
    expect(everyone[0].data).toMatchObject({ killmailId: km.killmail_id, attackerCount: 10_000 });
    await sleep(200);
    expect(unrouted).toHaveLength(0);

    // The stored killmail keeps every attacker.
    const listed = await http<{ items: Array<{ killmailId: number; attackerCount: number; attackers: unknown[] }> }>(
      app.url,
      'GET',
      '/api/killmails?limit=1',
      { token: token('reader') },
    );
    expect(listed.body.items[0]).toMatchObject({ killmailId: km.killmail_id, attackerCount: 10_000 });
    expect(listed.body.items[0].attackers).toHaveLength(10_000);
  });
});

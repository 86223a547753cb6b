/**
 * KillmailRepository and KillmailPollerCursorRepository against a real PostgreSQL database.
 */
import { KillmailPollerCursorRepository } from '../../src/modules/killmail/killmail-poller-cursor.repository';
import { KillmailRepository, type NewKillmail } from '../../src/modules/killmail/killmail.repository';
import { contend, openRepositoryDatabase, settle, type RepositoryDatabase } from '../support/repository';

let nextId = 120_000_000;
function killmail(overrides: Partial<NewKillmail> = {}): NewKillmail {
  return {
    killmailId: nextId++,
    killmailTime: new Date('2024-10-22T10:30:00.123Z'),
    solarSystemId: 30000142,
    victim: { characterId: 2112625428, corporationId: 98765432, allianceId: null, shipTypeId: 587 },
    attackers: [
      { characterId: 90000001, corporationId: 98000001, allianceId: 99000001, factionId: null, shipTypeId: 17740, weaponTypeId: 3178, damageDone: 1234, finalBlow: true },
      { characterId: null, corporationId: 1000125, allianceId: null, factionId: 500001, shipTypeId: null, weaponTypeId: null, damageDone: 10.5, finalBlow: false },
    ],
    zkb: { totalValue: 12_345_678.9, points: 3, npc: false },
    totalValue: 12_345_678.9,
    ...overrides,
  };
}

describe('KillmailRepository', () => {
  let db: RepositoryDatabase;
  let repo: KillmailRepository;

  beforeAll(async () => {
    db = await openRepositoryDatabase('killmail');
    repo = new KillmailRepository(db.prisma);
  });
  afterAll(() => db.close());

  it('stores a killmail and reads the same values back through both read paths', async () => {
    const km = killmail();
    const stored = await db.uow.runSql((tx) => repo.insertIfAbsent(tx, km));
    expect(stored.created).toBe(true);

    const [row] = await db.sql<Record<string, unknown>>(
      `SELECT killmail_id::text, solar_system_id::text, victim_character_id::text, victim_alliance_id, attacker_count,
              attackers, zkb, total_value, published_offset FROM killmails WHERE killmail_id = $1`,
      [km.killmailId],
    );
    expect(row).toEqual({
      killmail_id: String(km.killmailId),
      solar_system_id: '30000142',
      victim_character_id: '2112625428',
      victim_alliance_id: null,
      attacker_count: 2,
      attackers: km.attackers,
      zkb: km.zkb,
      total_value: 12_345_678.9,
      published_offset: null,
    });

    const [listed] = await repo.list(1, km.killmailId + 1);
    // The insert's RETURNING (plain SQL) and the list (Prisma) map rows the same way.
    expect(listed).toEqual(stored.killmail);
    expect(listed).toMatchObject({
      killmailId: km.killmailId,
      killmailTime: '2024-10-22T10:30:00.123Z',
      victim: { characterId: 2112625428, corporationId: 98765432, allianceId: null, shipTypeId: 587 },
      attackerCount: 2,
      attackers: km.attackers,
      zkb: { totalValue: 12_345_678.9, points: 3, npc: false },
      offset: null,
    });
    expect(Date.parse(listed.receivedAt)).not.toBeNaN();
  });

  it('keeps a null zkb and a null value as null', async () => {
    const km = killmail({ zkb: null, totalValue: null });
    const { killmail: view } = await db.uow.runSql((tx) => repo.insertIfAbsent(tx, km));
    expect([view.zkb, view.totalValue]).toEqual([null, null]);
    const [row] = await db.sql(`SELECT zkb, total_value FROM killmails WHERE killmail_id = $1`, [km.killmailId]);
    expect(row).toEqual({ zkb: null, total_value: null });
  });

  it('a second insert of the same id stores nothing and returns the first one', async () => {
    const first = killmail();
    await db.uow.runSql((tx) => repo.insertIfAbsent(tx, first));
    const again = await db.uow.runSql((tx) => repo.insertIfAbsent(tx, { ...first, solarSystemId: 1, attackers: [] }));
    expect(again.created).toBe(false);
    expect(again.killmail.solarSystemId).toBe(30000142);
    expect(again.killmail.attackerCount).toBe(2);
    const rows = await db.sql(`SELECT 1 FROM killmails WHERE killmail_id = $1`, [first.killmailId]);
    expect(rows).toHaveLength(1);
  });

  it('two racing inserts of one id: the loser waits for the winner’s commit and returns the winner’s row', async () => {
    const km = killmail();
    // The loser's INSERT … ON CONFLICT blocks on the winner's uncommitted row.
    const [won, lost] = await contend(
      db,
      (hold) =>
        db.uow.runSql(async (tx) => {
          const result = await repo.insertIfAbsent(tx, km);
          await hold();
          return result;
        }),
      () => db.uow.runSql((tx) => repo.insertIfAbsent(tx, { ...km, solarSystemId: 31000005 })),
    );
    expect(won.created).toBe(true);
    if (!lost.ok) throw lost.error;
    expect(lost.value.created).toBe(false);
    expect(lost.value.killmail.solarSystemId).toBe(30000142);
  });

  it('a rolled-back transaction leaves no killmail behind', async () => {
    const km = killmail();
    const failed = await settle(
      db.uow.runSql(async (tx) => {
        await repo.insertIfAbsent(tx, km);
        throw new Error('the event could not be stored');
      }),
    );
    expect(failed.ok).toBe(false);
    expect(await db.sql(`SELECT 1 FROM killmails WHERE killmail_id = $1`, [km.killmailId])).toHaveLength(0);
  });

  it('records the broadcast offset exactly, beyond 2^53', async () => {
    const km = killmail();
    await db.uow.runSql((tx) => repo.insertIfAbsent(tx, km));
    const offset = '9007199254740993'; // 2^53 + 1: not representable as a JavaScript number
    await repo.markPublished(km.killmailId, offset);
    const [row] = await db.sql<{ published_offset: string; published_at: Date | null }>(
      `SELECT published_offset::text, published_at FROM killmails WHERE killmail_id = $1`,
      [km.killmailId],
    );
    expect(row.published_offset).toBe(offset);
    expect(row.published_at).toBeInstanceOf(Date);
    const [listed] = await repo.list(1, km.killmailId + 1);
    expect(listed.offset).toBe(offset);
  });

  it('round-trips the largest id a JavaScript number holds exactly', async () => {
    const km = killmail({ killmailId: Number.MAX_SAFE_INTEGER, victim: { characterId: Number.MAX_SAFE_INTEGER - 1, corporationId: null, allianceId: null, shipTypeId: 1 } });
    const { killmail: view } = await db.uow.runSql((tx) => repo.insertIfAbsent(tx, km));
    expect(view.killmailId).toBe(Number.MAX_SAFE_INTEGER);
    const [row] = await db.sql<{ id: string; c: string }>(
      `SELECT killmail_id::text AS id, victim_character_id::text AS c FROM killmails WHERE killmail_id = $1::bigint`,
      [String(Number.MAX_SAFE_INTEGER)],
    );
    expect(row).toEqual({ id: '9007199254740991', c: '9007199254740990' });
    const [listed] = await repo.list(1, undefined);
    expect(listed.killmailId).toBe(Number.MAX_SAFE_INTEGER);
    expect(listed.victim.characterId).toBe(Number.MAX_SAFE_INTEGER - 1);
  });

  it('lists newest ids first, strictly below `before`, at most `limit`', async () => {
    const base = 1_000; // below every other id in this file, so the page holds only these
    for (const offset of [3, 1, 4, 2, 5]) {
      await db.uow.runSql((tx) => repo.insertIfAbsent(tx, killmail({ killmailId: base + offset })));
    }
    const ids = async (limit: number, before: number) => (await repo.list(limit, before)).map((k) => k.killmailId - base);
    expect(await ids(10, base + 6)).toEqual([5, 4, 3, 2, 1]);
    expect(await ids(2, base + 6)).toEqual([5, 4]);
    expect(await ids(2, base + 4)).toEqual([3, 2]); // `before` itself is excluded
    expect(await ids(10, base + 1)).toEqual([]);
  });
});

describe('KillmailPollerCursorRepository', () => {
  let db: RepositoryDatabase;
  let cursors: KillmailPollerCursorRepository;
  let feedNo = 0;
  const feed = () => `wss://feed.example/${++feedNo}`;

  beforeAll(async () => {
    db = await openRepositoryDatabase('killmail_cursor');
    cursors = new KillmailPollerCursorRepository(db.prisma);
  });
  afterAll(() => db.close());

  const stored = async (f: string) =>
    (
      await db.sql<{ next_sequence: string; lease_owner: string | null; live: boolean | null }>(
        `SELECT next_sequence::text, lease_owner, lease_until > now() AS live FROM killmail_poller_cursors WHERE feed = $1`,
        [f],
      )
    )[0];

  it('a first lease creates the cursor without a position; progress is stored exactly beyond 2^53', async () => {
    const f = feed();
    expect(await cursors.read(f)).toBeNull();
    expect(await cursors.lease(f, 'a', 60_000)).toEqual({ nextSequence: null });
    expect(await stored(f)).toEqual({ next_sequence: '-1', lease_owner: 'a', live: true });
    expect(await cursors.read(f)).toBeNull();

    const beyond = 2n ** 53n + 7n;
    expect(await cursors.advance(f, 'a', beyond, 60_000)).toBe(true);
    expect((await stored(f)).next_sequence).toBe('9007199254740999');
    expect(await cursors.read(f)).toBe(beyond);
    expect(await cursors.lease(f, 'a', 60_000)).toEqual({ nextSequence: beyond }); // renewing keeps the position
  });

  it('refuses a second owner while the lease is live, and hands over once it is released', async () => {
    const f = feed();
    await cursors.lease(f, 'a', 60_000);
    await cursors.advance(f, 'a', 41n, 60_000);
    expect(await cursors.lease(f, 'b', 60_000)).toBeUndefined();
    expect(await cursors.advance(f, 'b', 99n, 60_000)).toBe(false);
    expect(await cursors.read(f)).toBe(41n);

    await cursors.release(f, 'b'); // not b's lease: nothing happens
    expect((await stored(f)).lease_owner).toBe('a');
    await cursors.release(f, 'a');
    expect(await stored(f)).toEqual({ next_sequence: '41', lease_owner: null, live: null });
    expect(await cursors.lease(f, 'b', 60_000)).toEqual({ nextSequence: 41n });
    expect(await cursors.advance(f, 'a', 50n, 60_000)).toBe(false); // a lost it
    expect(await cursors.read(f)).toBe(41n);
  });

  it('lets another owner take an expired lease; the previous owner can no longer advance', async () => {
    const f = feed();
    await cursors.lease(f, 'a', 60_000);
    await cursors.advance(f, 'a', 7n, 60_000);
    await db.sql(`UPDATE killmail_poller_cursors SET lease_until = now() - interval '1 second' WHERE feed = $1`, [f]);
    expect(await cursors.lease(f, 'b', 60_000)).toEqual({ nextSequence: 7n });
    expect(await cursors.advance(f, 'a', 8n, 60_000)).toBe(false);
    expect(await cursors.advance(f, 'b', 9n, 60_000)).toBe(true);
    expect(await stored(f)).toEqual({ next_sequence: '9', lease_owner: 'b', live: true });
  });

  it('of two instances leasing a new feed at once, exactly one gets it', async () => {
    const f = feed();
    const results = await Promise.all([cursors.lease(f, 'a', 60_000), cursors.lease(f, 'b', 60_000)]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const owner = results[0] ? 'a' : 'b';
    expect((await stored(f)).lease_owner).toBe(owner);
  });
});

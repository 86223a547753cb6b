/**
 * EventLogService against a real PostgreSQL with the migrations applied: where an event's
 * rooms are kept (its own row's list, one event_room_runs row per room and append), the
 * outbox (one row per append: claimed whole, relayed whole, pending until then), the claim's kept
 * plan, retention of runs, and what earlier versions wrote or still write during a
 * rolling update (rows without a room list; one event_rooms row per event). Paging by room:
 * event-log-paging.repo-spec.ts.
 */
import { CLAIM_SQL, EventLogService, type AppendRequest } from '../../src/core/realtime/event-log.service';
import { driverOnOneConnection, openRepositoryDatabase, type RepositoryDatabase } from '../support/repository';

let db: RepositoryDatabase;
let log: EventLogService;
const NS = '/ws/test';

beforeAll(async () => {
  db = await openRepositoryDatabase('event_log');
  log = new EventLogService(db.prisma, db.config);
});
afterAll(() => db.close());

/**
 * An event as a version before `events.rooms` stored it: room rows only, the list NULL, still in
 * the outbox. Its room rows go through `event_rooms`, now a view, as that version's SQL does.
 */
async function appendAsOlderVersion(rooms: string[], createdAt = new Date()): Promise<string> {
  const [{ seq }] = await db.sql<{ seq: string }>('UPDATE event_log_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq::text AS seq');
  await db.sql('INSERT INTO events (seq, namespace, event, payload, created_at) VALUES ($1, $2, $3, $4, $5)', [seq, NS, 'old:event', '{"n":1}', createdAt]);
  for (const room of rooms) await db.sql('INSERT INTO event_rooms (namespace, room, seq) VALUES ($1, $2, $3)', [NS, room, seq]);
  await db.sql("INSERT INTO event_outbox (seq, created_at) VALUES ($1, now() - interval '1 hour')", [seq]);
  return seq;
}

/** Appends as a domain transaction does (appendWithin): committed with their outbox row, not claimed. */
function appendUnclaimed(requests: AppendRequest[]) {
  return log.appendWithin((text, params) => db.prisma.sql.query(text, params), requests);
}

describe('EventLogService (repository tier)', () => {
  it("stores an event's rooms once each, in its row and in one run per room and append, whatever the caller repeated", async () => {
    const [appended] = await log.appendMany([{ namespace: NS, event: 'new:event', rooms: ['b', 'a', 'b'], payload: { n: 2 } }]);
    const [row] = await db.sql<{ rooms: string[] }>('SELECT rooms FROM events WHERE seq = $1', [appended.offset]);
    expect(row.rooms).toEqual(['b', 'a']);
    const runs = await db.sql<{ room: string; seqs: string[] }>(
      'SELECT room, seqs::text[] AS seqs FROM event_room_runs WHERE namespace = $1 AND room IN ($2, $3) AND $4::bigint = ANY(seqs) ORDER BY room',
      [NS, 'a', 'b', appended.offset],
    );
    expect(runs).toEqual([
      { room: 'a', seqs: [appended.offset] },
      { room: 'b', seqs: [appended.offset] },
    ]);
    const [read] = await log.readRange(BigInt(appended.offset) - 1n, 1);
    expect(read).toMatchObject({ offset: appended.offset, namespace: NS, rooms: ['b', 'a'] });
  });

  it('reads the rooms of an event appended by an older version from its room rows, for gap repair and the outbox relay', async () => {
    const seq = await appendAsOlderVersion(['room-2', 'room-1']);
    const [read] = await log.readRange(BigInt(seq) - 1n, 1);
    expect(read).toMatchObject({ offset: seq, event: 'old:event', rooms: ['room-1', 'room-2'] });
    const orphans = await log.claimOrphans(1_000, 100);
    expect(orphans.find((o) => o.offset === seq)).toMatchObject({ namespace: NS, rooms: ['room-1', 'room-2'] });
  });

  it('claims its own outbox rows once, and tells the outbox relay when a claim fails so it passes again soon', async () => {
    // Stored as a domain change stores it: committed with its outbox row, not claimed yet.
    const [appended] = await appendUnclaimed([{ namespace: NS, event: 'new:event', rooms: ['claimed'], payload: { n: 4 } }]);
    let failures = 0;
    log.onClaimFailed(() => failures++);
    expect(await log.claim([appended.offset])).toEqual(new Set([appended.offset]));
    expect(await log.claim([appended.offset])).toEqual(new Set());
    expect(failures).toBe(0);
    // A claim the database refuses (here: not an offset) leaves its events to the relay and says so.
    await expect(log.claim(['not-an-offset'])).rejects.toThrow();
    expect(failures).toBe(1);
  });

  it("answers each event's own offset, and a repeated key the offset it was stored under, around the holes repeats leave", async () => {
    const [earlier] = await log.appendMany([{ namespace: NS, event: 'keyed:event', rooms: ['offsets'], payload: { n: 0 }, idempotencyKey: 'offsets-earlier' }]);
    const results = await log.appendMany([
      { namespace: NS, event: 'offsets:event', rooms: ['offsets'], payload: { n: 1 } },
      { namespace: NS, event: 'offsets:event', rooms: ['offsets'], payload: { n: 2 }, idempotencyKey: 'offsets-earlier' },
      { namespace: NS, event: 'offsets:event', rooms: ['offsets'], payload: { n: 3 }, idempotencyKey: 'offsets-within' },
      { namespace: NS, event: 'offsets:event', rooms: ['offsets'], payload: { n: 4 }, idempotencyKey: 'offsets-within' },
      { namespace: NS, event: 'offsets:event', rooms: ['offsets'], payload: { n: 5 } },
    ]);
    expect(results.map((r) => r.duplicate)).toEqual([false, true, false, true, false]);
    expect(results[1].offset).toBe(earlier.offset);
    expect(results[3].offset).toBe(results[2].offset);
    const stored = await db.sql<{ seq: string; n: number }>(
      "SELECT seq::text AS seq, (payload->>'n')::int AS n FROM events WHERE seq = ANY($1::bigint[]) ORDER BY seq",
      [[results[0].offset, results[2].offset, results[4].offset]],
    );
    expect(stored).toEqual([
      { seq: results[0].offset, n: 1 },
      { seq: results[2].offset, n: 3 },
      { seq: results[4].offset, n: 5 },
    ]);
    // The repeats' offsets were taken from the block and left empty: the last event is the block's end.
    expect(BigInt(results[4].offset) - BigInt(results[0].offset)).toBe(4n);
    // Events with and without keys are inserted apart; the room's run holds every stored one, and only those.
    const [run] = await db.sql<{ event_count: number; seqs: string[] }>(
      `SELECT event_count, ARRAY(SELECT s::text FROM unnest(seqs) s ORDER BY s) AS seqs
         FROM event_room_runs WHERE namespace = $1 AND room = 'offsets' AND last_seq = $2`,
      [NS, results[4].offset],
    );
    expect(run).toEqual({ event_count: 3, seqs: [results[0].offset, results[2].offset, results[4].offset] });
  });

  it('writes the events appended one by one in the same run of code together, the first included', async () => {
    const query = jest.spyOn(db.prisma.sql, 'query');
    try {
      // As a publisher does when it publishes for many users in a loop (unread counts).
      const appended = await Promise.all(['u1', 'u2', 'u3'].map((user) => log.append({ namespace: NS, event: 'count:event', rooms: [`user:${user}`], payload: { user } })));
      expect(appended.every((a) => a.claimed && !a.duplicate)).toBe(true);
      const offsets = appended.map((a) => BigInt(a.offset));
      expect(offsets).toEqual([offsets[0], offsets[0] + 1n, offsets[0] + 2n]);
      const appends = query.mock.calls.filter(([text]) => String(text).includes('INSERT INTO events'));
      expect(appends).toHaveLength(1);
    } finally {
      query.mockRestore();
    }
  });

  it('writes one outbox row per append, covering the offsets it stored, and claims it whole or not at all', async () => {
    await log.appendMany([{ namespace: NS, event: 'keyed:event', rooms: ['outbox-run'], payload: { n: 0 }, idempotencyKey: 'outbox-run-key' }]);
    // The middle event's key was used before: its offset stays empty inside the run.
    const [a, repeat, c] = await appendUnclaimed([
      { namespace: NS, event: 'run:event', rooms: ['outbox-run'], payload: { n: 1 } },
      { namespace: NS, event: 'run:event', rooms: ['outbox-run'], payload: { n: 2 }, idempotencyKey: 'outbox-run-key' },
      { namespace: NS, event: 'run:event', rooms: ['outbox-run'], payload: { n: 3 } },
    ]);
    expect(repeat.duplicate).toBe(true);
    const row = () =>
      db.sql<{ first_seq: string }>('SELECT first_seq::text AS first_seq FROM event_outbox_runs WHERE last_seq = $1', [c.offset]);
    expect(await row()).toEqual([{ first_seq: a.offset }]);
    // A claim of only some of the append's events takes nothing: the relay will emit them all.
    expect(await log.claim([c.offset])).toEqual(new Set());
    expect(await log.claim([a.offset])).toEqual(new Set());
    expect(await row()).toHaveLength(1);
    expect(await log.claim([c.offset, a.offset])).toEqual(new Set([a.offset, c.offset]));
    expect(await row()).toEqual([]);
    expect(await log.claim([a.offset, c.offset])).toEqual(new Set());
  });

  it('replays an event as pending until its append is claimed, and one a previous version left in its outbox too', async () => {
    const [first, second] = await appendUnclaimed([
      { namespace: NS, event: 'pending:event', rooms: ['pending-room'], payload: { n: 1 } },
      { namespace: NS, event: 'pending:event', rooms: ['pending-room'], payload: { n: 2 } },
    ]);
    const since = String(BigInt(first.offset) - 1n);
    const pending = async () => (await log.readAfter(NS, ['pending-room'], since, 10)).map((e) => [e.offset, e.pending ?? false]);
    expect(await pending()).toEqual([
      [first.offset, true],
      [second.offset, true],
    ]);
    await log.claim([first.offset, second.offset]);
    expect(await pending()).toEqual([
      [first.offset, false],
      [second.offset, false],
    ]);
    const legacy = await appendAsOlderVersion(['pending-legacy']);
    const [read] = await log.readAfter(NS, ['pending-legacy'], String(BigInt(legacy) - 1n), 10);
    expect(read).toMatchObject({ offset: legacy, pending: true });
  });

  it("relays whole appends, oldest first, as many as fit in the pass's limit (always one), with a previous version's rows", async () => {
    await log.claimOrphans(0, 100_000); // whatever earlier cases left
    const within = (n: number, rooms: string[]) =>
      appendUnclaimed(Array.from({ length: n }, (_, i) => ({ namespace: NS, event: 'orphan:event', rooms, payload: { i } })));
    const three = await within(3, ['orphans-a']);
    const two = await within(2, ['orphans-b', 'orphans-c']);
    const older = await appendAsOlderVersion(['orphans-legacy']);
    const one = await within(1, ['orphans-a']);
    await db.sql("UPDATE event_outbox_runs SET created_at = now() - interval '1 hour'");
    const offsets = (events: Array<{ offset: string }>) => events.map((e) => e.offset);

    // Three fit in four; with the next two they would not. The previous version's row comes along.
    const firstPass = await log.claimOrphans(1_000, 4);
    expect(offsets(firstPass)).toEqual([...offsets(three), older]);
    expect(firstPass[0]).toMatchObject({ namespace: NS, event: 'orphan:event', payload: { i: 0 }, rooms: ['orphans-a'] });
    // A limit below an append's size still takes that append, whole.
    expect(offsets(await log.claimOrphans(1_000, 1))).toEqual(offsets(two));
    expect(offsets(await log.claimOrphans(1_000, 10))).toEqual(offsets(one));
    expect(await log.claimOrphans(1_000, 10)).toEqual([]);
  });

  it('keeps the plan of the claim, which runs after every append, instead of planning it per call', async () => {
    const { sql, close } = driverOnOneConnection(db.url, true);
    try {
      for (let i = 0; i < 8; i++) {
        const [appended] = await log.appendWithin((text, params) => sql.query(text, params), [{ namespace: NS, event: 'plan:event', rooms: ['plan'], payload: { i } }]);
        expect(await sql.query(CLAIM_SQL, [appended.offset, appended.offset])).toEqual([{ last_seq: appended.offset }]);
      }
      // PostgreSQL plans a prepared statement afresh for its first five runs, then keeps a generic plan if it is no dearer.
      const [plans] = await sql.query<{ generic_plans: string; custom_plans: string }>(
        'SELECT generic_plans::text, custom_plans::text FROM pg_prepared_statements WHERE statement = $1',
        [CLAIM_SQL],
      );
      expect(plans).toEqual({ generic_plans: '3', custom_plans: '5' });
    } finally {
      await close();
    }
  });

  it('writes one run per room for a whole append, holding the offsets it gave that room', async () => {
    const appended = await log.appendMany([
      { namespace: NS, event: 'run:event', rooms: ['run-a', 'run-b'], payload: { n: 1 } },
      { namespace: NS, event: 'run:event', rooms: ['run-a'], payload: { n: 2 } },
      { namespace: NS, event: 'run:event', rooms: ['run-b', 'run-c'], payload: { n: 3 } },
    ]);
    const [one, two, three] = appended.map((a) => a.offset);
    const runs = await db.sql<{ room: string; last_seq: string; event_count: number; seqs: string[] }>(
      `SELECT room, last_seq::text AS last_seq, event_count, ARRAY(SELECT s::text FROM unnest(seqs) s ORDER BY s) AS seqs
         FROM event_room_runs WHERE namespace = $1 AND room LIKE 'run-%' ORDER BY room`,
      [NS],
    );
    expect(runs).toEqual([
      { room: 'run-a', last_seq: two, event_count: 2, seqs: [one, two] },
      { room: 'run-b', last_seq: three, event_count: 2, seqs: [one, three] },
      { room: 'run-c', last_seq: three, event_count: 1, seqs: [three] },
    ]);
  });

  it('keeps a run while any of its events is left, and removes it with the last one', async () => {
    const old = new Date(Date.now() - 200 * 3_600_000);
    const [first, second] = await log.appendMany([
      { namespace: NS, event: 'kept:event', rooms: ['kept-run'], payload: { n: 1 } },
      { namespace: NS, event: 'kept:event', rooms: ['kept-run'], payload: { n: 2 } },
    ]);
    // The first is old by the clock, the second not: retention takes only the first.
    await db.sql('UPDATE events SET created_at = $1 WHERE seq = $2', [old, first.offset]);
    await log.prune();
    expect((await log.readBefore(NS, 'kept-run', undefined, 10)).map((e) => e.offset)).toEqual([second.offset]);
    expect(await db.sql('SELECT 1 FROM event_room_runs WHERE namespace = $1 AND room = $2', [NS, 'kept-run'])).toHaveLength(1);
    await db.sql('UPDATE events SET created_at = $1 WHERE seq = $2', [old, second.offset]);
    await log.prune();
    expect(await db.sql('SELECT 1 FROM event_room_runs WHERE namespace = $1 AND room = $2', [NS, 'kept-run'])).toHaveLength(0);
  });

  it('prunes old events of either kind with their room and outbox rows', async () => {
    const old = new Date(Date.now() - 200 * 3_600_000);
    const legacy = await appendAsOlderVersion(['legacy-room'], old);
    // Stored as a domain change stores it and never claimed: its outbox row is left too.
    const [current] = await appendUnclaimed([
      { namespace: NS, event: 'new:event', rooms: ['current-room'], payload: { n: 3 } },
    ]);
    await db.sql('UPDATE events SET created_at = $1 WHERE seq = $2', [old, current.offset]);
    const [recent] = await log.appendMany([{ namespace: NS, event: 'new:event', rooms: ['current-room'], payload: { n: 4 } }]);
    expect(await log.prune()).toBeGreaterThanOrEqual(2);
    // Found through the block-range index on created_at, the moved row (its time set back) too.
    const [index] = await db.sql<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'events_created_at_idx'");
    expect(index.indexdef).toMatch(/USING brin \(created_at\)/);
    expect(await db.sql('SELECT 1 FROM events WHERE seq = $1', [recent.offset])).toHaveLength(1);
    const left = await db.sql<{ n: string }>(
      `SELECT ((SELECT count(*) FROM events WHERE seq IN ($1, $2)) + (SELECT count(*) FROM event_rooms_legacy WHERE seq IN ($1, $2))
              + (SELECT count(*) FROM event_room_runs WHERE seqs && ARRAY[$1, $2]::bigint[])
              + (SELECT count(*) FROM event_outbox WHERE seq IN ($1, $2))
              + (SELECT count(*) FROM event_outbox_runs WHERE $2::bigint BETWEEN first_seq AND last_seq))::text AS n`,
      [legacy, current.offset],
    );
    expect(left).toEqual([{ n: '0' }]);
  });
});

/**
 * Paging by room through event_room_runs, on a real PostgreSQL: replay (`readAfter`) and
 * history (`readBefore`) must return exactly what a plain reading of the log gives — every
 * event whose own room list meets the rooms asked for, in offset order, cut at the limit —
 * whatever the appends' sizes, wherever `since`/`before` falls inside a run, and with rows a
 * previous version wrote one per event mixed in. Then the rolling update itself: the previous
 * version's statements, verbatim, against the new tables.
 */
import fc from 'fast-check';
import { EventLogService } from '../../src/core/realtime/event-log.service';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository';

let db: RepositoryDatabase;
let log: EventLogService;

beforeAll(async () => {
  db = await openRepositoryDatabase('event_log_paging');
  log = new EventLogService(db.prisma, db.config);
});
afterAll(() => db.close());

const ROOMS = ['r0', 'r1', 'r2', 'r3', 'r4'];

/** The previous version's append, verbatim: one event_rooms row per event and room. */
const PREVIOUS_APPEND = `WITH raw AS (
   SELECT * FROM jsonb_to_recordset($2::jsonb) AS i(ord bigint, namespace text, event text, payload jsonb, idempotency_key text, rooms text[])
 ), head AS (
   UPDATE event_log_head SET last_seq = last_seq + $1::bigint WHERE id = 1 RETURNING last_seq
 ), input AS (
   SELECT (SELECT last_seq FROM head) - $1::bigint + raw.ord AS seq, raw.* FROM raw
 ), stored AS (
   INSERT INTO events (seq, namespace, event, payload, idempotency_key, rooms)
   SELECT seq, namespace, event, payload, idempotency_key, rooms FROM input ORDER BY seq
   ON CONFLICT DO NOTHING RETURNING seq
 ), rooms AS (
   INSERT INTO event_rooms (namespace, room, seq)
   SELECT input.namespace, r.room, input.seq
     FROM input JOIN stored ON stored.seq = input.seq CROSS JOIN LATERAL unnest(input.rooms) AS r(room)
   RETURNING 1
 ), outbox AS (
   INSERT INTO event_outbox (seq) SELECT seq FROM stored RETURNING 1
 )
 SELECT input.seq::text AS seq, input.ord::text AS ord FROM input JOIN stored ON stored.seq = input.seq`;

/** The previous version's replay read, verbatim. */
const PREVIOUS_REPLAY = `SELECT e.seq::text AS seq, e.event, e.payload, e.created_at,
        EXISTS (SELECT 1 FROM event_outbox o WHERE o.seq = e.seq) AS pending
   FROM events e
  WHERE e.seq IN (SELECT DISTINCT r.seq FROM event_rooms r
                   WHERE r.namespace = $1 AND r.room = ANY($2::text[]) AND r.seq > $3::bigint
                   ORDER BY r.seq LIMIT $4)
  ORDER BY e.seq`;

/** The previous version's retention chunk, verbatim. */
const PREVIOUS_PRUNE = `WITH doomed AS (SELECT seq, namespace, rooms FROM events WHERE created_at < $1 ORDER BY seq LIMIT 5000),
      rooms AS (DELETE FROM event_rooms r USING (SELECT seq, namespace, unnest(rooms) AS room FROM doomed) d
                 WHERE r.namespace = d.namespace AND r.room = d.room AND r.seq = d.seq),
      legacy AS (DELETE FROM event_rooms r WHERE r.seq IN (SELECT seq FROM doomed WHERE rooms IS NULL)),
      outbox AS (DELETE FROM event_outbox o WHERE o.seq IN (SELECT seq FROM doomed)),
      gone AS (DELETE FROM events WHERE seq IN (SELECT seq FROM doomed) RETURNING seq)
 SELECT count(*)::text AS removed, max(seq)::text AS max_seq FROM gone`;

/** Appends as the previous version would, through the same database: returns the offsets. */
async function appendAsPreviousVersion(namespace: string, events: Array<{ rooms: string[]; n: number }>): Promise<string[]> {
  const input = events.map((e, i) => ({
    ord: i + 1,
    namespace,
    event: 'previous:event',
    payload: { n: e.n },
    idempotency_key: null,
    rooms: e.rooms,
  }));
  const rows = await db.sql<{ seq: string }>(PREVIOUS_APPEND, [events.length, JSON.stringify(input)]);
  await db.sql('DELETE FROM event_outbox WHERE seq = ANY($1::bigint[])', [rows.map((r) => r.seq)]);
  return rows.map((r) => r.seq).sort((a, b) => Number(a) - Number(b));
}

/** The log read plainly: each event of `namespace` with its own room list, in offset order. */
async function plainLog(namespace: string): Promise<Array<{ seq: number; rooms: string[] }>> {
  const rows = await db.sql<{ seq: string; rooms: string[] }>(
    'SELECT e.seq::text AS seq, e.rooms FROM events e WHERE e.namespace = $1 ORDER BY e.seq',
    [namespace],
  );
  return rows.map((r) => ({ seq: Number(r.seq), rooms: r.rooms }));
}

const appendBatch = fc.record({
  byPreviousVersion: fc.nat(6).map((n) => n === 0),
  events: fc.array(fc.subarray(ROOMS, { minLength: 1 }), { minLength: 1, maxLength: 40 }),
});

describe('EventLogService paging by room (repository tier)', () => {
  it('replays and pages history exactly as a plain reading of the log would, over runs of any size and rows of the previous version', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(appendBatch, { minLength: 1, maxLength: 25 }),
        fc.array(
          fc.record({
            rooms: fc.subarray(ROOMS, { minLength: 1 }),
            at: fc.double({ min: 0, max: 1, noNaN: true }),
            limit: fc.constantFrom(1, 2, 3, 7, 25, 500),
          }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        async (batches, queries) => {
          const namespace = `/ws/paging-${++round}`;
          let n = 0;
          for (const batch of batches) {
            const events = batch.events.map((rooms) => ({ rooms, n: n++ }));
            if (batch.byPreviousVersion) await appendAsPreviousVersion(namespace, events);
            else
              await log.appendMany(
                events.map((e) => ({ namespace, event: 'current:event', rooms: e.rooms, payload: { n: e.n } })),
              );
          }
          const all = await plainLog(namespace);
          const first = all[0].seq;
          const last = all[all.length - 1].seq;
          for (const q of queries) {
            // A point anywhere from just before the first offset to just after the last: inside runs too.
            const point = first - 1 + Math.round(q.at * (last - first + 2));
            const inRooms = all.filter((e) => e.rooms.some((r) => q.rooms.includes(r)));
            const expectedAfter = inRooms
              .filter((e) => e.seq > point)
              .slice(0, q.limit)
              .map((e) => String(e.seq));
            const replayed = await log.readAfter(namespace, q.rooms, String(point), q.limit);
            expect(replayed.map((e) => e.offset)).toEqual(expectedAfter);

            const room = q.rooms[0];
            const expectedBefore = all
              .filter((e) => e.rooms.includes(room) && e.seq < point)
              .reverse()
              .slice(0, q.limit)
              .map((e) => String(e.seq));
            const paged = await log.readBefore(namespace, room, String(point), q.limit);
            expect(paged.map((e) => e.offset)).toEqual(expectedBefore);
            const newest = all
              .filter((e) => e.rooms.includes(room))
              .reverse()
              .slice(0, q.limit)
              .map((e) => String(e.seq));
            expect((await log.readBefore(namespace, room, undefined, q.limit)).map((e) => e.offset)).toEqual(newest);
          }
        },
      ),
      { numRuns: 40, seed: 20261203 },
    );
  });

  it("serves the previous version's appends to replay, and the current version's appends to the previous version's replay", async () => {
    const namespace = '/ws/rolling';
    const previous = await appendAsPreviousVersion(namespace, [
      { rooms: ['x', 'y'], n: 1 },
      { rooms: ['y'], n: 2 },
    ]);
    const current = (await log.appendMany([{ namespace, event: 'current:event', rooms: ['x', 'y'], payload: { n: 3 } }])).map(
      (a) => a.offset,
    );
    const everything = [...previous, ...current];

    expect((await log.readAfter(namespace, ['y'], '0', 10)).map((e) => e.offset)).toEqual(everything);
    expect((await log.readBefore(namespace, 'x', undefined, 10)).map((e) => e.offset)).toEqual([current[0], previous[0]]);
    // The previous version reads `event_rooms`, now a view over both tables.
    const seenByPrevious = await db.sql<{ seq: string }>(PREVIOUS_REPLAY, [namespace, ['y'], '0', 10]);
    expect(seenByPrevious.map((r) => r.seq)).toEqual(everything);
  });

  it("lets the previous version's retention run, and the current one remove what it left", async () => {
    const namespace = '/ws/rolling-retention';
    const previous = await appendAsPreviousVersion(namespace, [{ rooms: ['z'], n: 1 }]);
    const current = (await log.appendMany([{ namespace, event: 'current:event', rooms: ['z'], payload: { n: 2 } }])).map(
      (a) => a.offset,
    );
    const old = new Date(Date.now() - 200 * 3_600_000);
    await db.sql('UPDATE events SET created_at = $1 WHERE namespace = $2', [old, namespace]);

    const [chunk] = await db.sql<{ removed: string }>(PREVIOUS_PRUNE, [new Date(Date.now() - 100 * 3_600_000).toISOString()]);
    expect(Number(chunk.removed)).toBeGreaterThanOrEqual(2);
    expect(await db.sql('SELECT 1 FROM events WHERE seq = ANY($1::bigint[])', [[...previous, ...current]])).toHaveLength(0);
    expect(await db.sql('SELECT 1 FROM event_rooms_legacy WHERE namespace = $1', [namespace])).toHaveLength(0);
    // The previous version cannot see into runs: the current version's run outlives its event until
    // the current retention next prunes an event of that room.
    expect(
      await db.sql('SELECT 1 FROM event_room_runs WHERE namespace = $1 AND $2::bigint = ANY(seqs)', [namespace, current[0]]),
    ).toHaveLength(1);
    expect(await log.readAfter(namespace, ['z'], '0', 10)).toEqual([]);

    const [later] = await log.appendMany([{ namespace, event: 'current:event', rooms: ['z'], payload: { n: 3 } }]);
    await db.sql('UPDATE events SET created_at = $1 WHERE seq = $2', [old, later.offset]);
    await log.prune();
    expect(await db.sql('SELECT 1 FROM event_room_runs WHERE namespace = $1', [namespace])).toHaveLength(0);
  });
});

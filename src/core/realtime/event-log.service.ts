import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import { MetricsService } from '../observability/metrics.service';
import { PrismaService } from '../prisma/prisma.service';
import { FinalPageCache } from './final-page-cache';

export interface AppendRequest {
  namespace: string;
  event: string;
  rooms: string[];
  /** The payload as emitted, without `offset` (added on emit and on replay). */
  payload: object;
  /** A retried publish with the same key is stored and delivered once. */
  idempotencyKey?: string;
}

export interface AppendResult {
  offset: string;
  /** True when the idempotency key was seen before: nothing new was stored. */
  duplicate: boolean;
}

/** A stored event whose emit this caller has claimed (see claim()). */
export interface ClaimedAppend extends AppendResult {
  /** False when another emitter (the outbox relay) took it first: do not emit. */
  claimed: boolean;
}

/** Runs one SQL statement; the event log's writes go through it so they can join a domain transaction. */
export type SqlRunner = <T>(text: string, params: unknown[]) => Promise<T[]>;

/** A committed event as the outbox relay reads it back to emit. */
export interface OutboxEvent {
  offset: string;
  namespace: string;
  event: string;
  payload: Record<string, unknown>;
  rooms: string[];
}

export interface LoggedEvent {
  offset: string;
  event: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  /**
   * Committed but not emitted yet (its outbox row is still there): its emit is coming, to
   * every socket then in its rooms. A replay leaves it to that emit, so it is not sent twice.
   */
  pending?: boolean;
}

/** A logged event with where it went (gap repair). */
export interface RoutedEvent extends LoggedEvent {
  namespace: string;
  rooms: string[];
}

interface Pending {
  request: AppendRequest;
  resolve: (result: ClaimedAppend) => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 500;

/**
 * An event's rooms in SQL over `events e`: its own list, or, for a row appended by a version
 * before that list existed (during a rolling update), its rows in event_rooms_legacy. The
 * fallback scans that table (it has no index by seq), so only such rows may ever take it.
 */
const ROOMS_OF_EVENT = 'COALESCE(e.rooms, ARRAY(SELECT r.room FROM event_rooms_legacy r WHERE r.seq = e.seq ORDER BY r.room))';
/**
 * The claim of one append's outbox row: its key is the highest offset the append stored, and
 * its first offset must be the lowest stored, or nothing is claimed (the relay then emits all
 * of them; a claim of only some could leave the rest unemitted). It runs after
 * every append, so it takes scalars and keeps one cached plan (docs/platform.md).
 */
export const CLAIM_SQL = 'DELETE FROM event_outbox_runs WHERE last_seq = $1::bigint AND first_seq = $2::bigint RETURNING last_seq::text AS last_seq';
/**
 * Whether event `e.seq` awaits its emit: its append's outbox row is still there (the run that
 * ends at or after it; runs never overlap), or, for an event a previous version appended, its
 * own row in event_outbox.
 */
const PENDING_EVENT = `(COALESCE((SELECT o.first_seq <= e.seq FROM event_outbox_runs o WHERE o.last_seq >= e.seq ORDER BY o.last_seq LIMIT 1), false)
   OR EXISTS (SELECT 1 FROM event_outbox o WHERE o.seq = e.seq))`;
/** Stands for "no upper bound" where a reader pages down from the newest offset. */
const NEWEST = '9223372036854775807';
/**
 * Full replay pages kept for reconnect storms. A storm shares a few pages (clients that
 * dropped together are behind by the same amount); 20 pages of 500 events bound the memory
 * at 10,000 events and their encodings, even with payloads near the size caps.
 */
const CACHED_PAGES = 20;
const CACHED_PAGE_TTL_MS = 60_000;

/**
 * Persists replayable events with a gap-safe global offset (see prisma/schema/event-log.prisma).
 * Appends are batched: whatever arrives while one transaction runs goes into the next,
 * so the log costs one round trip per batch, not per event. Results resolve in offset
 * order, so a publisher that emits on resolution emits in offset order.
 */
@Injectable()
export class EventLogService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventLogService.name);
  private queue: Pending[] = [];
  private readonly pendingReads = new Map<string, Promise<LoggedEvent[]>>();
  private readonly finalPages = new FinalPageCache<LoggedEvent[]>(CACHED_PAGES, CACHED_PAGE_TTL_MS);
  private pendingPruned: Promise<bigint> | undefined;
  private flushing: Promise<void> | undefined;
  private readonly claimFailedListeners: Array<() => void> = [];

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    /** Times the appends and claims (herald_event_log_round_trip_seconds); absent in repository tests. */
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /**
   * Stores an event on its own (no domain change with it) and claims its emit: the fast path
   * of a plain publish. Batched with every other append made in the same run of code.
   */
  append(request: AppendRequest): Promise<ClaimedAppend> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  /**
   * Appends several events in one go: all are queued before the queue is drained, so they
   * share one write (up to the batch size) instead of the first one going alone.
   */
  appendMany(requests: AppendRequest[]): Promise<ClaimedAppend[]> {
    const results = requests.map((request) => new Promise<ClaimedAppend>((resolve, reject) => this.queue.push({ request, resolve, reject })));
    if (requests.length) this.flushing ??= this.drain();
    return Promise.all(results);
  }

  private async drain(): Promise<void> {
    try {
      // Started by the first append of a run of code: let the rest of that run queue theirs
      // first, so a loop of publishes (a count for each of 100 users) is one write, not the
      // first event alone and then the others.
      await Promise.resolve();
      while (this.queue.length) {
        const batch = this.queue.splice(0, MAX_BATCH);
        let results: AppendResult[];
        const started = process.hrtime.bigint();
        try {
          results = await this.write((text, params) => this.prisma.sql.query(text, params), batch.map((p) => p.request));
          this.observeRoundTrip('append', started);
        } catch (err) {
          for (const p of batch) p.reject(err);
          continue;
        }
        this.afterCommit();
        // Stored is stored: a failed claim leaves the events to the outbox relay, it does not fail the publish.
        const claimed = await this.claim(results.filter((r) => !r.duplicate).map((r) => r.offset)).catch((err: unknown) => {
          this.logger.warn(`outbox claim failed, the relay will emit: ${(err as Error).message}`);
          return new Set<string>();
        });
        batch.forEach((p, i) => p.resolve({ ...results[i], claimed: claimed.has(results[i].offset) }));
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /**
   * Stores events inside the caller's transaction (the domain change they announce): the
   * offsets and the outbox rows commit with it or not at all. Run it last in the
   * transaction: it takes the head row's lock, which is held until COMMIT.
   */
  appendWithin(run: SqlRunner, requests: AppendRequest[]): Promise<AppendResult[]> {
    return requests.length ? this.write(run, requests) : Promise.resolve([]);
  }

  /**
   * Takes the emit of the events one append stored (`offsets`, all of them): deletes the
   * append's outbox row and returns the offsets this caller may emit, all or none. Whoever
   * deletes the row emits its events; a row the relay has locked makes this wait for the
   * relay's commit and then come back empty, so an event is emitted once.
   */
  async claim(offsets: string[]): Promise<Set<string>> {
    if (!offsets.length) return new Set();
    try {
      const seqs = offsets.map(BigInt);
      const last = seqs.reduce((a, b) => (b > a ? b : a));
      const first = seqs.reduce((a, b) => (b < a ? b : a));
      const started = process.hrtime.bigint();
      const rows = await this.prisma.sql.query<{ last_seq: string }>(CLAIM_SQL, [last.toString(), first.toString()]);
      this.observeRoundTrip('claim', started);
      return rows.length ? new Set(offsets) : new Set();
    } catch (err) {
      for (const listener of this.claimFailedListeners) listener();
      throw err;
    }
  }

  private observeRoundTrip(statement: 'append' | 'claim', started: bigint): void {
    this.metrics?.eventLogRoundTrip.observe({ statement }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** `listener` runs whenever a claim fails, leaving committed events to the outbox relay. */
  onClaimFailed(listener: () => void): void {
    this.claimFailedListeners.push(listener);
  }

  /**
   * Claims committed events older than `graceMs` that nobody has emitted, oldest appends
   * first, and returns them to be emitted (the outbox relay): whole appends, as many as fit in
   * `limit` events (always at least one), plus up to `limit` events a previous version left in
   * its per-event outbox. Rows another relay holds are skipped, not waited for.
   */
  async claimOrphans(graceMs: number, limit: number): Promise<OutboxEvent[]> {
    const rows = await this.prisma.sql.query<{ seq: string; namespace: string; event: string; payload: unknown; rooms: string[] }>(
      `WITH due AS (
         SELECT last_seq, first_seq FROM event_outbox_runs
          WHERE created_at < clock_timestamp() - $1::double precision * interval '1 millisecond'
          ORDER BY last_seq LIMIT $2 FOR UPDATE SKIP LOCKED
       ), fitting AS (
         SELECT last_seq FROM (
           SELECT last_seq, sum(last_seq - first_seq + 1) OVER w AS upto, row_number() OVER w AS n FROM due WINDOW w AS (ORDER BY last_seq)
         ) counted WHERE upto <= $2 OR n = 1
       ), gone AS (
         DELETE FROM event_outbox_runs o USING fitting WHERE o.last_seq = fitting.last_seq RETURNING o.first_seq, o.last_seq
       ), legacy_due AS (
         SELECT seq FROM event_outbox WHERE created_at < clock_timestamp() - $1::double precision * interval '1 millisecond'
          ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED
       ), legacy_gone AS (
         DELETE FROM event_outbox o USING legacy_due WHERE o.seq = legacy_due.seq RETURNING o.seq
       ), claimed AS (
         SELECT e.seq FROM gone JOIN events e ON e.seq BETWEEN gone.first_seq AND gone.last_seq
         UNION ALL
         SELECT seq FROM legacy_gone
       )
       SELECT e.seq::text AS seq, e.namespace, e.event, e.payload, ${ROOMS_OF_EVENT} AS rooms
         FROM events e JOIN claimed ON claimed.seq = e.seq
        ORDER BY e.seq`,
      [graceMs, limit],
    );
    return rows.map((row) => ({
      offset: row.seq,
      namespace: row.namespace,
      event: row.event,
      payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>,
      rooms: row.rooms,
    }));
  }

  /**
   * Fault injection for the outbox tests (HERALD_FAULT_EXIT_AFTER_COMMIT, never set in
   * production): dies like kill -9 between a commit and its emit.
   */
  afterCommit(): void {
    if (this.config.faults.exitAfterCommit) process.kill(process.pid, 'SIGKILL');
  }

  /**
   * One statement per batch, so one round trip instead of five (BEGIN, head, events, rooms,
   * COMMIT): the batch's latency is what every publish in it waits for. A statement is
   * atomic on its own, and the head row's lock, taken first, is held until it commits, so
   * batches still commit in offset order across instances (gap-safe replay). The stored
   * events get one outbox row together (emitted once, by whoever claims it), which covers
   * their offsets from first to last: a row each cost a 500-event batch a sixth of its
   * PostgreSQL time, counting the claim's deletes. An event's rooms are
   * written twice from the one list: as its `rooms` (what gap repair and the relay read back)
   * and as ONE `event_room_runs` row per room for the whole batch, holding the offsets the batch
   * gave that room (what replay and history page by room). A row per event and room cost a
   * 500-event batch in five rooms 2,500 index entries, more than the events themselves; the
   * offsets within a run are in no particular order (readers sort). The input travels as one
   * JSON document so the same text runs on the plain driver and inside a Prisma transaction.
   * The answer is one row, not one per event: the append took one block of offsets, so the
   * offset before the block and the positions it did not store (keys used before) say every
   * event's offset. Reading back a row per event cost the server ~2 µs per event, a fifth of
   * what building and sending the input costs it. Payloads are read from the parsed document
   * with `->` (a copy of the parsed value): as a `jsonb` column of the record set PostgreSQL
   * would print each one and parse it again, which doubled what reading the input cost.
   * Only a key can conflict (offsets come from the head row), so events without one are
   * inserted without `ON CONFLICT`, whose speculative insertion costs every row it covers.
   */
  private async write(run: SqlRunner, requests: AppendRequest[]): Promise<AppendResult[]> {
    const events = requests.map((r, i) => ({
      ord: i + 1,
      namespace: r.namespace,
      event: r.event,
      payload: r.payload,
      idempotency_key: r.idempotencyKey ?? null,
      rooms: distinct(r.rooms),
    }));
    const [answer] = await run<{ before_seq: string; skipped: number[] }>(
      `WITH doc AS MATERIALIZED (
         SELECT $2::jsonb AS d
       ), raw AS (
         SELECT i.ord, i.namespace, i.event, doc.d -> (i.ord::int - 1) -> 'payload' AS payload, i.idempotency_key, i.rooms
           FROM doc CROSS JOIN LATERAL jsonb_to_recordset(doc.d) AS i(ord bigint, namespace text, event text, idempotency_key text, rooms text[])
       ), head AS (
         UPDATE event_log_head SET last_seq = last_seq + $1::bigint WHERE id = 1 RETURNING last_seq
       ), input AS (
         SELECT (SELECT last_seq FROM head) - $1::bigint + raw.ord AS seq, raw.* FROM raw
       ), stored_unkeyed AS (
         INSERT INTO events (seq, namespace, event, payload, idempotency_key, rooms)
         SELECT seq, namespace, event, payload, idempotency_key, rooms FROM input WHERE idempotency_key IS NULL ORDER BY seq
         RETURNING seq
       ), stored_keyed AS (
         INSERT INTO events (seq, namespace, event, payload, idempotency_key, rooms)
         SELECT seq, namespace, event, payload, idempotency_key, rooms FROM input WHERE idempotency_key IS NOT NULL ORDER BY seq
         ON CONFLICT DO NOTHING RETURNING seq
       ), stored AS (
         SELECT seq FROM stored_unkeyed UNION ALL SELECT seq FROM stored_keyed
       ), runs AS (
         INSERT INTO event_room_runs (namespace, room, last_seq, event_count, seqs)
         SELECT input.namespace, r.room, max(input.seq), count(*), array_agg(input.seq)
           FROM input JOIN stored ON stored.seq = input.seq CROSS JOIN LATERAL unnest(input.rooms) AS r(room)
          GROUP BY input.namespace, r.room
         RETURNING 1
       ), outbox AS (
         INSERT INTO event_outbox_runs (first_seq, last_seq) SELECT min(seq), max(seq) FROM stored HAVING count(*) > 0 RETURNING 1
       )
       SELECT ((SELECT last_seq FROM head) - $1::bigint)::text AS before_seq,
              ARRAY(SELECT ord::int FROM input WHERE NOT EXISTS (SELECT 1 FROM stored WHERE stored.seq = input.seq)) AS skipped`,
      [requests.length, JSON.stringify(events)],
    );
    // Event i (from 0) was given offset before_seq + i + 1, unless its key was used before.
    const base = BigInt(answer.before_seq);
    const skipped = new Set(answer.skipped.map((ord) => ord - 1));
    const duplicateKeys = requests.filter((r, i) => skipped.has(i) && r.idempotencyKey).map((r) => r.idempotencyKey!);
    const existing = new Map<string, string>();
    if (duplicateKeys.length) {
      const rows = await run<{ idempotency_key: string; seq: string }>(
        'SELECT idempotency_key, seq::text AS seq FROM events WHERE idempotency_key = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))',
        [JSON.stringify(duplicateKeys)],
      );
      for (const row of rows) existing.set(row.idempotency_key, row.seq);
    }
    return requests.map((r, i) =>
      skipped.has(i) ? { offset: existing.get(r.idempotencyKey ?? '') ?? '0', duplicate: true } : { offset: (base + BigInt(i + 1)).toString(), duplicate: false },
    );
  }

  /**
   * Events delivered to any of `rooms` after `since`, oldest first, each once.
   *
   * Identical reads requested within one event-loop turn share one query (a reconnect storm
   * asks for the same room and offset a thousand times). The query is sent only after that
   * turn, so it still starts after every sharer asked for it: whatever a sharer missed live
   * was committed before its request and is in the result. A page that came back full is
   * final and is kept for a while (FinalPageCache), so sharers that arrive later skip the
   * query too. The result is shared: read only.
   */
  readAfter(namespace: string, rooms: string[], since: string, limit: number): Promise<LoggedEvent[]> {
    const key = JSON.stringify([namespace, [...rooms].sort(), since, limit]);
    const final = this.finalPages.get(key);
    if (final) return Promise.resolve(final);
    const pending = this.pendingReads.get(key);
    if (pending) return pending;
    const read = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      this.pendingReads.delete(key);
      const page = await this.queryAfter(namespace, rooms, since, limit);
      // A page with a pending event changes when it is emitted: not final yet.
      if (page.length === limit && !page.some((e) => e.pending)) this.finalPages.set(key, page);
      return page;
    });
    this.pendingReads.set(key, read);
    return read;
  }

  /**
   * The first `limit` offsets after `since` in any of `rooms`, read from each room's runs in
   * offset order. A room's runs never interleave (each append takes one contiguous block of
   * offsets), so only the first run can hold offsets at or below `since`; every later one is
   * wholly after it. Each room therefore stops at the run by which the runs between its first
   * and the current one already hold `limit` offsets — the arrays of later runs are never read.
   * Rows an older version wrote one per event (event_rooms_legacy) are read alongside.
   */
  private async queryAfter(namespace: string, rooms: string[], since: string, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.prisma.sql.query<{ seq: string; event: string; payload: unknown; created_at: Date | string; pending: boolean }>(
      `SELECT e.seq::text AS seq, e.event, e.payload, e.created_at,
              ${PENDING_EVENT} AS pending
         FROM events e
        WHERE e.seq IN (
          SELECT s.seq
            FROM unnest($2::text[]) AS wanted(room)
            CROSS JOIN LATERAL (
              SELECT counted.seqs FROM (
                SELECT run.seqs,
                       sum(run.event_count) OVER (ORDER BY run.last_seq) - run.event_count
                         - first_value(run.event_count) OVER (ORDER BY run.last_seq) AS between_count
                  FROM (SELECT seqs, event_count, last_seq FROM event_room_runs
                         WHERE namespace = $1 AND room = wanted.room AND last_seq > $3::bigint
                         ORDER BY last_seq LIMIT $4) run
              ) counted
              WHERE counted.between_count < $4
            ) picked
            CROSS JOIN LATERAL unnest(picked.seqs) AS s(seq)
           WHERE s.seq > $3::bigint
          UNION
          (SELECT DISTINCT r.seq FROM event_rooms_legacy r
            WHERE r.namespace = $1 AND r.room = ANY($2::text[]) AND r.seq > $3::bigint
            ORDER BY r.seq LIMIT $4)
          ORDER BY 1 LIMIT $4)
        ORDER BY e.seq`,
      [namespace, rooms, since, limit],
    );
    return rows.map(toLogged);
  }

  /**
   * Every event after `after`, oldest first, whatever its namespace, with the rooms it went
   * to: what an instance reads to deliver broadcasts it never received (gap repair). Offsets
   * are gap-safe, so an offset missing below the highest one returned will never exist.
   */
  async readRange(after: bigint, limit: number): Promise<RoutedEvent[]> {
    const rows = await this.prisma.sql.query<{ seq: string; namespace: string; event: string; payload: unknown; created_at: Date | string; rooms: string[] }>(
      `SELECT e.seq::text AS seq, e.namespace, e.event, e.payload, e.created_at, ${ROOMS_OF_EVENT} AS rooms
         FROM events e
        WHERE e.seq > $1::bigint
        ORDER BY e.seq LIMIT $2`,
      [after.toString(), limit],
    );
    return rows.map((row) => ({ ...toLogged(row), namespace: row.namespace, rooms: row.rooms }));
  }

  /**
   * Newest first, before `before` (history paging). The room's runs wholly below `before` are
   * read newest first until they hold `limit` offsets; the one run that may straddle `before`
   * (the oldest whose last offset is at or above it) is read too, and filtered.
   */
  async readBefore(namespace: string, room: string, before: string | undefined, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.prisma.sql.query<{ seq: string; event: string; payload: unknown; created_at: Date | string }>(
      `SELECT e.seq::text AS seq, e.event, e.payload, e.created_at
         FROM events e
        WHERE e.seq IN (
          SELECT s.seq
            FROM (
              SELECT counted.seqs FROM (
                SELECT run.seqs, sum(run.event_count) OVER (ORDER BY run.last_seq DESC) - run.event_count AS newer_count
                  FROM (SELECT seqs, event_count, last_seq FROM event_room_runs
                         WHERE namespace = $1 AND room = $2 AND last_seq < $3::bigint
                         ORDER BY last_seq DESC LIMIT $4) run
              ) counted
              WHERE counted.newer_count < $4
              UNION ALL
              (SELECT seqs FROM event_room_runs
                WHERE namespace = $1 AND room = $2 AND last_seq >= $3::bigint
                ORDER BY last_seq LIMIT 1)
            ) picked
            CROSS JOIN LATERAL unnest(picked.seqs) AS s(seq)
           WHERE s.seq < $3::bigint
          UNION
          (SELECT r.seq FROM event_rooms_legacy r
            WHERE r.namespace = $1 AND r.room = $2 AND r.seq < $3::bigint
            ORDER BY r.seq DESC LIMIT $4)
          ORDER BY 1 DESC LIMIT $4)
        ORDER BY e.seq DESC`,
      [namespace, room, before ?? NEWEST, limit],
    );
    return rows.map(toLogged);
  }

  /** Highest offset removed by retention; replays from below it cannot be complete. Shared like readAfter. */
  prunedThrough(): Promise<bigint> {
    if (this.pendingPruned) return this.pendingPruned;
    const read = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.pendingPruned = undefined;
      return this.queryPrunedThrough();
    });
    this.pendingPruned = read;
    return read;
  }

  private async queryPrunedThrough(): Promise<bigint> {
    const [row] = await this.prisma.sql.query<{ pruned_through: string }>(
      'SELECT pruned_through::text FROM event_log_head WHERE id = 1',
    );
    return BigInt(row?.pruned_through ?? '0');
  }

  async lastOffset(): Promise<string> {
    const [row] = await this.prisma.sql.query<{ last_seq: string }>('SELECT last_seq::text FROM event_log_head WHERE id = 1');
    return row?.last_seq ?? '0';
  }

  /** Deletes events older than EVENT_RETENTION_HOURS in chunks; returns how many went. Stops between chunks once `signal` aborts. */
  async prune(now = new Date(), signal?: AbortSignal): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.eventRetentionHours * 3_600_000);
    let total = 0;
    for (;;) {
      const removed = await this.prisma.sql.transaction(async (tx) => {
        const rows = await tx.query<{ removed: string; max_seq: string | null; namespaces: string[] | null; rooms: string[] | null }>(
          // An event's legacy room rows (found by its room list, through their primary key) and
          // any outbox row of a previous version go with it: no foreign keys cascade, they would
          // cost every append a check.
          `WITH doomed AS (SELECT seq, namespace, rooms FROM events WHERE created_at < $1 ORDER BY seq LIMIT 5000),
                rooms AS (SELECT seq, namespace, unnest(rooms) AS room FROM doomed),
                legacy AS (DELETE FROM event_rooms_legacy r USING rooms d
                            WHERE r.namespace = d.namespace AND r.room = d.room AND r.seq = d.seq),
                unlisted AS (DELETE FROM event_rooms_legacy r WHERE r.seq IN (SELECT seq FROM doomed WHERE rooms IS NULL)),
                outbox AS (DELETE FROM event_outbox o WHERE o.seq IN (SELECT seq FROM doomed)),
                gone AS (DELETE FROM events WHERE seq IN (SELECT seq FROM doomed) RETURNING seq),
                touched AS (SELECT DISTINCT namespace, room FROM rooms)
           SELECT (SELECT count(*) FROM gone)::text AS removed, (SELECT max(seq) FROM gone)::text AS max_seq, t.namespaces, t.rooms
             FROM (SELECT array_agg(namespace) AS namespaces, array_agg(room) AS rooms FROM touched) t`,
          [cutoff.toISOString()],
        );
        const { removed, max_seq, namespaces, rooms } = rows[0];
        if (max_seq) {
          await tx.query('UPDATE event_log_head SET pruned_through = GREATEST(pruned_through, $1::bigint) WHERE id = 1', [max_seq]);
          // An append's outbox row (its events never emitted) goes with the last of its events.
          await tx.query(
            `DELETE FROM event_outbox_runs o
              WHERE o.last_seq <= (SELECT pruned_through FROM event_log_head WHERE id = 1)
                AND NOT EXISTS (SELECT 1 FROM events e WHERE e.seq BETWEEN o.first_seq AND o.last_seq)`,
            [],
          );
        }
        if (namespaces && rooms) {
          // A run goes with the last of its events. Events do not leave in offset order (their
          // time is their transaction's start), so a run of a room this chunk touched may still
          // hold one; the runs looked at are those ending at or below the highest offset pruned
          // so far, found through the primary key.
          await tx.query(
            `DELETE FROM event_room_runs r USING unnest($1::text[], $2::text[]) AS t(namespace, room)
              WHERE r.namespace = t.namespace AND r.room = t.room
                AND r.last_seq <= (SELECT pruned_through FROM event_log_head WHERE id = 1)
                AND NOT EXISTS (SELECT 1 FROM events e WHERE e.seq = ANY(r.seqs))`,
            [namespaces, rooms],
          );
        }
        return Number(removed);
      });
      total += removed;
      if (removed < 5000 || signal?.aborted) break;
    }
    if (total) {
      this.finalPages.clear();
      this.logger.log(`retention removed ${total} events`);
    }
    return total;
  }

  /**
   * Drops the replay pages kept in memory: after a transaction rewrote logged payloads
   * (rewriteLoggedPayloads), a cached page could still hold the old values.
   */
  forgetCachedPages(): void {
    this.finalPages.clear();
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Let in-flight appends finish before the database closes.
    await this.flushing?.catch(() => undefined);
  }
}

function toLogged(row: { seq: string; event: string; payload: unknown; created_at: Date | string; pending?: boolean }): LoggedEvent {
  const payload = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>;
  const logged: LoggedEvent = { offset: row.seq, event: row.event, payload, createdAt: new Date(row.created_at) };
  if (row.pending) logged.pending = true;
  return logged;
}

/**
 * The rooms without repeats, in first-seen order: the array itself when it has none (the
 * usual case; an event's rooms are a handful), so an append makes no Set and no copy per event.
 */
export function distinct(rooms: string[]): string[] {
  // Pairwise for a handful; a long list gets the Set either way (no quadratic scan).
  if (rooms.length > 16) return [...new Set(rooms)];
  for (let i = 1; i < rooms.length; i++) {
    if (rooms.lastIndexOf(rooms[i], i - 1) >= 0) return [...new Set(rooms)];
  }
  return rooms;
}

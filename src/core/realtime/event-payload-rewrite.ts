/**
 * Rewrites one field of already logged event payloads, inside the caller's transaction.
 *
 * A module whose domain change makes earlier events wrong to keep (a deleted message's
 * body, an edited message's previous bodies) calls this in the same transaction as that
 * change, so the log never serves the old value once the change is committed: not through
 * `since` replay, not through `GET /api/history`. Call `EventLogService.forgetCachedPages()`
 * after the commit: replay pages read before it may be cached in memory.
 *
 * The scan is bounded by the room (its runs in `event_room_runs`, found by primary key), so
 * its cost is the room's logged traffic, not the whole log; `loggedSince` then narrows which
 * of those events are rewritten.
 */

/** Any Prisma client or interactive-transaction client. */
export interface RawSqlExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface LoggedPayloadRewrite {
  namespace: string;
  /** Only events delivered to this room are considered. */
  room: string;
  /** Only events logged at or after this time are considered. */
  loggedSince: Date;
  /** A JSON path in the payload (e.g. `['message', 'id']`) and the string value it must hold. */
  where: { path: string[]; equals: string };
  /** The JSON path to overwrite and its new value (any JSON value, null included). */
  set: { path: string[]; value: unknown };
}

/** Resolves with the number of events rewritten (those already holding the value are left alone). */
export function rewriteLoggedPayloads(tx: RawSqlExecutor, rewrite: LoggedPayloadRewrite): Promise<number> {
  return tx.$executeRawUnsafe(
    `UPDATE events e SET payload = jsonb_set(e.payload, $5::text[], $6::jsonb)
      WHERE e.seq IN (
              SELECT s.seq FROM event_room_runs r CROSS JOIN LATERAL unnest(r.seqs) AS s(seq)
               WHERE r.namespace = $1 AND r.room = $2
              UNION ALL
              SELECT r.seq FROM event_rooms_legacy r WHERE r.namespace = $1 AND r.room = $2)
        AND e.created_at >= $3::timestamptz
        AND e.payload #>> $4::text[] = $7
        AND e.payload #> $5::text[] IS DISTINCT FROM $6::jsonb`,
    rewrite.namespace,
    rewrite.room,
    rewrite.loggedSince.toISOString(),
    rewrite.where.path,
    rewrite.set.path,
    JSON.stringify(rewrite.set.value ?? null),
    rewrite.where.equals,
  );
}

import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../core/prisma';

/**
 * The upstream poller's progress, one row per feed URL: the next sequence number to fetch
 * and a lease, so that when a run outlasts its tick no other instance polls the same feed.
 */
@Injectable()
export class KillmailPollerCursorRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Takes (or renews) the feed's lease for `owner`. Resolves with the next sequence to fetch
   * (`null` when the feed has no cursor yet), or `undefined` when another owner holds a live lease.
   */
  async lease(feed: string, owner: string, ttlMs: number): Promise<{ nextSequence: bigint | null } | undefined> {
    const rows = await this.prisma.sql.query<{ next_sequence: string | null }>(
      `INSERT INTO killmail_poller_cursors (feed, next_sequence, lease_owner, lease_until, updated_at)
            VALUES ($1, -1, $2, now() + ($3::int * interval '1 millisecond'), now())
       ON CONFLICT (feed) DO UPDATE
             SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until
           WHERE killmail_poller_cursors.lease_owner IS NULL
              OR killmail_poller_cursors.lease_owner = EXCLUDED.lease_owner
              OR killmail_poller_cursors.lease_until < now()
       RETURNING next_sequence::text`,
      [feed, owner, ttlMs],
    );
    if (!rows.length) return undefined;
    const next = BigInt(rows[0].next_sequence ?? '-1');
    return { nextSequence: next < 0n ? null : next };
  }

  /** Records progress; false when the lease was lost meanwhile (the caller stops). */
  async advance(feed: string, owner: string, nextSequence: bigint, ttlMs: number): Promise<boolean> {
    const rows = await this.prisma.sql.query(
      `UPDATE killmail_poller_cursors
          SET next_sequence = $3::bigint, lease_until = now() + ($4::int * interval '1 millisecond'), updated_at = now()
        WHERE feed = $1 AND lease_owner = $2
        RETURNING feed`,
      [feed, owner, nextSequence.toString(), ttlMs],
    );
    return rows.length === 1;
  }

  async release(feed: string, owner: string): Promise<void> {
    await this.prisma.sql.query(
      'UPDATE killmail_poller_cursors SET lease_owner = NULL, lease_until = NULL WHERE feed = $1 AND lease_owner = $2',
      [feed, owner],
    );
  }

  async read(feed: string): Promise<bigint | null> {
    const row = await this.prisma.killmailPollerCursor.findUnique({ where: { feed } });
    return row && row.nextSequence >= 0n ? row.nextSequence : null;
  }
}

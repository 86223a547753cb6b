import { Injectable } from '@nestjs/common';
import type { IntelligenceItem } from '../../generated/prisma/client';
import { DomainError } from '../../core/errors';
import { PrismaService } from '../../core/prisma';
import type { SqlTransaction } from '../../core/realtime';
import type { NewItem } from './country.repository';
import type { IntelligenceCategory } from './intelligence.events';

interface ItemQuery {
  countryId?: string;
  category?: IntelligenceCategory;
  /** Item id: only older items. */
  before?: string;
  limit: number;
}

const ITEM_COLUMNS = 'id::text AS id, category::text AS category, priority::text AS priority, country_id, title, description, data, dedupe_key, created_at';

interface ItemRow {
  id: string;
  category: string;
  priority: string;
  country_id: string;
  title: string;
  description: string;
  data: unknown;
  dedupe_key: string | null;
  created_at: Date | string;
}

/** What became of one input of createMany. */
export type ItemWrite =
  | { kind: 'item'; item: IntelligenceItem; created: boolean }
  | { kind: 'unknownCountry' }
  /** `of`: the index of the earlier input with the same dedupe key, which was written instead. */
  | { kind: 'repeat'; of: number };

function fromRow(row: ItemRow): IntelligenceItem {
  return {
    id: BigInt(row.id),
    category: row.category as IntelligenceItem['category'],
    priority: row.priority as IntelligenceItem['priority'],
    countryId: row.country_id,
    title: row.title,
    description: row.description,
    data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as IntelligenceItem['data'],
    dedupeKey: row.dedupe_key,
    createdAt: new Date(row.created_at),
  };
}

/** Intelligence items (feeds, alerts, achievements). The only code that reads or writes `intelligence_items` (besides the baseline advance that creates alert items atomically). */
@Injectable()
export class IntelligenceItemRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Creates an item; with a `dedupeKey` the same key yields the existing item instead
   * (`created: false`, also when two requests race). An unknown country is a not-found
   * error. The statement locks the country FOR KEY SHARE and inserts only if it found it:
   * items have no foreign key (a check per row cost batches a quarter of their insert), so
   * this lock is what keeps a concurrent delete of the country from leaving an orphan.
   *
   * Plain SQL, one statement (achievement unlocks; `POST /api/intelligence/updates` writes
   * through createMany, grouped). The Prisma client spent ~0.8 ms of CPU per create here
   * (query compilation and result mapping) when the single route still used it (bench P5).
   */
  async create(tx: SqlTransaction, countryId: string, item: NewItem, dedupeKey?: string): Promise<{ item: IntelligenceItem; created: boolean }> {
    // One row whatever happened: whether the country is there, and the item if one was stored.
    const [written] = await tx.query<{ known: boolean } & (ItemRow | { [K in keyof ItemRow]: null })>(
      `WITH known AS (
         SELECT c.id FROM countries c WHERE c.id = $3 FOR KEY SHARE OF c
       ), stored AS (
         INSERT INTO intelligence_items (category, priority, country_id, title, description, data, dedupe_key)
         SELECT $1::intelligence_category, $2::intelligence_priority, known.id, $4, $5, $6::jsonb, $7 FROM known
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING ${ITEM_COLUMNS}
       )
       SELECT EXISTS (SELECT 1 FROM known) AS known, stored.* FROM (SELECT 1) AS one LEFT JOIN stored ON true`,
      [item.category, item.priority, countryId, item.title, item.description, JSON.stringify(item.data), dedupeKey ?? null],
    );
    if (!written.known) throw DomainError.notFound(`country ${countryId} not found`);
    if (written.id !== null) return { item: fromRow(written), created: true };
    // Only a dedupe key can conflict: the item it names already exists.
    const [existing] = await tx.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM intelligence_items WHERE dedupe_key = $1`, [
      dedupeKey ?? null,
    ]);
    if (!existing) throw new Error(`intelligence item with dedupe key ${dedupeKey} vanished`);
    return { item: fromRow(existing), created: false };
  }

  /** Newest first, keyset-paged by id. */
  list(query: ItemQuery): Promise<IntelligenceItem[]> {
    return this.prisma.intelligenceItem.findMany({
      where: {
        ...(query.countryId ? { countryId: query.countryId } : {}),
        ...(query.category ? { category: query.category } : {}),
        ...(query.before ? { id: { lt: BigInt(query.before) } } : {}),
      },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
  }

  /**
   * Grouped and batch publish: creates many items in ONE statement inside the caller's
   * transaction and reports, per input (same order), what became of it:
   * - `unknownCountry`: its country does not exist (nothing stored for it);
   * - `repeat` of an earlier input of this call with the same dedupe key and an existing
   *   country (that one decides; this one stores nothing);
   * - otherwise the item: created by this call, or (`created: false`) the item stored
   *   earlier under its dedupe key.
   *
   * The same statement locks the existing countries against deletion (FOR KEY SHARE, in id
   * order) before any item is inserted and inserts items only for those: items have no
   * foreign key, and this lock is what a key check per row gave (at a quarter of the insert's
   * cost), once per country; the existence check costs no round trip of its own. Ids are drawn
   * from the table's sequence up front, in input order (volatile expressions are evaluated
   * after the ORDER BY), so that each returned row maps back to its input (RETURNING
   * promises no order) and a feed lists a batch in the order it was sent. The statement answers
   * in one row of comma-separated lists (input position, first position with its key, id)
   * rather than a row per item: reading those back cost the server ~3 µs per item, about half
   * of what building and sending the input costs it. (PostgreSQL arrays, which the driver
   * parses character by character, cost ~0.8 µs per item more than these lists.)
   * `data` is read from the parsed input with `->`, not as a `jsonb` column of the record set
   * (docs/platform.md, "Database").
   *
   * Every CTE is joined at most once, and only on columns the planner can hash: with a
   * filtered CTE on each side it estimated one row for both and chose a nested loop, which
   * for a 500-item batch compared 250,000 pairs and took 23 of the statement's 31 ms.
   */
  async createMany(tx: SqlTransaction, inputs: Array<{ countryId: string; item: NewItem; dedupeKey?: string }>): Promise<ItemWrite[]> {
    if (!inputs.length) return [];
    const rows = inputs.map((input, ord) => ({
      ord,
      category: input.item.category,
      priority: input.item.priority,
      country_id: input.countryId,
      title: input.item.title,
      description: input.item.description,
      data: input.item.data,
      dedupe_key: input.dedupeKey ?? null,
    }));
    const [written] = await tx.query<{ ords: string | null; first_ords: string | null; ids: string | null; created_at: Date | string | null }>(
      `WITH doc AS MATERIALIZED (
         SELECT $1::jsonb AS d
       ), input AS (
         SELECT i.ord, i.category, i.priority, i.country_id, i.title, i.description, doc.d -> i.ord -> 'data' AS data, i.dedupe_key
           FROM doc CROSS JOIN LATERAL jsonb_to_recordset(doc.d)
             AS i(ord int, category text, priority text, country_id text, title text, description text, dedupe_key text)
       ), known AS (
         SELECT c.id FROM countries c WHERE c.id IN (SELECT country_id FROM input) ORDER BY c.id FOR KEY SHARE OF c
       ), accepted AS (
         SELECT input.*, CASE WHEN dedupe_key IS NULL THEN ord ELSE min(ord) OVER (PARTITION BY dedupe_key) END AS first_ord
           FROM input WHERE country_id IN (SELECT id FROM known)
       ), numbered AS (
         SELECT CASE WHEN first_ord = ord THEN nextval('intelligence_items_id_seq') END AS id, accepted.* FROM accepted ORDER BY ord
       ), stored AS (
         INSERT INTO intelligence_items (id, category, priority, country_id, title, description, data, dedupe_key)
         SELECT id, category::intelligence_category, priority::intelligence_priority, country_id, title, description, data, dedupe_key
           FROM numbered WHERE id IS NOT NULL ORDER BY ord
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id, created_at
       )
       SELECT string_agg(numbered.ord::text, ',' ORDER BY numbered.ord) AS ords,
              string_agg(numbered.first_ord::text, ',' ORDER BY numbered.ord) AS first_ords,
              string_agg(coalesce(stored.id::text, ''), ',' ORDER BY numbered.ord) AS ids,
              max(stored.created_at) AS created_at
         FROM numbered LEFT JOIN stored ON stored.id = numbered.id`,
      [JSON.stringify(rows)],
    );
    // One row of parallel lists over the accepted inputs (known country), in input order; an
    // empty id is an input not inserted (a repeat, or a dedupe key stored before).
    const accepted = new Map<number, { firstOrd: number; id: string | null }>();
    if (written.ords !== null) {
      const firstOrds = written.first_ords!.split(',');
      const ids = written.ids!.split(',');
      written.ords.split(',').forEach((ord, j) => accepted.set(Number(ord), { firstOrd: Number(firstOrds[j]), id: ids[j] || null }));
    }
    const conflicting = [...accepted].filter(([ord, r]) => r.firstOrd === ord && r.id === null).map(([ord]) => inputs[ord].dedupeKey!);
    const existing = new Map<string, IntelligenceItem>();
    if (conflicting.length) {
      const found = await tx.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM intelligence_items WHERE dedupe_key = ANY($1::text[])`, [conflicting]);
      for (const row of found) existing.set(row.dedupe_key!, fromRow(row));
    }
    // The column's default is the transaction's time: the same for every item of the statement.
    const createdAtMs = new Date(written.created_at ?? 0).getTime();
    return inputs.map((input, ord): ItemWrite => {
      const row = accepted.get(ord);
      if (!row) return { kind: 'unknownCountry' };
      if (row.firstOrd !== ord) return { kind: 'repeat', of: row.firstOrd };
      if (row.id !== null) {
        const item: IntelligenceItem = {
          id: BigInt(row.id),
          category: input.item.category,
          priority: input.item.priority,
          countryId: input.countryId,
          title: input.item.title,
          description: input.item.description,
          data: input.item.data as IntelligenceItem['data'],
          dedupeKey: input.dedupeKey ?? null,
          createdAt: new Date(createdAtMs),
        };
        return { kind: 'item', item, created: true };
      }
      const stored = existing.get(input.dedupeKey ?? '');
      // Only a dedupe key can conflict, and a committed row does not go away under our transaction.
      if (!stored) throw new Error(`intelligence item with dedupe key ${input.dedupeKey} vanished`);
      return { kind: 'item', item: stored, created: false };
    });
  }
}

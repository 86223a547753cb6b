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

const FOREIGN_KEY_VIOLATION = '23503';
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
   * error: the foreign key decides, so there is no existence query first.
   *
   * Plain SQL, one statement (achievement unlocks; `POST /api/intelligence/updates` writes
   * through createMany, grouped). The Prisma client spent ~0.8 ms of CPU per create here
   * (query compilation and result mapping) when the single route still used it (bench P5).
   */
  async create(tx: SqlTransaction, countryId: string, item: NewItem, dedupeKey?: string): Promise<{ item: IntelligenceItem; created: boolean }> {
    let rows: ItemRow[];
    try {
      rows = await tx.query<ItemRow>(
        `INSERT INTO intelligence_items (category, priority, country_id, title, description, data, dedupe_key)
         VALUES ($1::intelligence_category, $2::intelligence_priority, $3, $4, $5, $6::jsonb, $7)
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING ${ITEM_COLUMNS}`,
        [item.category, item.priority, countryId, item.title, item.description, JSON.stringify(item.data), dedupeKey ?? null],
      );
    } catch (err) {
      if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) throw DomainError.notFound(`country ${countryId} not found`);
      throw err;
    }
    if (rows.length) return { item: fromRow(rows[0]), created: true };
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
   * Batch publish: creates many items in one statement inside the caller's transaction and
   * reports, per input (same order), the stored item and whether this call created it. An
   * input whose dedupe key is already stored yields the stored item (`created: false`).
   * Callers pass each dedupe key once per call and only countries known to exist (locked
   * with lockCountries), so the statement neither conflicts with itself nor fails a
   * foreign key half-way through a batch.
   *
   * Ids are drawn from the table's sequence up front so that each returned row maps back
   * to its input (RETURNING promises no order).
   */
  async createMany(tx: SqlTransaction, inputs: Array<{ countryId: string; item: NewItem; dedupeKey?: string }>): Promise<Array<{ item: IntelligenceItem; created: boolean }>> {
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
    const inserted = await tx.query<{ ord: number; id: string; created_at: Date | string }>(
      `WITH input AS (
         SELECT nextval('intelligence_items_id_seq') AS id, i.*
           FROM jsonb_to_recordset($1::jsonb)
             AS i(ord int, category text, priority text, country_id text, title text, description text, data jsonb, dedupe_key text)
       ), stored AS (
         INSERT INTO intelligence_items (id, category, priority, country_id, title, description, data, dedupe_key)
         SELECT id, category::intelligence_category, priority::intelligence_priority, country_id, title, description, data, dedupe_key
           FROM input ORDER BY ord
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id, created_at
       )
       SELECT input.ord, stored.id::text AS id, stored.created_at FROM stored JOIN input ON input.id = stored.id`,
      [JSON.stringify(rows)],
    );
    const createdAt = new Map(inserted.map((r) => [Number(r.ord), r]));
    const conflicting = inputs.filter((input, ord) => !createdAt.has(ord) && input.dedupeKey).map((input) => input.dedupeKey!);
    const existing = new Map<string, IntelligenceItem>();
    if (conflicting.length) {
      const found = await tx.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM intelligence_items WHERE dedupe_key = ANY($1::text[])`, [conflicting]);
      for (const row of found) existing.set(row.dedupe_key!, fromRow(row));
    }
    return inputs.map((input, ord) => {
      const row = createdAt.get(ord);
      if (row) {
        const item: IntelligenceItem = {
          id: BigInt(row.id),
          category: input.item.category,
          priority: input.item.priority,
          countryId: input.countryId,
          title: input.item.title,
          description: input.item.description,
          data: input.item.data as IntelligenceItem['data'],
          dedupeKey: input.dedupeKey ?? null,
          createdAt: new Date(row.created_at),
        };
        return { item, created: true };
      }
      const stored = existing.get(input.dedupeKey ?? '');
      // Only a dedupe key can conflict, and a committed row does not go away under our transaction.
      if (!stored) throw new Error(`intelligence item with dedupe key ${input.dedupeKey} vanished`);
      return { item: stored, created: false };
    });
  }
}

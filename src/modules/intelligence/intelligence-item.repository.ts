import { Injectable } from '@nestjs/common';
import { Prisma, type IntelligenceItem } from '../../generated/prisma/client';
import { DomainError } from '../../core/errors';
import { PrismaService } from '../../core/prisma';
import type { NewItem } from './country.repository';
import type { IntelligenceCategory } from './intelligence.events';

export interface ItemQuery {
  countryId?: string;
  category?: IntelligenceCategory;
  /** Item id: only older items. */
  before?: string;
  limit: number;
}

/** Intelligence items (feeds, alerts, achievements). The only Prisma user for `intelligence_items` (besides the baseline advance that creates alert items atomically). */
@Injectable()
export class IntelligenceItemRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Creates an item; with a `dedupeKey` the same key yields the existing item instead
   * (`created: false`). An unknown country is a not-found error (the foreign key decides).
   */
  async create(countryId: string, item: NewItem, dedupeKey?: string): Promise<{ item: IntelligenceItem; created: boolean }> {
    if (dedupeKey) {
      const existing = await this.prisma.intelligenceItem.findUnique({ where: { dedupeKey } });
      if (existing) return { item: existing, created: false };
    }
    try {
      const created = await this.prisma.intelligenceItem.create({ data: { ...item, data: item.data as Prisma.InputJsonObject, countryId, dedupeKey } });
      return { item: created, created: true };
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2003') {
        throw DomainError.notFound(`country ${countryId} not found`);
      }
      // two concurrent requests with one key: the loser returns the winner's item
      if (dedupeKey && err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        const existing = await this.prisma.intelligenceItem.findUnique({ where: { dedupeKey } });
        if (existing) return { item: existing, created: false };
      }
      throw err;
    }
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
}

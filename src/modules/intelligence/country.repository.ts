import { Injectable } from '@nestjs/common';
import type { Country, CountrySnapshot, IntelligenceItem, Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../core/prisma';
import type { Transaction } from '../../core/realtime';
import type { Figures } from './change-detection';
import type { IntelligenceCategory, IntelligencePriority } from './intelligence.events';

export interface CountryFigures extends Figures {
  name: string;
}

/** What the broadcast job reads of a country. */
export interface CheckedCountry extends CountryFigures {
  id: string;
}

export interface CountryRecord extends CheckedCountry {
  createdAt: Date;
  updatedAt: Date;
}

/** What the broadcast job reads of a baseline. */
interface CheckedBaseline extends Figures {
  /** Bumped on every advance: a racing run that read an older version does not advance (or alert) again. */
  version: number;
}

interface Baseline extends CheckedBaseline {
  takenAt: Date;
}

export interface CountryDetail {
  country: CountryRecord;
  baseline: Baseline | null;
}

export interface CountryWithBaseline {
  country: CheckedCountry;
  baseline: CheckedBaseline | null;
}

export interface NewItem {
  category: IntelligenceCategory;
  priority: IntelligencePriority;
  title: string;
  description: string;
  data: Record<string, unknown>;
}

/**
 * Countries and their change-detection baseline (the snapshot), one aggregate. The only
 * Prisma user for `countries` and `country_snapshots`.
 */
@Injectable()
export class CountryRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Creates or replaces a country's figures. A new country's baseline is its first figures, so a change made before the first tick is still measured. */
  async upsert(id: string, figures: CountryFigures): Promise<{ country: CountryRecord; created: boolean }> {
    return this.prisma.$transaction(async (tx) => {
      const existed = await tx.country.findUnique({ where: { id }, select: { id: true } });
      const data = { ...figures, population: BigInt(figures.population) };
      const row = await tx.country.upsert({ where: { id }, create: { id, ...data }, update: data });
      await tx.countrySnapshot.upsert({
        where: { countryId: id },
        create: { countryId: id, gdp: data.gdp, population: data.population, vitality: data.vitality, economicTier: data.economicTier },
        update: {},
      });
      return { country: toCountry(row), created: !existed };
    });
  }

  async findById(id: string): Promise<CountryDetail | null> {
    const row = await this.prisma.country.findUnique({ where: { id }, include: { snapshot: true } });
    return row ? { country: toCountry(row), baseline: row.snapshot ? toBaseline(row.snapshot) : null } : null;
  }

  /** Health check: the database answers. */
  async ping(): Promise<void> {
    await this.prisma.country.findFirst({ select: { id: true } });
  }

  /**
   * One page in id order after `afterId` (keyset paging: constant cost per page however
   * many countries there are). Plain SQL rather than the Prisma client: this is the job's
   * hot path, and the client's result mapping costs tens of ms of event-loop time per
   * 500 rows, where the driver's own row parsing costs a few.
   */
  async page(afterId: string | undefined, size: number): Promise<CountryWithBaseline[]> {
    const rows = await this.prisma.sql.query<PageRow>(
      `SELECT c.id, c.name, c.gdp, c.population::text AS population, c.vitality, c.economic_tier,
              s.gdp AS base_gdp, s.population::text AS base_population, s.vitality AS base_vitality,
              s.economic_tier AS base_economic_tier, s.version AS base_version
         FROM countries c LEFT JOIN country_snapshots s ON s.country_id = c.id
        WHERE $1::text IS NULL OR c.id > $1::text
        ORDER BY c.id
        LIMIT $2`,
      [afterId ?? null, size],
    );
    return rows.map(fromPageRow);
  }

  /** Baselines for countries that have none (written outside PUT); existing ones are left alone. */
  async initialiseBaselines(countries: CheckedCountry[]): Promise<void> {
    if (!countries.length) return;
    await this.prisma.countrySnapshot.createMany({
      data: countries.map((c) => ({ countryId: c.id, gdp: c.gdp, population: BigInt(c.population), vitality: c.vitality, economicTier: c.economicTier })),
      skipDuplicates: true,
    });
  }

  /**
   * Advances a baseline if it is still at `expectedVersion`, and records the items that
   * advance produces, in the caller's transaction (which also carries their alert events).
   * Returns the items, or null when another run advanced it first (then that run alerted,
   * and this one must not).
   */
  async advanceBaseline(
    { db: tx }: Transaction,
    countryId: string,
    expectedVersion: number,
    next: Figures,
    items: NewItem[],
  ): Promise<IntelligenceItem[] | null> {
    {
      // Items have no foreign key to their country: hold it, so a concurrent delete of the
      // country waits for this transaction (and its trigger then removes these items too).
      // Taken before the snapshot's row lock, so such a delete cannot deadlock with this.
      if (items.length) await tx.$queryRaw`SELECT 1 FROM countries WHERE id = ${countryId} FOR KEY SHARE`;
      const { count } = await tx.countrySnapshot.updateMany({
        where: { countryId, version: expectedVersion },
        data: { gdp: next.gdp, population: BigInt(next.population), vitality: next.vitality, economicTier: next.economicTier, version: { increment: 1 }, takenAt: new Date() },
      });
      if (count !== 1) return null;
      if (!items.length) return [];
      return tx.intelligenceItem.createManyAndReturn({ data: items.map((item) => ({ ...item, countryId, data: item.data as Prisma.InputJsonObject })) });
    }
  }
}

function toCountry(row: Country): CountryRecord {
  return {
    id: row.id,
    name: row.name,
    gdp: row.gdp,
    population: Number(row.population),
    vitality: row.vitality,
    economicTier: row.economicTier,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toBaseline(row: CountrySnapshot): Baseline {
  return { gdp: row.gdp, population: Number(row.population), vitality: row.vitality, economicTier: row.economicTier, version: row.version, takenAt: row.takenAt };
}

interface PageRow {
  id: string;
  name: string;
  gdp: number | string;
  population: string;
  vitality: number | string;
  economic_tier: string;
  base_gdp: number | string | null;
  base_population: string | null;
  base_vitality: number | string | null;
  base_economic_tier: string | null;
  base_version: number | string | null;
}

function fromPageRow(row: PageRow): CountryWithBaseline {
  const country: CheckedCountry = {
    id: row.id,
    name: row.name,
    gdp: Number(row.gdp),
    population: Number(row.population),
    vitality: Number(row.vitality),
    economicTier: row.economic_tier,
  };
  const baseline: CheckedBaseline | null =
    row.base_version === null
      ? null
      : {
          gdp: Number(row.base_gdp),
          population: Number(row.base_population),
          vitality: Number(row.base_vitality),
          economicTier: row.base_economic_tier ?? '',
          version: Number(row.base_version),
        };
  return { country, baseline };
}

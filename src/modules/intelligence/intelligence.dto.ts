/**
 * Every shape of the Intelligence module: the validated inputs of its HTTP routes and socket
 * events (parsed with `parseInput`), the outputs of its routes, and the mappers from stored
 * rows to them.
 */
import { z } from 'zod';
import { ids } from '../../core/errors';
import { pageSchema, type Page } from '../../core/paging';
import type { IntelligenceItem } from '../../generated/prisma/client';
import type { CountryDetail, CountryRecord } from './country.repository';
import {
  ALLOWED_CHANNELS_DESCRIPTION,
  INTELLIGENCE_CATEGORIES,
  INTELLIGENCE_PRIORITIES,
  isIntelligenceChannel,
  type ItemEventData,
} from './intelligence.events';

/** `:id` of the country routes. */
export const countryIdInput = ids.id;

/** Full replacement of a country's figures (PUT creates the country when it is new). */
export const putCountryInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  gdp: z.number().nonnegative(),
  population: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** A 0–100 score, as in the earlier app's "10 point vitality drop". */
  vitality: z.number().min(0).max(100),
  economicTier: z.string().trim().min(1).max(64),
});
export type PutCountryInput = z.output<typeof putCountryInput>;

const category = z.enum(INTELLIGENCE_CATEGORIES);
const priority = z.enum(INTELLIGENCE_PRIORITIES);

export const createUpdateInput = z.strictObject({
  countryId: ids.id,
  category,
  priority: priority.default('medium'),
  title: z.string().trim().min(1).max(200),
  description: z.string().max(4000).default(''),
  data: z.record(z.string(), z.unknown()).default({}),
  /** Same key → the item is created and broadcast once (safe retries). */
  dedupeKey: z.string().min(1).max(200).optional(),
});
export type CreateUpdateInput = z.output<typeof createUpdateInput>;

const itemId = ids.bigintId('must be an item id');

export const listItemsInput = z.object({
  countryId: ids.id.optional(),
  category: category.optional(),
  before: itemId.optional(),
  limit: ids.limit(200, 50),
});
export type ListItemsInput = z.output<typeof listItemsInput>;

export const unlockAchievementInput = z.strictObject({
  userId: ids.userId,
  countryId: ids.id,
  achievementKey: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be a key of letters, digits, _ . : - (at most 100)'),
});
export type UnlockAchievementInput = z.output<typeof unlockAchievementInput>;

const channel = z.string().max(160).refine(isIntelligenceChannel, `not an intelligence channel (allowed: ${ALLOWED_CHANNELS_DESCRIPTION})`);
const channels = z.array(channel).min(1).max(128);

export const subscribeInput = z.strictObject({ channels, since: ids.offset.optional() });
export const unsubscribeInput = z.strictObject({ channels });
/** `since` in the handshake (`auth.since` or `?since=`): replay for the channels joined on connect. */
export const handshakeSinceInput = ids.offset.optional();

// Outputs.

export const countryDto = z.object({
  id: z.string(),
  name: z.string(),
  gdp: z.number(),
  population: z.number(),
  vitality: z.number(),
  economicTier: z.string(),
  updatedAt: z.string(),
});
export type CountryDto = z.infer<typeof countryDto>;

export const countryWithBaselineDto = countryDto.extend({
  baseline: z.record(z.string(), z.unknown()).nullable().describe('The figures the broadcast job last compared against'),
});
export type CountryWithBaselineDto = z.infer<typeof countryWithBaselineDto>;

const itemDto = z.object({
  id: z.string(),
  category,
  priority,
  countryId: z.string(),
  title: z.string(),
  description: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
type ItemDto = z.infer<typeof itemDto>;

export const updateResultDto = z.object({
  item: itemDto,
  offset: z.string().nullable().describe('Event-log offset of the broadcast; null on a repeat'),
  duplicate: z.boolean(),
});
export type UpdateResultDto = z.infer<typeof updateResultDto>;

export const itemPageDto = pageSchema(itemDto);
export type ItemPageDto = Page<ItemDto>;

export const achievementDto = updateResultDto.extend({
  achievement: z.object({ userId: z.string(), countryId: z.string(), achievementKey: z.string(), unlockedAt: z.string() }),
  notified: z.boolean(),
});
export type AchievementDto = z.infer<typeof achievementDto>;

// Mappers.

export const toCountryDto = (c: CountryRecord): CountryDto => ({
  id: c.id,
  name: c.name,
  gdp: c.gdp,
  population: c.population,
  vitality: c.vitality,
  economicTier: c.economicTier,
  updatedAt: c.updatedAt.toISOString(),
});

export const toItemDto = (item: IntelligenceItem): ItemDto => ({
  id: item.id.toString(),
  category: item.category,
  priority: item.priority,
  countryId: item.countryId,
  title: item.title,
  description: item.description,
  data: (item.data ?? {}) as Record<string, unknown>,
  createdAt: item.createdAt.toISOString(),
});

/** A country with the baseline the broadcast job measures its next change against. */
export const toCountryWithBaselineDto = ({ country, baseline }: CountryDetail): CountryWithBaselineDto => ({
  ...toCountryDto(country),
  baseline: baseline && {
    gdp: baseline.gdp,
    population: baseline.population,
    vitality: baseline.vitality,
    economicTier: baseline.economicTier,
    takenAt: baseline.takenAt.toISOString(),
  },
});

/** What an event announcing a persisted item carries in `data`. */
export const toItemEventData = (item: IntelligenceItem): ItemEventData => ({
  itemId: item.id.toString(),
  title: item.title,
  description: item.description,
  details: (item.data ?? {}) as Record<string, unknown>,
});

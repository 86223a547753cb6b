/** Validated inputs of every HTTP route and socket event of the Intelligence module (parsed with `parseInput`). */
import { z } from 'zod';
import { ids } from '../../../core/errors';
import { BATCH_MAX_ITEMS, batchResponseSchema } from '../../../core/realtime';
import { ALLOWED_CHANNELS_DESCRIPTION, INTELLIGENCE_CATEGORIES, INTELLIGENCE_PRIORITIES, isIntelligenceChannel } from '../intelligence.events';

export const countryId = ids.id;

/** Full replacement of a country's figures (PUT creates the country when it is new). */
export const putCountryBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  gdp: z.number().nonnegative(),
  population: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** A 0–100 score, as in the earlier app's "10 point vitality drop". */
  vitality: z.number().min(0).max(100),
  economicTier: z.string().trim().min(1).max(64),
});
export type PutCountryBody = z.output<typeof putCountryBody>;

export const category = z.enum(INTELLIGENCE_CATEGORIES);
export const priority = z.enum(INTELLIGENCE_PRIORITIES);

export const createUpdateBody = z.strictObject({
  countryId: ids.id,
  category,
  priority: priority.default('medium'),
  title: z.string().trim().min(1).max(200),
  description: z.string().max(4000).default(''),
  data: z.record(z.string(), z.unknown()).default({}),
  /** Same key → the item is created and broadcast once (safe retries). */
  dedupeKey: z.string().min(1).max(200).optional(),
});
export type CreateUpdateBody = z.output<typeof createUpdateBody>;

const itemId = ids.bigintId('must be an item id');

export const listItemsQuery = z.object({
  countryId: ids.id.optional(),
  category: category.optional(),
  before: itemId.optional(),
  limit: ids.limit(200, 50),
});
export type ListItemsQuery = z.output<typeof listItemsQuery>;

export const unlockAchievementBody = z.strictObject({
  userId: ids.userId,
  countryId: ids.id,
  achievementKey: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be a key of letters, digits, _ . : - (at most 100)'),
});
export type UnlockAchievementBody = z.output<typeof unlockAchievementBody>;

const channel = z.string().max(160).refine(isIntelligenceChannel, `not an intelligence channel (allowed: ${ALLOWED_CHANNELS_DESCRIPTION})`);
const channels = z.array(channel).min(1).max(128);

export const subscribeMessage = z.strictObject({ channels, since: ids.offset.optional() });
export const unsubscribeMessage = z.strictObject({ channels });
/** `since` in the handshake (`auth.since` or `?since=`): replay for the channels joined on connect. */
export const handshakeSince = ids.offset.optional();

// Responses.

export const countryDto = z.object({
  id: z.string(),
  name: z.string(),
  gdp: z.number(),
  population: z.number(),
  vitality: z.number(),
  economicTier: z.string(),
  updatedAt: z.string(),
});
export const countryWithBaseline = countryDto.extend({
  baseline: z.record(z.string(), z.unknown()).nullable().describe('The figures the broadcast job last compared against'),
});
export const itemDto = z.object({
  id: z.string(),
  category,
  priority,
  countryId: z.string(),
  title: z.string(),
  description: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export const updateResult = z.object({
  item: itemDto,
  offset: z.string().nullable().describe('Event-log offset of the broadcast; null on a repeat'),
  duplicate: z.boolean(),
});
export const itemPage = z.object({ items: z.array(itemDto), nextBefore: z.string().nullable() });
export const achievementResult = updateResult.extend({
  achievement: z.object({ userId: z.string(), countryId: z.string(), achievementKey: z.string(), unlockedAt: z.string() }),
  notified: z.boolean(),
});

// Batch publish (POST /api/intelligence/updates/batch).

/** What the route documents; it parses `batchPublishBody` and then each item on its own, so a bad item is reported, not fatal. */
export const updateBatchBody = z
  .strictObject({ items: z.array(createUpdateBody).min(1).max(BATCH_MAX_ITEMS) })
  .describe('Each item is validated on its own: an invalid one is reported as rejected while the others are stored');

export const updateBatchResult = batchResponseSchema(
  { id: z.string().describe('The item id'), offset: z.string().describe('Event-log offset of its intelligence:update') },
  { id: z.string().describe('The item stored earlier under this dedupeKey') },
);

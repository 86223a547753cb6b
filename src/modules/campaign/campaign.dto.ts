import { z } from 'zod';
import { ids } from '../../core/errors';
import { CAMPAIGN_ROLES, campaignView } from './campaign.events';

/** Campaign, settlement and structure ids are UUIDs we generate: anything else is refused before a query. */
export const entityId = z.uuid({ message: 'must be a UUID' });

/** Largest `data` object a settlement or structure may hold (bytes of its JSON). */
export const MAX_ENTITY_DATA_BYTES = 16 * 1024;
/** World seconds; bounds keep dates inside what PostgreSQL and JavaScript both represent. */
const MAX_WORLD_SECONDS = 1e11;
const MAX_CLOCK_RATE = 1e7;

const name = z.string().trim().min(1).max(200);
const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });
const clockRate = z.number().finite().min(0).max(MAX_CLOCK_RATE);
const data = z.record(z.string().max(200), z.unknown());

export const createCampaignDto = z.object({
  name,
  /** Defaults to now. */
  worldTime: isoTime.optional(),
  clockRunning: z.boolean().default(false),
  clockRate: clockRate.default(1),
});

export const addMemberDto = z.object({
  userId: ids.userId,
  role: z.enum(CAMPAIGN_ROLES),
});

/** `POST /api/campaigns/:id/world-time`: move the time (advanceBy seconds or set) and/or change the clock. */
export const worldTimeDto = z
  .object({
    advanceBy: z.number().finite().gt(0).max(MAX_WORLD_SECONDS).optional(),
    set: isoTime.optional(),
    running: z.boolean().optional(),
    rate: clockRate.optional(),
  })
  .refine((b) => !(b.advanceBy !== undefined && b.set !== undefined), 'give advanceBy or set, not both')
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'give advanceBy, set, running or rate');

export const invalidateDto = z
  .object({ keys: z.array(z.string().min(1).max(200)).min(1).max(100).optional() })
  .optional()
  .transform((b) => b ?? {});

export const createSettlementDto = z.object({ name, data: data.default({}) });
export const updateSettlementDto = z
  .object({ name: name.optional(), data: data.optional() })
  .refine((b) => b.name !== undefined || b.data !== undefined, 'give name or data');

export const createStructureDto = z.object({ name, type: name, data: data.default({}) });
export const updateStructureDto = z
  .object({ name: name.optional(), type: name.optional(), data: data.optional() })
  .refine((b) => b.name !== undefined || b.type !== undefined || b.data !== undefined, 'give name, type or data');

/** Socket payloads: `{<kind>Id, since?}`. */
export const subscribeCampaignDto = z.object({ campaignId: entityId, since: ids.offset.optional() });
export const subscribeSettlementDto = z.object({ settlementId: entityId, since: ids.offset.optional() });
export const subscribeStructureDto = z.object({ structureId: entityId, since: ids.offset.optional() });
export const unsubscribeCampaignDto = subscribeCampaignDto.pick({ campaignId: true });
export const unsubscribeSettlementDto = subscribeSettlementDto.pick({ settlementId: true });
export const unsubscribeStructureDto = subscribeStructureDto.pick({ structureId: true });

/** `X-Correlation-Id`: echoed into event metadata, so it must be short and printable. */
export const correlationIdHeader = z
  .string()
  .regex(/^[A-Za-z0-9._:@/-]{1,128}$/, 'X-Correlation-Id must be 1-128 of A-Z a-z 0-9 . _ : @ / -');

// Responses (the views themselves are in campaign.events.ts).

export const createdCampaign = campaignView.extend({ yourRole: z.enum(CAMPAIGN_ROLES) });
export const removedMember = z.object({ campaignId: z.string(), userId: z.string(), removed: z.literal(true) });
export const invalidated = z.object({
  campaignId: z.string(),
  keys: z.array(z.string()).nullable().describe('null: everything of the campaign'),
  offset: z.string().nullable().describe('Event-log offset of the state_invalidated event'),
});
export const deletedEntity = z.object({ id: z.string(), deleted: z.literal(true) });

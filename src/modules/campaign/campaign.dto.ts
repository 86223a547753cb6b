import { z } from 'zod';
import { ids } from '../../core/errors';
import type { Campaign, CampaignMember, Settlement, Structure } from '../../generated/prisma/client';

const CAMPAIGN_ROLES = ['owner', 'gm', 'player', 'viewer'] as const;
export type CampaignRole = (typeof CAMPAIGN_ROLES)[number];

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

export const createCampaignInput = z.object({
  name,
  /** Defaults to now. */
  worldTime: isoTime.optional(),
  clockRunning: z.boolean().default(false),
  clockRate: clockRate.default(1),
});
export type CreateCampaignInput = z.infer<typeof createCampaignInput>;

export const addMemberInput = z.object({
  userId: ids.userId,
  role: z.enum(CAMPAIGN_ROLES),
});

/** `POST /api/campaigns/:id/world-time`: move the time (advanceBy seconds or set) and/or change the clock. */
export const worldTimeInput = z
  .object({
    advanceBy: z.number().finite().gt(0).max(MAX_WORLD_SECONDS).optional(),
    set: isoTime.optional(),
    running: z.boolean().optional(),
    rate: clockRate.optional(),
  })
  .refine((b) => !(b.advanceBy !== undefined && b.set !== undefined), 'give advanceBy or set, not both')
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'give advanceBy, set, running or rate');
export type WorldTimeInput = z.infer<typeof worldTimeInput>;

export const invalidateInput = z
  .object({ keys: z.array(z.string().min(1).max(200)).min(1).max(100).optional() })
  .optional()
  .transform((b) => b ?? {});

export const createSettlementInput = z.object({ name, data: data.default({}) });
export type CreateSettlementInput = z.infer<typeof createSettlementInput>;
export const updateSettlementInput = z
  .object({ name: name.optional(), data: data.optional() })
  .refine((b) => b.name !== undefined || b.data !== undefined, 'give name or data');

export const createStructureInput = z.object({ name, type: name, data: data.default({}) });
export type CreateStructureInput = z.infer<typeof createStructureInput>;
export const updateStructureInput = z
  .object({ name: name.optional(), type: name.optional(), data: data.optional() })
  .refine((b) => b.name !== undefined || b.type !== undefined || b.data !== undefined, 'give name, type or data');

/** Socket payloads: `{<kind>Id, since?}`. */
export const subscribeCampaignInput = z.object({ campaignId: entityId, since: ids.offset.optional() });
export const subscribeSettlementInput = z.object({ settlementId: entityId, since: ids.offset.optional() });
export const subscribeStructureInput = z.object({ structureId: entityId, since: ids.offset.optional() });
export const unsubscribeCampaignInput = subscribeCampaignInput.pick({ campaignId: true });
export const unsubscribeSettlementInput = subscribeSettlementInput.pick({ settlementId: true });
export const unsubscribeStructureInput = subscribeStructureInput.pick({ structureId: true });

/** `X-Correlation-Id`: echoed into event metadata, so it must be short and printable. */
export const correlationIdInput = z
  .string()
  .regex(/^[A-Za-z0-9._:@/-]{1,128}$/, 'X-Correlation-Id must be 1-128 of A-Z a-z 0-9 . _ : @ / -');

// Outputs: REST responses, and the entities inside event payloads.

export const campaignDto = z.object({
  id: z.string(),
  name: z.string(),
  worldTime: z.string().describe('The world time at tickedAt; while the clock runs, add (now - tickedAt) × clockRate'),
  clockRunning: z.boolean(),
  clockRate: z.number(),
  tickedAt: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CampaignDto = z.infer<typeof campaignDto>;

export const memberDto = z.object({
  campaignId: z.string(),
  userId: z.string(),
  role: z.enum(CAMPAIGN_ROLES),
  addedBy: z.string(),
  createdAt: z.string(),
});
export type MemberDto = z.infer<typeof memberDto>;

export const settlementDto = z.object({
  id: z.string(),
  campaignId: z.string(),
  name: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SettlementDto = z.infer<typeof settlementDto>;

export const structureDto = z.object({
  id: z.string(),
  campaignId: z.string(),
  settlementId: z.string(),
  name: z.string(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StructureDto = z.infer<typeof structureDto>;

/** `GET /api/campaigns/:id`: the campaign with its members and settlements (each with its structures). */
export const campaignDetailDto = campaignDto.extend({
  yourRole: z.enum(CAMPAIGN_ROLES).nullable().describe("The caller's role; null for a `service` caller that is not a member"),
  members: z.array(memberDto),
  settlements: z.array(settlementDto.extend({ structures: z.array(structureDto) })),
});
export type CampaignDetailDto = z.infer<typeof campaignDetailDto>;

export const createdCampaignDto = campaignDto.extend({ yourRole: z.enum(CAMPAIGN_ROLES) });
export type CreatedCampaignDto = z.infer<typeof createdCampaignDto>;
export const removedMemberDto = z.object({ campaignId: z.string(), userId: z.string(), removed: z.literal(true) });
export type RemovedMemberDto = z.infer<typeof removedMemberDto>;
export const invalidatedDto = z.object({
  campaignId: z.string(),
  keys: z.array(z.string()).nullable().describe('null: everything of the campaign'),
  offset: z.string().nullable().describe('Event-log offset of the state_invalidated event'),
});
export type InvalidatedDto = z.infer<typeof invalidatedDto>;
export const deletedEntityDto = z.object({ id: z.string(), deleted: z.literal(true) });
export type DeletedEntityDto = z.infer<typeof deletedEntityDto>;

// Database rows → the DTOs clients see (REST and event payloads).

export function toCampaignDto(c: Campaign): CampaignDto {
  return {
    id: c.id,
    name: c.name,
    worldTime: c.worldTime.toISOString(),
    clockRunning: c.clockRunning,
    clockRate: c.clockRate,
    tickedAt: c.tickedAt.toISOString(),
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function toMemberDto(m: CampaignMember): MemberDto {
  return {
    campaignId: m.campaignId,
    userId: m.userId,
    role: m.role as CampaignRole,
    addedBy: m.addedBy,
    createdAt: m.createdAt.toISOString(),
  };
}

export function toSettlementDto(s: Settlement): SettlementDto {
  return {
    id: s.id,
    campaignId: s.campaignId,
    name: s.name,
    data: jsonObject(s.data),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export function toStructureDto(s: Structure): StructureDto {
  return {
    id: s.id,
    campaignId: s.campaignId,
    settlementId: s.settlementId,
    name: s.name,
    type: s.type,
    data: jsonObject(s.data),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

function jsonObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

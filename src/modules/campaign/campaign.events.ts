/**
 * The `/ws/campaign` contract (described in docs/modules/campaign.md): room names, the five
 * replayable event types as one discriminated union, and the transient revocation notice.
 */

import { z } from 'zod';
import { settlementDto, structureDto } from './campaign.dto';

export const campaignRoom = (campaignId: string) => `campaign:${campaignId}`;
export const settlementRoom = (settlementId: string) => `settlement:${settlementId}`;
export const structureRoom = (structureId: string) => `structure:${structureId}`;

/** Who caused an event and how to correlate it with the request that did. */
const eventMetadata = z.object({
  userId: z.string().optional(),
  source: z.string().optional().describe('`http` for REST calls, `world-clock` for the clock job, `service` for in-process callers'),
  correlationId: z.string().optional(),
});
export type EventMetadata = z.infer<typeof eventMetadata>;

const campaignEventBase = {
  campaignId: z.string(),
  timestamp: z.string().describe('ISO 8601, when the event was created'),
  metadata: eventMetadata,
};

const entityType = z.enum(['campaign', 'settlement', 'structure']);
const operation = z.enum(['create', 'update', 'delete']);

/** A generic change to an entity; clients refetch it (or apply `changedFields`). */
const entityUpdatedEvent = z.object({
  type: z.literal('entity_updated'),
  ...campaignEventBase,
  entityType,
  entityId: z.string(),
  changedFields: z.array(z.string()).optional(),
});
export type EntityUpdatedEvent = z.infer<typeof entityUpdatedEvent>;

/** Cached derived state of the campaign is stale (rules engine, computed views). */
const stateInvalidatedEvent = z.object({
  type: z.literal('state_invalidated'),
  ...campaignEventBase,
  keys: z.array(z.string()).optional().describe('Absent: everything of the campaign'),
});
export type StateInvalidatedEvent = z.infer<typeof stateInvalidatedEvent>;

/**
 * The world clock changed state, rate or time, or a running clock's periodic announcement
 * (every WORLD_CLOCK_BROADCAST_SECONDS). Clients compute the time in between from the
 * clock: `worldTime` was the time at `tickedAt` (real time), and it advances by
 * `clockRate` world seconds per real second while `clockRunning`.
 */
const worldTimeChangedEvent = z.object({
  type: z.literal('world_time_changed'),
  ...campaignEventBase,
  previousTime: z.string().describe("For a change, the world time just before it; for a periodic announcement, the previous anchor's worldTime"),
  currentTime: z.string().describe('The world time at tickedAt; equal to worldTime'),
  worldTime: z.string(),
  clockRate: z.number(),
  clockRunning: z.boolean(),
  tickedAt: z.string(),
});
export type WorldTimeChangedEvent = z.infer<typeof worldTimeChangedEvent>;

const settlementUpdatedEvent = z.object({
  type: z.literal('settlement_updated'),
  ...campaignEventBase,
  settlementId: z.string(),
  operation,
  settlement: settlementDto.optional().describe('The settlement after the change; absent on delete'),
  changedFields: z.array(z.string()).optional(),
});
export type SettlementUpdatedEvent = z.infer<typeof settlementUpdatedEvent>;

const structureUpdatedEvent = z.object({
  type: z.literal('structure_updated'),
  ...campaignEventBase,
  structureId: z.string(),
  settlementId: z.string(),
  operation,
  structure: structureDto.optional().describe('The structure after the change; absent on delete'),
  changedFields: z.array(z.string()).optional(),
});
export type StructureUpdatedEvent = z.infer<typeof structureUpdatedEvent>;

export type CampaignEvent =
  EntityUpdatedEvent | StateInvalidatedEvent | WorldTimeChangedEvent | SettlementUpdatedEvent | StructureUpdatedEvent;

/** Sent to a socket whose rooms were taken away: membership removed, or the entity deleted. */
const subscriptionRevokedNotice = z.object({
  campaignId: z.string(),
  settlementId: z.string().optional(),
  structureId: z.string().optional(),
  reason: z.enum(['membership_removed', 'deleted']),
});
export type SubscriptionRevokedNotice = z.infer<typeof subscriptionRevokedNotice>;

/** Event name → payload: the publisher's typed map (each event is named by its type). */
export type CampaignEventMap = { [E in CampaignEvent as E['type']]: E } & {
  subscription_revoked: SubscriptionRevokedNotice;
};

/** Payload schemas by event name (the machine-readable contract is generated from them). */
export const CAMPAIGN_EVENT_SCHEMAS = {
  entity_updated: entityUpdatedEvent,
  state_invalidated: stateInvalidatedEvent,
  world_time_changed: worldTimeChangedEvent,
  settlement_updated: settlementUpdatedEvent,
  structure_updated: structureUpdatedEvent,
  subscription_revoked: subscriptionRevokedNotice,
} satisfies { [E in keyof CampaignEventMap]: z.ZodType<CampaignEventMap[E]> };

/**
 * The rooms an event goes to (docs/modules/campaign.md, "Events"): always its campaign; settlement and
 * structure events also their own rooms, structure events their settlement's too.
 */
export function roomsFor(event: CampaignEvent): string[] {
  const campaign = campaignRoom(event.campaignId);
  switch (event.type) {
    case 'entity_updated':
      if (event.entityType === 'settlement') return [campaign, settlementRoom(event.entityId)];
      if (event.entityType === 'structure') return [campaign, structureRoom(event.entityId)];
      return [campaign];
    case 'state_invalidated':
    case 'world_time_changed':
      return [campaign];
    case 'settlement_updated':
      return [campaign, settlementRoom(event.settlementId)];
    case 'structure_updated':
      return [campaign, settlementRoom(event.settlementId), structureRoom(event.structureId)];
  }
}

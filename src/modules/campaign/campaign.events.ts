/**
 * The `/ws/campaign` contract (described in docs/modules/campaign.md): room names, the five
 * replayable event types as one discriminated union, and the transient revocation notice.
 */

import { z } from 'zod';

export const CAMPAIGN_NS = '/ws/campaign';

export const campaignRoom = (campaignId: string) => `campaign:${campaignId}`;
export const settlementRoom = (settlementId: string) => `settlement:${settlementId}`;
export const structureRoom = (structureId: string) => `structure:${structureId}`;

/** Who caused an event and how to correlate it with the request that did. */
export const eventMetadata = z.object({
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

export const entityType = z.enum(['campaign', 'settlement', 'structure']);
export type EntityType = z.infer<typeof entityType>;
export const operation = z.enum(['create', 'update', 'delete']);
export type Operation = z.infer<typeof operation>;

/** A generic change to an entity; clients refetch it (or apply `changedFields`). */
export const entityUpdatedEvent = z.object({
  type: z.literal('entity_updated'),
  ...campaignEventBase,
  entityType,
  entityId: z.string(),
  changedFields: z.array(z.string()).optional(),
});
export type EntityUpdatedEvent = z.infer<typeof entityUpdatedEvent>;

/** Cached derived state of the campaign is stale (rules engine, computed views). */
export const stateInvalidatedEvent = z.object({
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
export const worldTimeChangedEvent = z.object({
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

// Views sent to clients (REST responses and event payloads).

export const CAMPAIGN_ROLES = ['owner', 'gm', 'player', 'viewer'] as const;
export type CampaignRole = (typeof CAMPAIGN_ROLES)[number];

export const campaignView = z.object({
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
export type CampaignView = z.infer<typeof campaignView>;

export const memberView = z.object({
  campaignId: z.string(),
  userId: z.string(),
  role: z.enum(CAMPAIGN_ROLES),
  addedBy: z.string(),
  createdAt: z.string(),
});
export type MemberView = z.infer<typeof memberView>;

export const settlementView = z.object({
  id: z.string(),
  campaignId: z.string(),
  name: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SettlementView = z.infer<typeof settlementView>;

export const structureView = z.object({
  id: z.string(),
  campaignId: z.string(),
  settlementId: z.string(),
  name: z.string(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StructureView = z.infer<typeof structureView>;

export const settlementUpdatedEvent = z.object({
  type: z.literal('settlement_updated'),
  ...campaignEventBase,
  settlementId: z.string(),
  operation,
  settlement: settlementView.optional().describe('The settlement after the change; absent on delete'),
  changedFields: z.array(z.string()).optional(),
});
export type SettlementUpdatedEvent = z.infer<typeof settlementUpdatedEvent>;

export const structureUpdatedEvent = z.object({
  type: z.literal('structure_updated'),
  ...campaignEventBase,
  structureId: z.string(),
  settlementId: z.string(),
  operation,
  structure: structureView.optional().describe('The structure after the change; absent on delete'),
  changedFields: z.array(z.string()).optional(),
});
export type StructureUpdatedEvent = z.infer<typeof structureUpdatedEvent>;

export type CampaignEvent =
  EntityUpdatedEvent | StateInvalidatedEvent | WorldTimeChangedEvent | SettlementUpdatedEvent | StructureUpdatedEvent;

export type CampaignEventType = CampaignEvent['type'];

export const CAMPAIGN_EVENT_TYPES: readonly CampaignEventType[] = [
  'entity_updated',
  'state_invalidated',
  'world_time_changed',
  'settlement_updated',
  'structure_updated',
];

/** Sent to a socket whose rooms were taken away: membership removed, or the entity deleted. */
export const subscriptionRevokedNotice = z.object({
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

/** Type guard for anything claiming to be a campaign event (e.g. replayed or relayed payloads). */
export function isCampaignEvent(value: unknown): value is CampaignEvent {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  if (typeof e.campaignId !== 'string' || typeof e.timestamp !== 'string') return false;
  if (typeof e.metadata !== 'object' || e.metadata === null) return false;
  switch (e.type) {
    case 'entity_updated':
      return (
        typeof e.entityId === 'string' &&
        (e.entityType === 'campaign' || e.entityType === 'settlement' || e.entityType === 'structure')
      );
    case 'state_invalidated':
      return e.keys === undefined || (Array.isArray(e.keys) && e.keys.every((k) => typeof k === 'string'));
    case 'world_time_changed':
      return typeof e.previousTime === 'string' && typeof e.currentTime === 'string';
    case 'settlement_updated':
      return typeof e.settlementId === 'string' && isOperation(e.operation);
    case 'structure_updated':
      return typeof e.structureId === 'string' && typeof e.settlementId === 'string' && isOperation(e.operation);
    default:
      return false;
  }
}

function isOperation(value: unknown): value is Operation {
  return value === 'create' || value === 'update' || value === 'delete';
}

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

/** `GET /api/campaigns/:id`: the campaign with its members and settlements (each with its structures). */
export const campaignDetailView = campaignView.extend({
  yourRole: z.enum(CAMPAIGN_ROLES).nullable().describe("The caller's role; null for a `service` caller that is not a member"),
  members: z.array(memberView),
  settlements: z.array(settlementView.extend({ structures: z.array(structureView) })),
});
export type CampaignDetailView = z.infer<typeof campaignDetailView>;

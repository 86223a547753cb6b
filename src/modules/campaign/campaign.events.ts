/**
 * The `/ws/campaign` contract (CONTRACTS.md §3, seed 002): room names, the five
 * replayable event types as one discriminated union, and the transient revocation notice.
 */

export const CAMPAIGN_NS = '/ws/campaign';

export const campaignRoom = (campaignId: string) => `campaign:${campaignId}`;
export const settlementRoom = (settlementId: string) => `settlement:${settlementId}`;
export const structureRoom = (structureId: string) => `structure:${structureId}`;

/** Who caused an event and how to correlate it with the request that did. */
export interface EventMetadata {
  userId?: string;
  /** `http` for REST calls, `world-clock` for the clock job, `service` for in-process callers. */
  source?: string;
  correlationId?: string;
}

interface CampaignEventBase {
  campaignId: string;
  /** ISO 8601, when the event was created. */
  timestamp: string;
  metadata: EventMetadata;
}

export type EntityType = 'campaign' | 'settlement' | 'structure';
export type Operation = 'create' | 'update' | 'delete';

/** A generic change to an entity; clients refetch it (or apply `changedFields`). */
export interface EntityUpdatedEvent extends CampaignEventBase {
  type: 'entity_updated';
  entityType: EntityType;
  entityId: string;
  changedFields?: string[];
}

/** Cached derived state of the campaign is stale (rules engine, computed views). */
export interface StateInvalidatedEvent extends CampaignEventBase {
  type: 'state_invalidated';
  /** Absent: everything of the campaign. */
  keys?: string[];
}

/**
 * The world clock changed state, rate or time, or a running clock's periodic announcement
 * (every WORLD_CLOCK_BROADCAST_SECONDS). Clients compute the time in between from the
 * clock: `worldTime` was the time at `tickedAt` (real time), and it advances by
 * `clockRate` world seconds per real second while `clockRunning`.
 */
export interface WorldTimeChangedEvent extends CampaignEventBase {
  type: 'world_time_changed';
  /** For a change, the world time just before it; for a periodic announcement, the previous anchor's `worldTime`. */
  previousTime: string;
  /** The world time at `tickedAt`; equal to `worldTime`. */
  currentTime: string;
  worldTime: string;
  clockRate: number;
  clockRunning: boolean;
  tickedAt: string;
}

export interface SettlementUpdatedEvent extends CampaignEventBase {
  type: 'settlement_updated';
  settlementId: string;
  operation: Operation;
  /** The settlement after the change; absent on delete. */
  settlement?: SettlementView;
  changedFields?: string[];
}

export interface StructureUpdatedEvent extends CampaignEventBase {
  type: 'structure_updated';
  structureId: string;
  settlementId: string;
  operation: Operation;
  /** The structure after the change; absent on delete. */
  structure?: StructureView;
  changedFields?: string[];
}

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
export interface SubscriptionRevokedNotice {
  campaignId: string;
  settlementId?: string;
  structureId?: string;
  reason: 'membership_removed' | 'deleted';
}

/** Event name → payload: the publisher's typed map (each event is named by its type). */
export type CampaignEventMap = { [E in CampaignEvent as E['type']]: E } & {
  subscription_revoked: SubscriptionRevokedNotice;
};

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
 * The rooms an event goes to (CONTRACTS §3): always its campaign; settlement and
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

// Views sent to clients (REST responses and event payloads).

export const CAMPAIGN_ROLES = ['owner', 'gm', 'player', 'viewer'] as const;
export type CampaignRole = (typeof CAMPAIGN_ROLES)[number];

export interface CampaignView {
  id: string;
  name: string;
  /** The world time at `tickedAt`; while the clock runs, add (now - tickedAt) × clockRate. */
  worldTime: string;
  clockRunning: boolean;
  clockRate: number;
  tickedAt: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface MemberView {
  campaignId: string;
  userId: string;
  role: CampaignRole;
  addedBy: string;
  createdAt: string;
}

export interface SettlementView {
  id: string;
  campaignId: string;
  name: string;
  data: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface StructureView {
  id: string;
  campaignId: string;
  settlementId: string;
  name: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** `GET /api/campaigns/:id`: the campaign with its members and settlements (each with its structures). */
export interface CampaignDetailView extends CampaignView {
  /** The caller's role; null for a `service` caller that is not a member. */
  yourRole: CampaignRole | null;
  members: MemberView[];
  settlements: Array<SettlementView & { structures: StructureView[] }>;
}

/**
 * Server → client events of each namespace, with their payloads. These mirror the server's
 * event maps (src/modules/*\/*.events.ts); client/contract/server-events.check.ts compares
 * both at build time, so a server change that would break a client breaks the build.
 */

/** Added by the event log to every replayable event: a decimal string, increasing within its channel. */
export interface Logged {
  offset: string;
}

// ---- /ws/intelligence -------------------------------------------------------------------

export type IntelligenceCategory = 'economic' | 'diplomatic' | 'government' | 'crisis' | 'achievement';
export type IntelligencePriority = 'low' | 'medium' | 'high' | 'critical';
export type IntelligenceEventType =
  'intelligence_update' | 'intelligence_alert' | 'vitality_update' | 'economic_change' | 'system_event';

export interface IntelligencePayload<Data extends object = Record<string, unknown>> {
  type: IntelligenceEventType;
  category: IntelligenceCategory;
  /** null only on `system:event`. */
  countryId: string | null;
  data: Data;
  /** ISO 8601. */
  timestamp: string;
  priority: IntelligencePriority;
  /** Events that announce an intelligence item repeat its title and description at the top level. */
  title?: string;
  description?: string;
  /** Same as `priority`, on events that announce an item. */
  severity?: IntelligencePriority;
}

export interface FigureChangeData {
  figure: 'gdp' | 'population' | 'vitality' | 'economicTier';
  previous: number | string;
  current: number | string;
  delta: number | null;
  deltaPct: number | null;
  threshold: number | null;
  countryName: string;
  itemId?: string;
  [key: string]: unknown;
}

export interface IntelligenceEvents {
  'intelligence:update': IntelligencePayload & Logged;
  'intelligence:alert': IntelligencePayload & Logged;
  'vitality:update': IntelligencePayload<FigureChangeData> & Logged;
  'economic:change': IntelligencePayload<FigureChangeData> & Logged;
  'system:event': IntelligencePayload & Logged;
}

// ---- /ws/app ---------------------------------------------------------------------------

export type NotificationCategory = 'compliance' | 'diplomatic' | 'defense' | 'economic' | 'social' | 'system' | 'achievement';
export type NotificationPriority = 'low' | 'medium' | 'high' | 'critical';

export interface NotificationDto {
  id: string;
  userId: string;
  eventKey: string;
  category: NotificationCategory;
  title: string;
  body: string;
  data: Record<string, unknown>;
  priority: NotificationPriority;
  createdAt: string;
  readAt: string | null;
  acknowledgedAt: string | null;
}

export interface MessageDto {
  id: string;
  conversationId: string;
  senderId: string;
  body: string | null;
  status: 'sent' | 'edited' | 'deleted';
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  clientMessageId: string | null;
}

export interface MessageEventPayload {
  conversationId: string;
  message: MessageDto;
  senderId: string;
  recipients: string[];
}

export interface SocketPresence {
  socketId: string;
  connectedAt: number | null;
  lastSeen: number | null;
  userAgent: string | null;
  ip: string | null;
}

/** What the user's own sockets get. */
export interface PresenceSnapshot {
  userId: string;
  isOnline: boolean;
  lastSeen: number | null;
  sockets: SocketPresence[];
}

/** What everyone else gets, when the user's online state changes. */
export interface PresenceStatus {
  userId: string;
  isOnline: boolean;
  lastSeen: number | null;
}

export interface AppEvents {
  'notifications:ready': { message: string; userId: string };
  'notifications:new': { eventKey: string; notification: NotificationDto } & Logged;
  'notifications:count': { unread: number } & Logged;
  'messages:new': MessageEventPayload & Logged;
  'messages:updated': MessageEventPayload & Logged;
  'messages:deleted': MessageEventPayload & Logged;
  'conversations:typing': { conversationId: string; userId: string };
  'presence:update': PresenceSnapshot | PresenceStatus;
}

// ---- /ws/campaign ----------------------------------------------------------------------

export interface EventMetadata {
  userId?: string;
  source?: string;
  correlationId?: string;
}

interface CampaignEventBase {
  campaignId: string;
  timestamp: string;
  metadata: EventMetadata;
}

export type Operation = 'create' | 'update' | 'delete';

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

export interface EntityUpdatedEvent extends CampaignEventBase {
  type: 'entity_updated';
  entityType: 'campaign' | 'settlement' | 'structure';
  entityId: string;
  changedFields?: string[];
}
export interface StateInvalidatedEvent extends CampaignEventBase {
  type: 'state_invalidated';
  keys?: string[];
}
/** The clock changed, or a running clock's periodic announcement: the time advances by `clockRate` per real second from `worldTime` at `tickedAt` while `clockRunning`. */
export interface WorldTimeChangedEvent extends CampaignEventBase {
  type: 'world_time_changed';
  previousTime: string;
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
  settlement?: SettlementView;
  changedFields?: string[];
}
export interface StructureUpdatedEvent extends CampaignEventBase {
  type: 'structure_updated';
  structureId: string;
  settlementId: string;
  operation: Operation;
  structure?: StructureView;
  changedFields?: string[];
}

export interface SubscriptionRevokedNotice {
  campaignId: string;
  settlementId?: string;
  structureId?: string;
  reason: 'membership_removed' | 'deleted';
}

export interface CampaignEvents {
  entity_updated: EntityUpdatedEvent & Logged;
  state_invalidated: StateInvalidatedEvent & Logged;
  world_time_changed: WorldTimeChangedEvent & Logged;
  settlement_updated: SettlementUpdatedEvent & Logged;
  structure_updated: StructureUpdatedEvent & Logged;
  subscription_revoked: SubscriptionRevokedNotice;
}

// ---- /ws/killmail ----------------------------------------------------------------------

export interface KillmailData {
  killmailId: number;
  timestamp: string;
  victimId: number | null;
  victimCorporationId: number | null;
  victimAllianceId: number | null;
  systemId: number;
  shipTypeId: number;
  attackerCount: number;
}

export type ZkbData = ({ totalValue?: number } & Record<string, unknown>) | null;

export interface KillmailEvents {
  killmail: { type: 'killmail'; data: KillmailData; zkb: ZkbData; timestamp: number } & Logged;
}

// ---- every namespace -------------------------------------------------------------------

export interface HeraldEvents {
  '/ws/intelligence': IntelligenceEvents;
  '/ws/app': AppEvents;
  '/ws/campaign': CampaignEvents;
  '/ws/killmail': KillmailEvents;
}

export type HeraldNamespace = keyof HeraldEvents;

/** `(event, payload)` pairs of one namespace, so a `switch (event)` narrows the payload. */
export type EventArgs<N extends HeraldNamespace> = {
  [E in keyof HeraldEvents[N]]: [event: E, payload: HeraldEvents[N][E]];
}[keyof HeraldEvents[N]];

export type ResyncReason = 'history_expired' | 'too_far_behind';

/** Sent by the server in place of a replay it cannot give. */
export interface ResyncNotice {
  channel: string;
  reason: ResyncReason;
}

/** Sent before the server closes a connection: wait `reconnectInMs` before coming back. */
export interface SystemDisconnect {
  reason: string;
  reconnectInMs: number;
}

/** The one ack of `subscribe` / `unsubscribe` on every namespace. */
export interface SubscribeAck {
  success: boolean;
  channels?: string[];
  replayed?: number;
  resync?: boolean;
  error?: string;
  code?: string;
}

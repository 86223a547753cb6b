import { Injectable } from '@nestjs/common';
import { MetricsService } from '../../core/observability';
import { EventLogService, RealtimePublisher, RealtimeServer, RevocationService, type WithOffset } from '../../core/realtime';
import {
  CAMPAIGN_NS,
  roomsFor,
  type CampaignEvent,
  type CampaignEventMap,
  type EntityUpdatedEvent,
  type SettlementUpdatedEvent,
  type StateInvalidatedEvent,
  type StructureUpdatedEvent,
  type SubscriptionRevokedNotice,
  type WorldTimeChangedEvent,
} from './campaign.events';

/** An event as a caller describes it: the publisher stamps its type and time. */
type Draft<E extends CampaignEvent> = Omit<E, 'type' | 'timestamp'>;

/**
 * The only code that emits on `/ws/campaign`. Each event is persisted (getting its
 * offset) and emitted once to the union of its rooms, so a socket subscribed to a
 * campaign, a settlement and a structure receives a structure event once. Revocations
 * are logged and applied by every instance in offset order (RevocationService).
 */
@Injectable()
export class CampaignPublisher extends RealtimePublisher<CampaignEventMap> {
  constructor(
    realtime: RealtimeServer,
    eventLog: EventLogService,
    metrics: MetricsService,
    private readonly revocations: RevocationService,
  ) {
    super(CAMPAIGN_NS, realtime, eventLog, metrics);
  }

  entityUpdated(draft: Draft<EntityUpdatedEvent>) {
    return this.publishEvent<EntityUpdatedEvent>({ type: 'entity_updated', timestamp: now(), ...draft });
  }

  stateInvalidated(draft: Draft<StateInvalidatedEvent>) {
    return this.publishEvent<StateInvalidatedEvent>({ type: 'state_invalidated', timestamp: now(), ...draft });
  }

  worldTimeChanged(draft: Draft<WorldTimeChangedEvent>) {
    return this.publishEvent<WorldTimeChangedEvent>({ type: 'world_time_changed', timestamp: now(), ...draft });
  }

  /** Announces many clocks in one batched append (the world-clock job). */
  async worldTimesChanged(drafts: Array<Draft<WorldTimeChangedEvent>>): Promise<number> {
    const timestamp = now();
    const events = drafts.map((d): WorldTimeChangedEvent => ({ type: 'world_time_changed', timestamp, ...d }));
    const published = await this.publishMany(events.map((event) => ({ event: event.type, payload: event, rooms: roomsFor(event) })));
    return published.filter(Boolean).length;
  }

  settlementUpdated(draft: Draft<SettlementUpdatedEvent>) {
    return this.publishEvent<SettlementUpdatedEvent>({ type: 'settlement_updated', timestamp: now(), ...draft });
  }

  structureUpdated(draft: Draft<StructureUpdatedEvent>) {
    return this.publishEvent<StructureUpdatedEvent>({ type: 'structure_updated', timestamp: now(), ...draft });
  }

  /** Persists and emits any campaign event to the rooms the contract names for its type. */
  async publishEvent<E extends CampaignEvent>(event: E): Promise<WithOffset<E> | undefined> {
    const type = event.type as E['type'];
    const published = await this.publish(type, event as unknown as CampaignEventMap[E['type']], roomsFor(event));
    return published as WithOffset<E> | undefined;
  }

  /**
   * Takes a removed member's sockets out of the campaign's rooms on every instance and tells
   * them. Resolves once the revocation is recorded (it throws, and the caller answers 503,
   * when it cannot be): every instance applies it before delivering any event published
   * after it, also one that learns of it only when its Redis connection comes back.
   */
  async revokeMember(campaignId: string, userId: string, rooms: string[]): Promise<void> {
    const notice: SubscriptionRevokedNotice = { campaignId, reason: 'membership_removed' };
    await this.revocations.revoke(CAMPAIGN_NS, { userId, rooms, notice: { event: 'subscription_revoked', payload: notice } });
  }

  /** A deleted settlement or structure: its subscribers leave its rooms everywhere and are told. */
  async revokeRooms(notice: SubscriptionRevokedNotice, rooms: string[]): Promise<void> {
    await this.revocations.revoke(CAMPAIGN_NS, { rooms, notice: { event: 'subscription_revoked', payload: notice } });
  }
}

const now = () => new Date().toISOString();

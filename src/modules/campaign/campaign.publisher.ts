import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { MetricsService } from '../../core/observability';
import { EventLogService, RealtimePublisher, RealtimeServer, userRoom, type WithOffset } from '../../core/realtime';
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
 * take sockets out of rooms on every instance through the adapter.
 */
@Injectable()
export class CampaignPublisher extends RealtimePublisher<CampaignEventMap> {
  constructor(realtime: RealtimeServer, eventLog: EventLogService, metrics: MetricsService) {
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
   * Takes a removed member's sockets out of the campaign's rooms on every instance, then
   * tells them. Resolves once every instance has applied the removal, so an event
   * published after this resolves cannot reach them.
   */
  async revokeMember(campaignId: string, userId: string, rooms: string[]): Promise<void> {
    const nsp = this.realtime.namespace(CAMPAIGN_NS);
    if (!nsp) return;
    nsp.in(userRoom(userId)).socketsLeave(rooms);
    await this.allInstancesCaughtUp(nsp, userRoom(userId));
    this.emit('subscription_revoked', { campaignId, reason: 'membership_removed' }, [userRoom(userId)]);
  }

  /** A deleted settlement or structure: its subscribers are told, then leave its rooms everywhere. */
  async revokeRooms(notice: SubscriptionRevokedNotice, rooms: string[]): Promise<void> {
    const nsp = this.realtime.namespace(CAMPAIGN_NS);
    if (!nsp || rooms.length === 0) return;
    this.emit('subscription_revoked', notice, rooms);
    nsp.in(rooms).socketsLeave(rooms);
    await this.allInstancesCaughtUp(nsp, rooms[0]);
  }

  /**
   * Socket.IO's `socketsLeave` is fire-and-forget across instances. A fetchSockets request
   * goes out on the same adapter channel after it, and every instance answers only once
   * it has handled the earlier request, so its completion is a barrier.
   */
  private async allInstancesCaughtUp(nsp: Namespace, room: string): Promise<void> {
    try {
      await nsp.in(room).fetchSockets();
    } catch (err) {
      // An instance that does not answer (crashed, partitioned) has lost its sockets anyway.
      this.logger.warn(`revocation barrier incomplete: ${(err as Error).message}`);
    }
  }
}

const now = () => new Date().toISOString();

import { Injectable } from '@nestjs/common';
import { MetricsService } from '../../core/observability';
import {
  EventLogService,
  eventTimestamp,
  NAMESPACES,
  REVOCATION_EVENT,
  RealtimePublisher,
  RealtimeServer,
  userRoom,
  type RevocationRequest,
  type SqlTransaction,
  type Staged,
  type WithOffset,
} from '../../core/realtime';
import {
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
 * campaign, a settlement and a structure receives a structure event once. Events a change
 * causes are stored in that change's transaction (the *In methods, see UnitOfWork), keyed by
 * the change. Revocations are logged control events in the same transaction, applied by
 * every instance in offset order (see src/core/realtime/revocation.ts).
 */
@Injectable()
export class CampaignPublisher extends RealtimePublisher<CampaignEventMap> {
  constructor(realtime: RealtimeServer, eventLog: EventLogService, metrics: MetricsService) {
    super(NAMESPACES.campaign, realtime, eventLog, metrics);
  }

  /*
   * Plain publishes, for domain services announcing changes Herald did not make itself.
   * Herald's own changes use the *In variants below, inside the change's transaction.
   */

  entityUpdated(draft: Draft<EntityUpdatedEvent>) {
    return this.publishEvent<EntityUpdatedEvent>({ type: 'entity_updated', timestamp: eventTimestamp(), ...draft });
  }

  worldTimeChanged(draft: Draft<WorldTimeChangedEvent>) {
    return this.publishEvent<WorldTimeChangedEvent>({ type: 'world_time_changed', timestamp: eventTimestamp(), ...draft });
  }

  settlementUpdated(draft: Draft<SettlementUpdatedEvent>) {
    return this.publishEvent<SettlementUpdatedEvent>({ type: 'settlement_updated', timestamp: eventTimestamp(), ...draft });
  }

  structureUpdated(draft: Draft<StructureUpdatedEvent>) {
    return this.publishEvent<StructureUpdatedEvent>({ type: 'structure_updated', timestamp: eventTimestamp(), ...draft });
  }

  /** No domain change behind it: published on its own; with `key`, a retry carrying the same key publishes once. */
  stateInvalidated(draft: Draft<StateInvalidatedEvent>, key?: string) {
    return this.publishEvent<StateInvalidatedEvent>({ type: 'state_invalidated', timestamp: eventTimestamp(), ...draft }, key);
  }

  /*
   * The *In variants store the event in the transaction of the change it announces (see
   * UnitOfWork): the change and its event commit together, and the event is emitted after
   * the commit. `key` is derived from the change, so the same change is published once.
   */

  entityUpdatedIn(tx: SqlTransaction, draft: Draft<EntityUpdatedEvent>, key: string, except?: string[]) {
    return this.publishEventIn<EntityUpdatedEvent>(
      tx,
      { type: 'entity_updated', timestamp: eventTimestamp(), ...draft },
      key,
      except,
    );
  }

  /** `draft.timestamp` lets one clock tick stamp all its announcements with one time. */
  worldTimeChangedIn(tx: SqlTransaction, draft: Draft<WorldTimeChangedEvent> & { timestamp?: string }, key: string) {
    return this.publishEventIn<WorldTimeChangedEvent>(
      tx,
      { type: 'world_time_changed', timestamp: eventTimestamp(), ...draft },
      key,
    );
  }

  settlementUpdatedIn(tx: SqlTransaction, draft: Draft<SettlementUpdatedEvent>, key: string) {
    return this.publishEventIn<SettlementUpdatedEvent>(
      tx,
      { type: 'settlement_updated', timestamp: eventTimestamp(), ...draft },
      key,
    );
  }

  structureUpdatedIn(tx: SqlTransaction, draft: Draft<StructureUpdatedEvent>, key: string) {
    return this.publishEventIn<StructureUpdatedEvent>(
      tx,
      { type: 'structure_updated', timestamp: eventTimestamp(), ...draft },
      key,
    );
  }

  publishEventIn<E extends CampaignEvent>(tx: SqlTransaction, event: E, key: string, except?: string[]): Staged<WithOffset<E>> {
    const type = event.type as E['type'];
    const idempotencyKey = `campaign:${key}`;
    return this.publishIn(tx, type, event as unknown as CampaignEventMap[E['type']], roomsFor(event), {
      idempotencyKey,
      except,
    }) as unknown as Staged<WithOffset<E>>;
  }

  /** Persists and emits any campaign event to the rooms the contract names for its type. */
  async publishEvent<E extends CampaignEvent>(event: E, key?: string): Promise<WithOffset<E> | undefined> {
    const type = event.type as E['type'];
    const idempotencyKey = key === undefined ? undefined : `campaign:${key}`;
    const published = await this.publish(type, event as unknown as CampaignEventMap[E['type']], roomsFor(event), {
      idempotencyKey,
    });
    return published as WithOffset<E> | undefined;
  }

  /**
   * Takes a removed member's sockets out of the campaign's rooms on every instance and tells
   * them, recorded in the transaction that removes the membership: the removal and its
   * revocation commit together or not at all (a failed write answers 503 and changes
   * nothing). Every instance applies it before delivering any event logged after it, also
   * one that learns of it only when its Redis connection comes back.
   */
  revokeMemberIn(tx: SqlTransaction, campaignId: string, userId: string, rooms: string[], key: string): void {
    const notice: SubscriptionRevokedNotice = { campaignId, reason: 'membership_removed' };
    this.revokeIn(tx, { userId, rooms, notice: { event: 'subscription_revoked', payload: notice } }, key);
  }

  /** A deleted settlement or structure: its subscribers leave its rooms everywhere and are told (recorded with the deletion). */
  revokeRoomsIn(tx: SqlTransaction, notice: SubscriptionRevokedNotice, rooms: string[], key: string): void {
    this.revokeIn(tx, { rooms, notice: { event: 'subscription_revoked', payload: notice } }, key);
  }

  /**
   * Stages the revocation control event as RevocationService.revoke records it (same event,
   * rooms and payload), so the delivery pipeline, gap repair and the outbox relay treat it
   * alike; the difference is only that it commits with the change that causes it.
   */
  private revokeIn(tx: SqlTransaction, request: RevocationRequest, key: string): void {
    if (!request.rooms.length) return;
    const targets = request.userId !== undefined ? [userRoom(request.userId)] : request.rooms;
    const payload: RevocationRequest = {
      rooms: request.rooms,
      notice: request.notice,
      ...(request.userId !== undefined ? { userId: request.userId } : {}),
    };
    tx.stage(
      { namespace: this.namespace, event: REVOCATION_EVENT, rooms: targets, payload, idempotencyKey: `campaign:${key}` },
      (offset) => {
        try {
          this.deliver(REVOCATION_EVENT, { ...payload, offset }, targets);
        } catch (err) {
          // The log has it: every instance reads it back (gap repair) if the broadcast is lost.
          this.logger.warn(`revocation broadcast failed, left to gap repair: ${(err as Error).message}`);
        }
      },
    );
  }
}

import { Injectable } from '@nestjs/common';
import { MetricsService } from '../../core/observability';
import { EventLogService, eventTimestamp, NAMESPACES, RealtimePublisher, RealtimeServer, type SqlTransaction, type Staged, type WithOffset } from '../../core/realtime';
import {
  eventTypeOf,
  INTELLIGENCE_EVENT_NAMES,
  addItemHeadline,
  roomsFor,
  type FigureChangeData,
  type IntelligenceCategory,
  type IntelligenceEventName,
  type IntelligenceEvents,
  type IntelligencePayload,
  type IntelligencePriority,
} from './intelligence.events';
import { SlidingWindowCounter } from './sliding-window-counter';

type Published<K extends IntelligenceEventName> = WithOffset<IntelligenceEvents[K]>;

interface IntelligenceUpdateInput {
  category: IntelligenceCategory;
  countryId: string;
  data: Record<string, unknown>;
  priority?: IntelligencePriority;
  /** A retried publish with the same key is stored and delivered once. */
  idempotencyKey?: string;
}

type CountryEventOptions = { priority?: IntelligencePriority; idempotencyKey?: string };

/** What a publish method says of an event; the payload adds its type, the time and the item's headline. */
type EventFields<K extends IntelligenceEventName> = Omit<IntelligencePayload, 'type' | 'timestamp' | 'data'> & { data: IntelligenceEvents[K]['data'] };

function payloadOf<K extends IntelligenceEventName>(event: K, fields: EventFields<K>): IntelligenceEvents[K] {
  const payload: Partial<IntelligencePayload> = { type: eventTypeOf(event), timestamp: eventTimestamp(), ...fields };
  return addItemHeadline(payload, fields.data, fields.priority) as IntelligenceEvents[K];
}

/**
 * The only code that emits on `/ws/intelligence`. Any domain service may inject it. Each
 * event is persisted to the event log (gaining its `offset`) and emitted once to the union
 * of its rooms (`roomsFor`). It also keeps the namespace's messages-per-minute window for
 * the status API (events published by this instance).
 */
@Injectable()
export class IntelligencePublisher extends RealtimePublisher<IntelligenceEvents> {
  private readonly rates = new Map<IntelligenceEventName, SlidingWindowCounter>(INTELLIGENCE_EVENT_NAMES.map((e) => [e, new SlidingWindowCounter(60)]));

  constructor(realtime: RealtimeServer, log: EventLogService, metrics: MetricsService) {
    super(NAMESPACES.intelligence, realtime, log, metrics);
  }

  pushEconomicUpdate(countryId: string, data: Record<string, unknown>, options: CountryEventOptions = {}) {
    return this.send('intelligence:update', { category: 'economic', countryId, data, priority: options.priority ?? 'medium' }, options.idempotencyKey);
  }

  pushDiplomaticUpdate(countryId: string, data: Record<string, unknown>, options: CountryEventOptions = {}) {
    return this.send('intelligence:update', { category: 'diplomatic', countryId, data, priority: options.priority ?? 'medium' }, options.idempotencyKey);
  }

  /** A crisis is an alert: it also reaches `intelligence:alerts`. */
  pushCrisisAlert(countryId: string, data: Record<string, unknown>, options: CountryEventOptions = {}) {
    return this.send('intelligence:alert', { category: 'crisis', countryId, data, priority: options.priority ?? 'high' }, options.idempotencyKey);
  }

  pushAchievement(countryId: string, data: Record<string, unknown>, options: CountryEventOptions = {}) {
    return this.send('intelligence:update', { category: 'achievement', countryId, data, priority: options.priority ?? 'low' }, options.idempotencyKey);
  }

  broadcastIntelligenceUpdate(input: IntelligenceUpdateInput) {
    const { idempotencyKey, priority, ...rest } = input;
    return this.send('intelligence:update', { ...rest, priority: priority ?? 'medium' }, idempotencyKey);
  }

  /** Not among the earlier app's push methods, but the job needs it: an alert of any category. */
  broadcastIntelligenceAlert(input: IntelligenceUpdateInput) {
    const { idempotencyKey, priority, ...rest } = input;
    return this.send('intelligence:alert', { ...rest, priority: priority ?? 'high' }, idempotencyKey);
  }

  broadcastVitalityUpdate(countryId: string, data: FigureChangeData, options: CountryEventOptions & { category?: IntelligenceCategory } = {}) {
    return this.send('vitality:update', { category: options.category ?? 'economic', countryId, data, priority: options.priority ?? 'medium' }, options.idempotencyKey);
  }

  broadcastEconomicChange(countryId: string, data: FigureChangeData, options: CountryEventOptions = {}) {
    return this.send('economic:change', { category: 'economic', countryId, data, priority: options.priority ?? 'medium' }, options.idempotencyKey);
  }

  /** Goes to `system:events` and `all` only; `category` says what area it concerns (default government). */
  broadcastSystemEvent(data: Record<string, unknown>, options: { priority?: IntelligencePriority; category?: IntelligenceCategory; idempotencyKey?: string } = {}) {
    return this.send('system:event', { category: options.category ?? 'government', countryId: null, data, priority: options.priority ?? 'low' }, options.idempotencyKey);
  }

  /**
   * A new item's `intelligence:update`, stored in the transaction that creates the item.
   * Events staged with the item they announce carry no idempotency key: the transaction
   * stages them only when it created the item, and a new item's id is never used again, so
   * a key made from it could never match. What makes a retry store and announce nothing is
   * the item's own dedupe key (without one, a retry is a new item, key or no key). A keyed
   * event costs the append a unique-index entry and the insert that can skip a repeat
   * (`ON CONFLICT`): together ~14 µs of PostgreSQL per event in a 500-event batch, against
   * ~17 µs for the whole append of a keyless one.
   */
  itemUpdateIn(tx: SqlTransaction, input: Omit<IntelligenceUpdateInput, 'idempotencyKey'>): Staged<Published<'intelligence:update'>> {
    const { category, countryId, data, priority } = input;
    return this.sendIn(tx, 'intelligence:update', { category, countryId, data, priority: priority ?? 'medium' });
  }

  /**
   * The three events of one threshold crossing (the new item's `intelligence:update`, its
   * `intelligence:alert`, and `vitality:update` or `economic:change`), stored in the
   * transaction that records the item and moves the baseline, so neither happens without
   * the other. Emitted in this order after the commit. No idempotency keys, as with
   * `itemUpdateIn`: the item is new in this transaction.
   */
  crossingIn(
    tx: SqlTransaction,
    item: Omit<IntelligenceUpdateInput, 'idempotencyKey'> & { priority: IntelligencePriority },
    change: { figure: 'vitality' | 'economic'; data: FigureChangeData },
  ): void {
    const { priority, ...rest } = item;
    this.sendIn(tx, 'intelligence:update', { ...rest, priority });
    this.sendIn(tx, 'intelligence:alert', { ...rest, priority });
    const fields = { category: 'economic' as const, countryId: item.countryId, data: change.data, priority };
    if (change.figure === 'vitality') this.sendIn(tx, 'vitality:update', fields);
    else this.sendIn(tx, 'economic:change', fields);
  }

  /** Events this instance published in the last 60 s, in total and per event name. */
  messagesPerMinute(): { total: number; byEvent: Record<IntelligenceEventName, number> } {
    const byEvent = {} as Record<IntelligenceEventName, number>;
    let total = 0;
    for (const [event, window] of this.rates) {
      byEvent[event] = window.total();
      total += byEvent[event];
    }
    return { total, byEvent };
  }

  private sendIn<K extends IntelligenceEventName>(
    tx: SqlTransaction,
    event: K,
    fields: EventFields<K>,
  ): Staged<Published<K>> {
    return this.publishIn(tx, event, payloadOf(event, fields), roomsFor(event, fields));
  }

  private send<K extends IntelligenceEventName>(
    event: K,
    fields: EventFields<K>,
    idempotencyKey?: string,
  ): Promise<Published<K> | undefined> {
    return this.publish(event, payloadOf(event, fields), roomsFor(event, fields), { idempotencyKey });
  }

  /** Counts it in the messages-per-minute window. */
  protected override recordPublished(event: IntelligenceEventName): void {
    this.rates.get(event)?.record();
  }
}

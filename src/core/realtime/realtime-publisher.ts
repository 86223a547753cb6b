import { Logger } from '@nestjs/common';
import { MetricsService } from '../observability/metrics.service';
import { currentRequestId } from '../observability/request-context';
import { EventLogService, type OutboxEvent } from './event-log.service';
import { FanOutPacer } from './fan-out-pacer';
import { RealtimeServer } from './realtime-server';
import { broadcastEvent } from './socketio-internals';
import type { SqlTransaction, Staged } from './unit-of-work';

/** What every replayable event carries on the wire (docs/protocol.md). */
export type WithOffset<T> = T & { offset: string };

export interface PublishOptions {
  /** A retried publish with the same key is stored and delivered once. */
  idempotencyKey?: string;
}

export interface EmitOptions {
  /** Rooms whose sockets must not receive it (e.g. the sender's own room). */
  except?: string[];
}

/**
 * Base of each module's publisher, the only code that emits. `Events` maps event name to
 * payload type, so a wrong payload fails to compile. Each event goes out in one emit to
 * all its rooms, so a socket in several of them receives it once.
 */
export abstract class RealtimePublisher<Events extends Record<keyof Events, object>> {
  protected readonly logger = new Logger(this.constructor.name);

  protected constructor(
    protected readonly namespace: string,
    protected readonly realtime: RealtimeServer,
    protected readonly eventLog: EventLogService,
    protected readonly metrics: MetricsService,
  ) {
    registerRelayEmitter(eventLog, namespace, (event) => this.relay(event));
  }

  /**
   * Emits a committed event whose own emit never happened (the outbox relay calls this after
   * a crash between commit and emit). A publisher with outputs besides Socket.IO overrides it.
   */
  protected relay(event: OutboxEvent): void {
    this.deliver(event.event, { ...event.payload, offset: event.offset }, event.rooms);
  }

  /**
   * An event with no domain change of its own: persists it to the log (assigning its
   * offset and an outbox row), claims its emit, then emits it. Resolves with the payload
   * as emitted, or `undefined` when the idempotency key had been used (nothing emitted).
   * An event a domain change causes goes through publishIn instead.
   */
  protected async publish<K extends keyof Events & string>(
    event: K,
    payload: Events[K],
    rooms: string[],
    options: PublishOptions = {},
  ): Promise<WithOffset<Events[K]> | undefined> {
    const started = process.hrtime.bigint();
    payload = withCorrelation(payload);
    const { offset, duplicate, claimed } = await this.eventLog.append({
      namespace: this.namespace,
      event,
      rooms,
      payload,
      idempotencyKey: options.idempotencyKey,
    });
    if (duplicate) return undefined;
    const wire = { ...payload, offset } as WithOffset<Events[K]>;
    // Not claimed: the outbox relay took it first and emits it.
    if (claimed) this.deliver(event, wire, rooms);
    this.metrics.publishLatency.observe({ event }, Number(process.hrtime.bigint() - started) / 1e9);
    this.recordPublished(event);
    return wire;
  }

  /**
   * An event caused by a domain change in `tx`: stored in that transaction, emitted once
   * after it commits (by this publisher, or by the outbox relay should the process die in
   * between). Do not await `published` inside the transaction; it settles after the commit.
   */
  protected publishIn<K extends keyof Events & string>(
    tx: SqlTransaction,
    event: K,
    payload: Events[K],
    rooms: string[],
    options: PublishOptions & EmitOptions = {},
  ): Staged<WithOffset<Events[K]>> {
    payload = withCorrelation(payload);
    const started = process.hrtime.bigint();
    // The payload as emitted is also what `published` resolves with: one copy per event, not two.
    let emitted: WithOffset<Events[K]> | undefined;
    // `published` is the staged event's own promise, settled with the payload as emitted (or
    // as the relay emits it): a promise chained onto each event cost a 500-event batch ~1 KB
    // of garbage per event.
    return tx.stage(
      { namespace: this.namespace, event, rooms, payload, idempotencyKey: options.idempotencyKey },
      (offset) => {
        emitted = { ...payload, offset };
        this.deliver(event, emitted, rooms, { except: options.except });
        // From staging to emit: the rest of the transaction, its commit and the claim.
        this.metrics.publishLatency.observe({ event }, Number(process.hrtime.bigint() - started) / 1e9);
      },
      (offset): WithOffset<Events[K]> => {
        this.recordPublished(event);
        return emitted ?? ({ ...payload, offset });
      },
    );
  }

  /**
   * `publish` for many events at once, persisted in one batched append (a job announcing
   * many entities), then emitted in offset order. Resolves per event like `publish`.
   */
  protected async publishMany<K extends keyof Events & string>(
    items: Array<{ event: K; payload: Events[K]; rooms: string[]; options?: PublishOptions }>,
  ): Promise<Array<WithOffset<Events[K]> | undefined>> {
    if (!items.length) return [];
    const started = process.hrtime.bigint();
    const results = await this.eventLog.appendMany(
      items.map(({ event, payload, rooms, options }) => ({
        namespace: this.namespace,
        event,
        rooms,
        payload,
        idempotencyKey: options?.idempotencyKey,
      })),
    );
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    return items.map(({ event, payload, rooms }, i) => {
      const { offset, duplicate, claimed } = results[i];
      if (duplicate) return undefined;
      const wire = { ...payload, offset } as WithOffset<Events[K]>;
      // Not claimed: the outbox relay took it first and emits it.
      if (claimed) this.deliver(event, wire, rooms);
      this.metrics.publishLatency.observe({ event }, elapsed);
      this.recordPublished(event);
      return wire;
    });
  }

  /**
   * Called once for each event this publisher stored and published (not for a repeat of an
   * idempotency key), after its commit: a publisher that counts what it sends overrides it.
   */
  protected recordPublished(_event: keyof Events & string): void {}

  /** The payload stamped with the current request's id, as publish and publishIn do (for publishers that stage events themselves). */
  protected withRequestContext<T extends object>(payload: T): T {
    return withCorrelation(payload);
  }

  /** Emits without persisting: transient events (presence, typing) that are never replayed. */
  protected emit<K extends keyof Events & string>(event: K, payload: Events[K], rooms: string[], options: EmitOptions = {}): void {
    this.deliver(event, payload, rooms, options);
  }

  protected deliver(event: string, payload: object, rooms: string[], options: EmitOptions = {}): void {
    deliverEvent(this.realtime, this.metrics, this.namespace, event, payload, rooms, options);
  }
}

type RelayEmitter = (event: OutboxEvent) => void;
/** Per event log (one per application instance): how each namespace's orphaned events are emitted. */
const relayEmitters = new WeakMap<EventLogService, Map<string, RelayEmitter>>();

/**
 * Publishers register how the outbox relay emits their namespace's orphaned events, so the
 * publisher stays the only code that emits (through `relay`, which a publisher with more
 * outputs than Socket.IO overrides). Publishers sharing a namespace emit alike; the first
 * registered serves.
 */
function registerRelayEmitter(eventLog: EventLogService, namespace: string, emit: RelayEmitter): void {
  let byNamespace = relayEmitters.get(eventLog);
  if (!byNamespace) relayEmitters.set(eventLog, (byNamespace = new Map()));
  if (!byNamespace.has(namespace)) byNamespace.set(namespace, emit);
}

export function relayEmitterFor(eventLog: EventLogService, namespace: string): RelayEmitter | undefined {
  return relayEmitters.get(eventLog)?.get(namespace);
}

/** One pacer per Socket.IO server (application instance): every emit of that instance goes through it, in order. */
const pacers = new WeakMap<RealtimeServer, FanOutPacer>();
const deliveryLogger = new Logger('RealtimePublisher');

function pacerFor(realtime: RealtimeServer): FanOutPacer {
  let pacer = pacers.get(realtime);
  if (!pacer) pacers.set(realtime, (pacer = new FanOutPacer()));
  return pacer;
}

/**
 * The one emit every publisher ends in; the outbox relay re-emits orphaned logged events
 * through it too, so a relayed event goes out exactly as a live one would have. Emits are
 * paced (FanOutPacer): in order, at once while this event-loop turn's fan-out budget lasts,
 * otherwise in the next turns, so a burst of committed events cannot starve HTTP and
 * sockets. A failed emit is logged; it never fails the publish (the event is stored).
 */
export function deliverEvent(
  realtime: RealtimeServer,
  metrics: MetricsService,
  namespace: string,
  event: string,
  payload: object,
  rooms: string[],
  options: EmitOptions = {},
): void {
  metrics.published.inc({ event });
  if (rooms.length === 0) return;
  pacerFor(realtime).run(() => {
    try {
      const nsp = realtime.namespace(namespace);
      if (!nsp) return;
      broadcastEvent(nsp, event, payload, rooms, options.except);
    } catch (err) {
      deliveryLogger.error(`emitting ${event} on ${namespace} failed: ${(err as Error).message}`);
    }
  });
}

/**
 * Stamps a logged event published while handling an HTTP request with that request's id
 * (`metadata.correlationId`), in the log and on the wire alike, so replay matches live.
 * An id the module already set (Campaign's X-Correlation-Id) is kept.
 */
function withCorrelation<T extends object>(payload: T): T {
  const correlationId = currentRequestId();
  if (!correlationId) return payload;
  const metadata = (payload as { metadata?: unknown }).metadata;
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) return payload;
  if (metadata && 'correlationId' in metadata) return payload;
  return { ...payload, metadata: metadata ? { ...metadata, correlationId } : { correlationId } };
}

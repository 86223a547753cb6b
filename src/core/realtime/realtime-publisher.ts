import { Logger } from '@nestjs/common';
import { MetricsService } from '../observability/metrics.service';
import { currentRequestId } from '../observability/request-context';
import { EventLogService } from './event-log.service';
import { RealtimeServer } from './realtime-server';

/** What every replayable event carries on the wire (CONTRACTS §2). */
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
  ) {}

  /**
   * Persists the event to the log (assigning its offset), then emits it. Resolves with
   * the emitted payload, or `undefined` when the idempotency key had been used (nothing emitted).
   */
  protected async publish<K extends keyof Events & string>(
    event: K,
    payload: Events[K],
    rooms: string[],
    options: PublishOptions = {},
  ): Promise<WithOffset<Events[K]> | undefined> {
    const started = process.hrtime.bigint();
    payload = withCorrelation(payload);
    const { offset, duplicate } = await this.eventLog.append({
      namespace: this.namespace,
      event,
      rooms,
      payload,
      idempotencyKey: options.idempotencyKey,
    });
    if (duplicate) return undefined;
    const wire = { ...payload, offset } as WithOffset<Events[K]>;
    this.deliver(event, wire, rooms);
    this.metrics.publishLatency.observe({ event }, Number(process.hrtime.bigint() - started) / 1e9);
    return wire;
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
      const { offset, duplicate } = results[i];
      if (duplicate) return undefined;
      const wire = { ...payload, offset } as WithOffset<Events[K]>;
      this.deliver(event, wire, rooms);
      this.metrics.publishLatency.observe({ event }, elapsed);
      return wire;
    });
  }

  /** Emits without persisting: transient events (presence, typing) that are never replayed. */
  protected emit<K extends keyof Events & string>(event: K, payload: Events[K], rooms: string[], options: EmitOptions = {}): void {
    this.deliver(event, payload, rooms, options);
  }

  private deliver(event: string, payload: object, rooms: string[], options: EmitOptions = {}): void {
    this.metrics.published.inc({ event });
    const nsp = this.realtime.namespace(this.namespace);
    if (!nsp || rooms.length === 0) return;
    let target = nsp.to(rooms);
    if (options.except?.length) target = target.except(options.except);
    target.emit(event, payload);
  }
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
  return { ...payload, metadata: { ...(metadata ?? {}), correlationId } };
}

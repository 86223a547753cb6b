import { Injectable, Logger } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { DomainError } from '../errors';
import { MetricsService } from '../observability/metrics.service';
import { BroadcastInstrumentation } from './broadcast-instrumentation';
import { InboundLimitsService, type NamespaceLimits } from './inbound-limits.service';
import { SlowConsumerSweep } from './slow-consumer-sweep';
import { SocketAuthService } from './socket-auth.service';
import { toSocketError } from './socket-errors';

/**
 * Security and limits every namespace gets (docs/security.md), composed from their parts:
 * socket auth (SocketAuthService: handshake, token expiry, `auth:refresh`), inbound limits
 * (InboundLimitsService: event size and rate, room cap), the slow-consumer sweep
 * (SlowConsumerSweep) and the broadcast instrumentation (BroadcastInstrumentation).
 */
@Injectable()
export class SocketPolicy {
  private readonly logger = new Logger(SocketPolicy.name);
  private readonly guarded = new WeakSet<Namespace>();
  /** Namespaces a gateway serves. */
  private readonly served = new Set<string>();

  constructor(
    private readonly auth: SocketAuthService,
    private readonly limits: InboundLimitsService,
    private readonly sweep: SlowConsumerSweep,
    private readonly instrumentation: BroadcastInstrumentation,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Installed by the kernel on every namespace the moment it exists (HeraldIoAdapter), so
   * no gateway can forget it: connection caps, JWT auth and bans in the middleware, then
   * token expiry, the inbound size and rate limits on every event. A namespace no gateway
   * has claimed with `attach()` (the root `/` among them) refuses every connection.
   */
  guard(nsp: Namespace): void {
    if (this.guarded.has(nsp)) return;
    this.guarded.add(nsp);
    const name = nsp.name;

    nsp.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (err: unknown) => {
          const body = toSocketError(err, this.logger);
          this.metrics.rejectedConnections.inc({ namespace: this.served.has(name) ? name : '*', code: body.code });
          next(Object.assign(new Error(body.message), { data: body }));
          if (!this.served.has(name)) this.onRefusedUnserved?.(nsp);
        },
      );
    });

    nsp.on('connection', (socket: Socket) => {
      this.metrics.connections.inc({ namespace: name });
      this.auth.watch(socket);
      this.limits.install(socket);
      socket.once('disconnect', () => this.metrics.connections.dec({ namespace: name }));
    });
    this.instrumentation.install(nsp);
    this.sweep.start();
  }

  /**
   * A gateway claims its namespace (and may set its limits); until then the namespace
   * refuses connections. Idempotent: several gateways may share one namespace.
   */
  attach(nsp: Namespace, limits: NamespaceLimits = {}): void {
    this.guard(nsp);
    this.served.add(nsp.name);
    // Only served namespaces: unserved ones are dropped again and must not be kept alive here.
    this.instrumentation.serve(nsp);
    this.limits.configure(nsp.name, limits);
  }

  /** Called after a refused handshake on a namespace no gateway serves (HeraldIoAdapter drops such namespaces). */
  onRefusedUnserved: ((nsp: Namespace) => void) | undefined;

  /** The address a handshake comes from, through trusted proxies only. */
  clientAddress(socket: Socket): string {
    return this.auth.clientAddress(socket);
  }

  /** Joins rooms within the per-socket cap; false, joining nothing, once the socket has disconnected (InboundLimitsService.join). */
  join(socket: Socket, rooms: string[]): Promise<boolean> {
    return this.limits.join(socket, rooms);
  }

  private async admit(socket: Socket): Promise<void> {
    if (!this.served.has(socket.nsp.name)) throw new DomainError('unauthorized', `no service on namespace ${socket.nsp.name}`);
    await this.auth.admit(socket);
  }
}

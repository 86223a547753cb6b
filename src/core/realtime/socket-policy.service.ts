import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../../config';
import { AuthService, tokenFromHandshake } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import { DomainError } from '../errors';
import { MetricsService } from '../observability/metrics.service';
import { ClientAddressResolver } from './client-address';
import { ConnectionLimiter } from './connection-limiter.service';
import { installDeliveryPipeline, sequenceNamespace } from './delivery-pipeline';
import { DeliverySequencer } from './delivery-sequencer';
import { createLiveDeliveryLog } from './live-delivery-log';
import { RealtimeServer } from './realtime-server';
import { reportSocketError, toSocketError } from './socket-errors';
import { dropConnection, queuedBytes } from './socketio-internals';

/** Default inbound event cap for namespaces that do not set their own. */
export const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;
/** Longest event name accepted; the payload cap applies to the arguments, so an event is at most cap + this. */
export const MAX_EVENT_NAME_BYTES = 128;
/** After this many refused events in a row past the limit, a flooding socket is cut off. */
const FLOOD_DISCONNECT_AFTER = 50;
/** Grace after token expiry before the socket is closed (clock skew, refresh in flight). */
const EXPIRY_GRACE_MS = 1000;
const SLOW_CONSUMER_SWEEP_MS = 1000;

export interface NamespaceLimits {
  /** Largest inbound event (UTF-8 bytes of its JSON-encoded arguments). */
  maxEventBytes?: number;
}

interface SocketState {
  tokens: number;
  refilledAt: number;
  strikes: number;
  expiryTimer?: NodeJS.Timeout;
}

const STATE = Symbol('herald:socket-state');
type GuardedSocket = Socket & { [STATE]?: SocketState };

/** The verified caller of a socket (set by the auth middleware). */
export function socketUser(socket: Socket): Principal {
  return (socket.data as { user: Principal }).user;
}

/**
 * Security and limits every namespace gets (docs/security.md): JWT auth in the
 * namespace middleware, token expiry, per-event size cap, per-socket rate limit, room
 * cap, and a sweep that cuts off consumers whose outgoing buffer keeps growing.
 */
@Injectable()
export class SocketPolicy implements OnModuleDestroy {
  private readonly logger = new Logger(SocketPolicy.name);
  private readonly guarded = new WeakSet<Namespace>();
  /** Namespaces a gateway serves, with their limits. */
  private readonly served = new Set<string>();
  private readonly limits = new Map<string, Required<NamespaceLimits>>();
  private readonly addresses: ClientAddressResolver;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly auth: AuthService,
    private readonly metrics: MetricsService,
    private readonly realtime: RealtimeServer,
    private readonly limiter: ConnectionLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sequencer: DeliverySequencer,
  ) {
    this.addresses = new ClientAddressResolver(config.trustProxy, config.trustedProxies);
  }

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

    nsp.on('connection', (socket: GuardedSocket) => {
      this.metrics.connections.inc({ namespace: name });
      const state: SocketState = { tokens: this.config.socket.rateLimitBurst, refilledAt: Date.now(), strikes: 0 };
      socket[STATE] = state;
      this.scheduleExpiry(socket, socketUser(socket));
      socket.use((packet, next) => this.checkInbound(socket, state, packet, this.maxEventBytes(name), next));
      socket.on('auth:refresh', (data: unknown, ack?: unknown) => this.refresh(socket, data, ack));
      socket.once('disconnect', () => {
        this.metrics.connections.dec({ namespace: name });
        clearTimeout(state.expiryTimer);
      });
    });
    installDeliveryPipeline(nsp, this.metrics, createLiveDeliveryLog(nsp), this.sequencer);
    this.startSweep();
  }

  /**
   * A gateway claims its namespace (and may set its limits); until then the namespace
   * refuses connections. Idempotent: several gateways may share one namespace.
   */
  attach(nsp: Namespace, limits: NamespaceLimits = {}): void {
    this.guard(nsp);
    this.served.add(nsp.name);
    // Only served namespaces: unserved ones are dropped again and must not be kept alive here.
    sequenceNamespace(nsp, this.sequencer);
    const current = this.limits.get(nsp.name);
    if (limits.maxEventBytes !== undefined || current === undefined) {
      this.limits.set(nsp.name, { maxEventBytes: limits.maxEventBytes ?? current?.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES });
    }
  }

  /** Called after a refused handshake on a namespace no gateway serves (HeraldIoAdapter drops such namespaces). */
  onRefusedUnserved: ((nsp: Namespace) => void) | undefined;

  /** The address a handshake comes from, through trusted proxies only. */
  clientAddress(socket: Socket): string {
    return this.addresses.resolve(socket.handshake.address, socket.handshake.headers['x-forwarded-for']);
  }

  private maxEventBytes(namespace: string): number {
    return this.limits.get(namespace)?.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  /** Caps first (cheap, and they hold against unauthenticated floods), then the token, then the user's own caps. */
  private async admit(socket: Socket): Promise<void> {
    if (!this.served.has(socket.nsp.name)) throw new DomainError('unauthorized', `no service on namespace ${socket.nsp.name}`);
    const address = this.clientAddress(socket);
    this.limiter.checkHandshakeRate(address);
    const user = this.auth.verify(tokenFromHandshake(socket.handshake));
    socket.data.user = user;
    const slot = await this.limiter.admit(user.userId, address);
    const conn = socket.conn;
    const release = () => {
      conn.off('close', release);
      slot.release();
    };
    // A socket refused later, or whose connection closed before the handshake finished,
    // never emits 'disconnect': the connection's close releases the slot then.
    socket.once('disconnect', release);
    conn.once('close', release);
    if (conn.readyState !== 'open') release();
  }

  /**
   * Joins rooms within the per-socket cap. Returns false, joining nothing, when the
   * socket has disconnected: callers get here after awaits (membership checks, replay
   * reads), and a join after the disconnect would leave room entries nobody removes.
   */
  async join(socket: Socket, rooms: string[]): Promise<boolean> {
    if (!socket.connected) return false;
    const fresh = rooms.filter((r) => !socket.rooms.has(r));
    // socket.rooms includes the socket's own id room
    if (socket.rooms.size - 1 + fresh.length > this.config.socket.maxRoomsPerSocket) {
      throw DomainError.badRequest(`room limit reached (${this.config.socket.maxRoomsPerSocket} per connection)`);
    }
    if (!fresh.length) return true;
    await socket.join(fresh);
    if (socket.connected) return true;
    // Disconnected while an adapter's join was in flight: undo what it added.
    for (const room of fresh) await socket.leave(room);
    return false;
  }

  private checkInbound(
    socket: Socket,
    state: SocketState,
    packet: unknown[],
    maxEventBytes: number,
    next: (err?: Error) => void,
  ): void {
    if (!socket.connected) return; // packets still queued from a socket we cut off
    const ack = packet[packet.length - 1];
    const args = typeof ack === 'function' ? packet.slice(1, -1) : packet.slice(1);

    const now = Date.now();
    const { rateLimitPerSecond, rateLimitBurst } = this.config.socket;
    state.tokens = Math.min(rateLimitBurst, state.tokens + ((now - state.refilledAt) / 1000) * rateLimitPerSecond);
    state.refilledAt = now;
    if (state.tokens < 1) {
      state.strikes++;
      this.refuse(socket, ack, 'socket_error:rate_limited', `more than ${rateLimitPerSecond} events/s`);
      if (state.strikes >= FLOOD_DISCONNECT_AFTER) {
        this.logger.warn(`disconnecting ${socket.id} (user ${socketUser(socket).userId}): inbound flood`);
        socket.disconnect(true);
      }
      return;
    }
    state.tokens -= 1;
    state.strikes = 0;

    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(args) ?? '');
    } catch {
      size = Number.POSITIVE_INFINITY;
    }
    // The name is inbound data too: every real event name is short, so a long one is refused
    // by the same rule before it reaches a handler lookup or a log line.
    const name = packet[0];
    const nameBytes = typeof name === 'string' ? Buffer.byteLength(name) : 0;
    if (nameBytes > MAX_EVENT_NAME_BYTES) {
      this.refuse(socket, ack, 'socket_error:payload_too_large', `event name is ${nameBytes} bytes; the limit is ${MAX_EVENT_NAME_BYTES}`);
      return;
    }
    if (size > maxEventBytes) {
      this.refuse(socket, ack, 'socket_error:payload_too_large', `event is ${size} bytes; the limit is ${maxEventBytes}`);
      return;
    }
    next();
  }

  private refuse(socket: Socket, ack: unknown, code: string, message: string): void {
    this.metrics.socketErrors.inc({ namespace: socket.nsp.name, code });
    reportSocketError(socket, ack, { code, message });
  }

  private scheduleExpiry(socket: GuardedSocket, user: Principal): void {
    const state = socket[STATE];
    if (!state) return;
    clearTimeout(state.expiryTimer);
    if (user.expiresAt === undefined) return;
    const delay = user.expiresAt - Date.now() + EXPIRY_GRACE_MS;
    if (delay > 2 ** 31 - 1) return; // beyond setTimeout's range: practically never expires
    state.expiryTimer = setTimeout(() => {
      socket.emit('error', { code: 'socket_error:token_expired', message: 'token expired' });
      socket.emit('system:disconnect', { reason: 'token_expired', reconnectInMs: 0 });
      socket.disconnect(true);
    }, Math.max(0, delay));
    state.expiryTimer.unref();
  }

  /** `auth:refresh {token}`: a fresh token for the same user keeps the socket open. */
  private refresh(socket: GuardedSocket, data: unknown, ack: unknown): void {
    try {
      const token = (data as { token?: unknown } | undefined)?.token;
      const next = this.auth.verify(typeof token === 'string' ? token : undefined);
      if (next.userId !== socketUser(socket).userId) throw DomainError.forbidden('token is for another user');
      socket.data.user = next;
      this.scheduleExpiry(socket, next);
      if (typeof ack === 'function') (ack as (r: unknown) => void)({ success: true, expiresAt: next.expiresAt ?? null });
    } catch (err) {
      reportSocketError(socket, ack, toSocketError(err, this.logger));
    }
  }

  /** Cuts off sockets whose unsent data passed the bound: their peer stopped reading. */
  private startSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      const limit = this.config.socket.maxBufferedBytes;
      for (const nsp of this.realtime.namespaces()) {
        for (const socket of nsp.sockets.values()) {
          if (queuedBytes(socket) > limit) {
            this.metrics.droppedFrames.inc({ transport: 'socket.io' });
            this.logger.warn(`disconnecting slow consumer ${socket.id} (user ${socketUser(socket)?.userId})`);
            dropConnection(socket);
          }
        }
      }
    }, SLOW_CONSUMER_SWEEP_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }
}

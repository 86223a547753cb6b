import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../../config';
import { DomainError } from '../errors';
import { MetricsService } from '../observability/metrics.service';
import { socketUser } from './socket-auth.service';
import { reportSocketError } from './socket-errors';

/** Default inbound event cap for namespaces that do not set their own. */
const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;
/** Longest event name accepted; the payload cap applies to the arguments, so an event is at most cap + this. */
const MAX_EVENT_NAME_BYTES = 128;
/** After this many refused events in a row past the limit, a flooding socket is cut off. */
const FLOOD_DISCONNECT_AFTER = 50;

export interface NamespaceLimits {
  /** Largest inbound event (UTF-8 bytes of its JSON-encoded arguments). */
  maxEventBytes?: number;
}

interface RateState {
  tokens: number;
  refilledAt: number;
  strikes: number;
}

/**
 * What a client may send: a size cap per event (set per namespace), a per-socket rate limit
 * (token bucket; a socket that keeps flooding is cut off) and a cap on the rooms one
 * connection may be in (docs/security.md).
 */
@Injectable()
export class InboundLimitsService {
  private readonly logger = new Logger(InboundLimitsService.name);
  private readonly limits = new Map<string, Required<NamespaceLimits>>();

  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Sets a namespace's limits; a later call without a value keeps the one set before. */
  configure(namespace: string, limits: NamespaceLimits): void {
    const current = this.limits.get(namespace);
    if (limits.maxEventBytes !== undefined || current === undefined) {
      this.limits.set(namespace, { maxEventBytes: limits.maxEventBytes ?? current?.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES });
    }
  }

  /** Checks every inbound event of a connected socket before any handler sees it. */
  install(socket: Socket): void {
    const state: RateState = { tokens: this.config.socket.rateLimitBurst, refilledAt: Date.now(), strikes: 0 };
    const namespace = socket.nsp.name;
    socket.use((packet, next) => this.checkInbound(socket, state, packet, this.maxEventBytes(namespace), next));
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

  private maxEventBytes(namespace: string): number {
    return this.limits.get(namespace)?.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  private checkInbound(socket: Socket, state: RateState, packet: unknown[], maxEventBytes: number, next: (err?: Error) => void): void {
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
}

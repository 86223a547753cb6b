import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../../config';
import { AuthService, tokenFromHandshake } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import { DomainError } from '../errors';
import { ClientAddressResolver } from './client-address';
import { ConnectionLimiter } from './connection-limiter.service';
import { reportSocketError, toSocketError } from './socket-errors';
import { emitSystemEvent, type RefreshAck } from './system-events';

/** Grace after token expiry before the socket is closed (clock skew, refresh in flight). */
const EXPIRY_GRACE_MS = 1000;

const EXPIRY = Symbol('herald:token-expiry');
type WatchedSocket = Socket & { [EXPIRY]?: NodeJS.Timeout };

/** The verified caller of a socket (set by the auth middleware). */
export function socketUser(socket: Socket): Principal {
  return (socket.data as { user: Principal }).user;
}

/**
 * Who a socket is, for as long as it is open: the handshake check (handshake rate per
 * address, JWT, bans and per-user/per-address connection caps), the token's expiry, and
 * `auth:refresh`, which swaps in a fresh token for the same user (docs/security.md).
 */
@Injectable()
export class SocketAuthService {
  private readonly logger = new Logger(SocketAuthService.name);
  private readonly addresses: ClientAddressResolver;

  constructor(
    private readonly auth: AuthService,
    private readonly limiter: ConnectionLimiter,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.addresses = new ClientAddressResolver(config.trustProxy, config.trustedProxies);
  }

  /** The address a handshake comes from, through trusted proxies only. */
  clientAddress(socket: Socket): string {
    return this.addresses.resolve(socket.handshake.address, socket.handshake.headers['x-forwarded-for']);
  }

  /**
   * The handshake: caps first (cheap, and they hold against unauthenticated floods), then the
   * token, then the user's own caps. Sets `socket.data.user`; throws a DomainError to refuse.
   */
  async admit(socket: Socket): Promise<void> {
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

  /** On a connected socket: closes it when its token expires, and answers `auth:refresh`. */
  watch(socket: Socket): void {
    const watched = socket as WatchedSocket;
    this.scheduleExpiry(watched, socketUser(socket));
    socket.on('auth:refresh', (data: unknown, ack?: unknown) => this.refresh(watched, data, ack));
    socket.once('disconnect', () => clearTimeout(watched[EXPIRY]));
  }

  private scheduleExpiry(socket: WatchedSocket, user: Principal): void {
    clearTimeout(socket[EXPIRY]);
    socket[EXPIRY] = undefined;
    if (user.expiresAt === undefined) return;
    const delay = user.expiresAt - Date.now() + EXPIRY_GRACE_MS;
    if (delay > 2 ** 31 - 1) return; // beyond setTimeout's range: practically never expires
    const timer = setTimeout(() => {
      emitSystemEvent(socket, 'error', { code: 'socket_error:token_expired', message: 'token expired' });
      emitSystemEvent(socket, 'system:disconnect', { reason: 'token_expired', reconnectInMs: 0 });
      socket.disconnect(true);
    }, Math.max(0, delay));
    timer.unref();
    socket[EXPIRY] = timer;
  }

  /** `auth:refresh {token}`: a fresh token for the same user keeps the socket open. */
  private refresh(socket: WatchedSocket, data: unknown, ack: unknown): void {
    try {
      const token = (data as { token?: unknown } | undefined)?.token;
      const next = this.auth.verify(typeof token === 'string' ? token : undefined);
      if (next.userId !== socketUser(socket).userId) throw DomainError.forbidden('token is for another user');
      socket.data.user = next;
      this.scheduleExpiry(socket, next);
      if (typeof ack === 'function') (ack as (r: RefreshAck) => void)({ success: true, expiresAt: next.expiresAt ?? null });
    } catch (err) {
      reportSocketError(socket, ack, toSocketError(err, this.logger));
    }
  }
}

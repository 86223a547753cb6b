import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { z } from 'zod';
import { MetricsService } from '../observability/metrics.service';
import { RedisService } from '../redis/redis.service';
import { ConnectionLimiter } from './connection-limiter.service';
import { RealtimeServer } from './realtime-server';
import { socketUser } from './socket-auth.service';
import { adapterServerSideEmit } from './socketio-internals';
import { emitSystemEvent, type SystemDisconnect, systemDisconnectPayload } from './system-events';

/** Instance → instance (server-side, through the adapter of the root namespace): close a user's sockets. */
const DISCONNECT_REQUEST = 'herald:disconnect-user';
const disconnectRequest = z.tuple([z.string().min(1), systemDisconnectPayload]);

export interface DisconnectOutcome {
  userId: string;
  /** Sockets closed, over every namespace and every instance that answered. */
  sockets: number;
  /** Instances that took part (this one included). */
  instances: number;
  /** false when some instance did not answer in time (its sockets may still be open). */
  complete: boolean;
  /** When a ban was asked for: reconnects are refused for this long. */
  bannedSeconds?: number;
}

export interface DisconnectOptions {
  /** Refuse the user's reconnects on every instance for this long (ConnectionLimiter.ban), set before any socket closes. */
  banSeconds?: number;
  /** Who asked, for the audit line. */
  by?: string;
}

/**
 * "Disconnect a user everywhere": every socket of the user, on every namespace and every
 * instance, is sent `system:disconnect` and closed. Sockets are found by their authenticated
 * user, not by room, so namespaces that keep no user rooms are covered too. Other instances
 * are asked through the Redis adapter of the root namespace, which every instance has and no
 * client may join; each answers with the number of sockets it closed.
 */
@Injectable()
export class UserDisconnects implements OnApplicationBootstrap {
  private readonly logger = new Logger(UserDisconnects.name);

  constructor(
    private readonly realtime: RealtimeServer,
    private readonly limiter: ConnectionLimiter,
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.root()?.on(DISCONNECT_REQUEST, (...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (count: number) => void) : undefined;
      const request = disconnectRequest.safeParse(args);
      if (!request.success) return ack?.(0);
      try {
        ack?.(this.disconnectLocal(...request.data));
      } catch (err) {
        // Runs inside the adapter's message handling: report, never throw into it.
        this.logger.error(`disconnect of ${request.data[0]} asked by another instance failed: ${(err as Error)?.stack ?? String(err)}`);
        ack?.(0);
      }
    });
  }

  async disconnectEverywhere(userId: string, notice: SystemDisconnect, options: DisconnectOptions = {}): Promise<DisconnectOutcome> {
    // Banned first, so a client reconnecting the moment it is closed is already refused.
    if (options.banSeconds) await this.limiter.ban(userId, options.banSeconds);
    const local = this.disconnectLocal(userId, notice);
    let outcome: DisconnectOutcome = { userId, sockets: local, instances: 1, complete: true };
    const root = this.root();
    if (this.redis.enabled && root) {
      const { counts, error } = await askOtherInstances(root, [DISCONNECT_REQUEST, userId, notice]);
      if (error) this.logger.warn(`disconnect of ${userId}: not every instance answered: ${error.message}`);
      outcome = { userId, sockets: local + sum(counts), instances: 1 + counts.length, complete: !error };
    }
    if (options.banSeconds) outcome.bannedSeconds = options.banSeconds;
    this.logger.log(
      `${options.by ? `${options.by} disconnected` : 'disconnected'} user ${userId} (${notice.reason}): ` +
        `${outcome.sockets} socket(s) on ${outcome.instances} instance(s)${options.banSeconds ? `, banned ${options.banSeconds}s` : ''}`,
    );
    return outcome;
  }

  /** This instance's share: notify every socket first, then close them, so nothing closes before its notice is queued. */
  disconnectLocal(userId: string, notice: SystemDisconnect): number {
    const sockets = this.realtime
      .namespaces()
      .flatMap((nsp) => [...nsp.sockets.values()])
      .filter((s) => socketUser(s)?.userId === userId);
    if (!sockets.length) return 0;
    this.metrics.published.inc({ event: 'system:disconnect' });
    for (const socket of sockets) emitSystemEvent(socket, 'system:disconnect', notice);
    for (const socket of sockets) socket.disconnect(true);
    return sockets.length;
  }

  private root(): Namespace | undefined {
    return this.realtime.server?.of('/');
  }
}

/**
 * `serverSideEmit` with acknowledgements, through the adapter so that a failure to even send
 * (Redis down) settles the request instead of leaving it waiting: `serverSideEmitWithAck`
 * drops the adapter's rejected promise. The adapter gives up on missing answers after 5 s.
 */
function askOtherInstances(nsp: Namespace, packet: unknown[]): Promise<{ counts: unknown[]; error?: Error }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (counts: unknown[], error?: Error) => {
      if (settled) return;
      settled = true;
      resolve({ counts, error });
    };
    const ack = (err: Error | null, responses: unknown[] = []) => finish(responses, err ?? undefined);
    try {
      Promise.resolve(adapterServerSideEmit(nsp, [...packet, ack])).catch((err: Error) => finish([], err));
    } catch (err) {
      finish([], err as Error);
    }
  });
}

function sum(counts: unknown[]): number {
  return counts.reduce<number>((total, c) => total + (typeof c === 'number' ? c : 0), 0);
}

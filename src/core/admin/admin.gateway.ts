import { Logger, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { hasRole } from '../auth/principal';
import { ContractRegistry } from '../contract/contract-registry';
import { DomainError } from '../errors';
import { MetricsService } from '../observability/metrics.service';
import { HeraldGateway } from '../realtime/herald-gateway.decorator';
import { NAMESPACES } from '../realtime/namespaces';
import { toSocketError } from '../realtime/socket-errors';
import { socketUser } from '../realtime/socket-auth.service';
import { SocketPolicy } from '../realtime/socket-policy';
import { RedisService } from '../redis/redis.service';
import { ADMIN_CONTRACT } from './admin.contract';
import { AdminStatsService, type InstanceStats } from './admin-stats.service';

/** Server → console: `{instances: InstanceStats[]}` once per tick. */
const ADMIN_STATS_EVENT = 'admin:stats';
/** Instance → instance (server-side only, through the Redis adapter): one instance's figures. */
const PEER_STATS_EVENT = 'admin:instance-stats';
const ADMIN_STATS_INTERVAL_MS = 1000;
/** A peer not heard from for this long has gone (stopped, or Redis between us is down). */
const PEER_STALE_MS = 5000;

/**
 * `/ws/admin`: the operator console's live feed, admin tokens only. Every instance samples
 * its own figures once a second and shares them with the others (server-side emit through
 * the adapter, never to clients directly), so a console connected to any one instance sees
 * every instance. Nothing is accepted from clients but the connection itself.
 */
@HeraldGateway(NAMESPACES.admin)
export class AdminGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  private readonly logger = new Logger(AdminGateway.name);
  private readonly peers = new Map<string, { stats: InstanceStats; receivedAt: number }>();
  private latest: InstanceStats | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(
    private readonly policy: SocketPolicy,
    private readonly stats: AdminStatsService,
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
    private readonly contract: ContractRegistry,
  ) {}

  afterInit(nsp: Namespace): void {
    this.contract.describe(ADMIN_CONTRACT);
    // The kernel's authentication first, then the role this namespace needs on top of it.
    this.policy.attach(nsp);
    nsp.use((socket, next) => {
      const user = socketUser(socket) as ReturnType<typeof socketUser> | undefined;
      if (user && hasRole(user, 'admin')) return next();
      const body = toSocketError(DomainError.forbidden('the admin role is required'));
      this.metrics.rejectedConnections.inc({ namespace: nsp.name, code: body.code });
      next(Object.assign(new Error(body.message), { data: body }));
    });
    nsp.on(PEER_STATS_EVENT, (stats: InstanceStats) => {
      if (stats?.instance && stats.instance !== this.stats.instance) this.peers.set(stats.instance, { stats, receivedAt: Date.now() });
    });
    this.timer = setInterval(() => void this.tick(nsp), ADMIN_STATS_INTERVAL_MS);
    this.timer.unref();
    void this.tick(nsp);
  }

  handleConnection(socket: Socket): void {
    // An audit line: who opened the console (the log context adds socketId, namespace and userId).
    this.logger.log('operator console connected');
    if (this.latest) socket.emit(ADMIN_STATS_EVENT, { instances: this.instances() });
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async tick(nsp: Namespace): Promise<void> {
    if (this.sampling) return; // a slow database ping must not pile samples up
    this.sampling = true;
    try {
      this.latest = await this.stats.sample();
      if (this.redis.enabled) nsp.serverSideEmit(PEER_STATS_EVENT, this.latest);
      if (nsp.sockets.size === 0) return;
      const payload = { instances: this.instances() };
      // Straight to this instance's console sockets: the feed is not an event of the log and
      // must not count itself in the delivery metrics it reports.
      for (const socket of nsp.sockets.values()) socket.emit(ADMIN_STATS_EVENT, payload);
    } catch (err) {
      this.logger.warn(`admin stats sample failed: ${(err as Error).message}`);
    } finally {
      this.sampling = false;
    }
  }

  private instances(): InstanceStats[] {
    const now = Date.now();
    for (const [id, peer] of this.peers) if (now - peer.receivedAt > PEER_STALE_MS) this.peers.delete(id);
    const all = [...(this.latest ? [this.latest] : []), ...[...this.peers.values()].map((p) => p.stats)];
    return all.sort((a, b) => a.instance.localeCompare(b.instance));
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type Redis from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';
import { APP_CONFIG, type AppConfig } from '../../config';
import { ContractRegistry } from '../../core/contract';
import { MetricsService } from '../../core/observability';
import { RealtimeServer } from '../../core/realtime';
import { RedisService } from '../../core/redis';
import { RAW_FEED_CONTRACT } from './killmail.contract';
import { RAW_FEED_PATH } from './killmail.events';
import { isInternalRequest, NetworkAllowList } from './network-allow-list';

/** Clients only listen; anything bigger than this from them closes the connection (1009). */
const MAX_INBOUND_FRAME_BYTES = 1024;
const METRIC_NAMESPACE = RAW_FEED_PATH;

interface Peer {
  ws: WebSocket;
  address: string;
  /** Last time anything (a message, a pong, a ping) came from the peer. */
  lastHeardAt: number;
  lastPingAt: number;
  dropped: number;
}

interface RawPeerStats {
  address: string;
  bufferedAmount: number;
  dropped: number;
}

/**
 * The raw WebSocket feed at /updates (docs/modules/killmail.md): plain `ws` on the same HTTP server as
 * Socket.IO (whose engine closes other paths' upgrades only if nobody answered them), internal peers only,
 * server-emits-only. Each frame is serialised once and the same Buffer is written to every
 * peer; a peer whose send buffer is past SOCKET_MAX_BUFFERED_BYTES misses frames (counted)
 * rather than growing server memory, and a peer silent for KILLMAIL_IDLE_TIMEOUT_MS (no
 * pong to our pings, nothing else) is closed. With Redis, frames are relayed so every
 * instance serves the whole feed.
 */
@Injectable()
export class KillmailFeedServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KillmailFeedServer.name);
  private readonly peers = new Set<Peer>();
  private readonly allowList: NetworkAllowList;
  private readonly wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_INBOUND_FRAME_BYTES,
    perMessageDeflate: false,
    // We never read what clients send, so do not spend CPU validating it.
    skipUTF8Validation: true,
  });
  private httpServer: HttpServer | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private relay: Redis | undefined;
  private closing = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly realtime: RealtimeServer,
    private readonly metrics: MetricsService,
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    contract: ContractRegistry,
  ) {
    this.allowList = new NetworkAllowList(config.internalNetworks);
    contract.describeRawFeed(RAW_FEED_CONTRACT);
  }

  private get relayChannel(): string {
    return this.redis.key('killmail', 'raw-feed');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.httpServer = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    this.httpServer.on('upgrade', this.onUpgrade);
    const idle = this.config.killmail.idleTimeoutMs;
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(50, Math.floor(idle / 4)));
    this.sweepTimer.unref();
    if (this.redis.enabled) {
      this.relay = this.redis.connect('killmail-feed-relay');
      this.relay.on('messageBuffer', (_channel: Buffer, frame: Buffer) => this.deliverLocally(frame));
      await this.relay.subscribe(this.relayChannel);
    }
  }

  /**
   * Sends a frame to every raw-feed peer (of every instance, through Redis when configured).
   * With `(type, data)` it is the feed's generic producer for update types other than
   * killmails: peers get `{type, data, timestamp (Unix ms)}`, not logged, so without `offset`.
   * Killmails go through KillmailPublisher, which logs them first.
   */
  async broadcast(frame: Buffer): Promise<void>;
  async broadcast(type: string, data: unknown): Promise<void>;
  async broadcast(frameOrType: Buffer | string, data?: unknown): Promise<void> {
    const frame = typeof frameOrType === 'string' ? encodeUpdate(frameOrType, data) : frameOrType;
    if (this.redis.client) {
      try {
        await this.redis.client.publish(this.relayChannel, frame);
        return; // comes back through the subscription, to this instance too
      } catch (err) {
        this.logger.warn(`raw feed relay failed, delivering on this instance only: ${(err as Error).message}`);
      }
    }
    this.deliverLocally(frame);
  }

  /** The one loop over peers; `frame` is the same Buffer for all of them. */
  deliverLocally(frame: Buffer): void {
    const limit = this.config.socket.maxBufferedBytes;
    let delivered = 0;
    let dropped = 0;
    for (const peer of this.peers) {
      if (peer.ws.readyState !== WebSocket.OPEN) continue;
      if (peer.ws.bufferedAmount + frame.length > limit) {
        peer.dropped++;
        dropped++;
        continue;
      }
      peer.ws.send(frame, { binary: false });
      delivered++;
    }
    if (delivered) this.metrics.delivered.inc({ event: 'raw:killmail' }, delivered);
    if (dropped) this.metrics.droppedFrames.inc({ transport: 'raw' }, dropped);
  }

  stats(): RawPeerStats[] {
    return [...this.peers].map((p) => ({ address: p.address, bufferedAmount: p.ws.bufferedAmount, dropped: p.dropped }));
  }

  get peerCount(): number {
    return this.peers.size;
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(req.url) !== RAW_FEED_PATH) return; // Socket.IO's, or nobody's
    socket.on('error', () => undefined); // a peer resetting mid-handshake is not our error
    if (this.closing || !this.realtime.isAccepting) return this.refuse(socket, 503, 'Service Unavailable', 'socket_error:unavailable');
    if (!isInternalRequest(req, this.allowList, this.config.trustProxy)) {
      this.logger.warn(`raw feed: refused ${req.socket.remoteAddress ?? '?'} (not in INTERNAL_NETWORKS)`);
      return this.refuse(socket, 403, 'Forbidden', 'socket_error:forbidden');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req.socket.remoteAddress ?? ''));
  };

  private refuse(socket: Duplex, status: number, reason: string, code: string): void {
    this.metrics.rejectedConnections.inc({ namespace: METRIC_NAMESPACE, code });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
  }

  private accept(ws: WebSocket, address: string): void {
    const now = Date.now();
    const peer: Peer = { ws, address, lastHeardAt: now, lastPingAt: now, dropped: 0 };
    this.peers.add(peer);
    this.metrics.connections.inc({ namespace: METRIC_NAMESPACE });
    const heard = () => {
      peer.lastHeardAt = Date.now();
    };
    // Server-emits-only: what a client sends only proves it is alive; it is never read.
    ws.on('message', heard);
    ws.on('pong', heard);
    ws.on('ping', heard);
    ws.on('error', (err) => this.logger.debug(`raw feed peer ${address}: ${err.message}`));
    ws.once('close', () => {
      this.peers.delete(peer);
      this.metrics.connections.dec({ namespace: METRIC_NAMESPACE });
    });
  }

  /** Pings peers quiet for half the idle timeout; closes those quiet for all of it. */
  private sweep(): void {
    const idle = this.config.killmail.idleTimeoutMs;
    const now = Date.now();
    for (const peer of this.peers) {
      const quiet = now - peer.lastHeardAt;
      if (quiet >= idle) {
        this.logger.debug(`raw feed: closing idle peer ${peer.address}`);
        peer.ws.terminate();
      } else if (quiet >= idle / 2 && now - peer.lastPingAt >= idle / 4 && peer.ws.readyState === WebSocket.OPEN) {
        peer.lastPingAt = now;
        peer.ws.ping();
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweepTimer);
    this.httpServer?.off('upgrade', this.onUpgrade);
    for (const peer of this.peers) peer.ws.close(1001, 'server shutting down');
    // Peers that do not answer the close handshake promptly are cut.
    const stragglers = [...this.peers];
    if (stragglers.length) await new Promise((r) => setTimeout(r, 200));
    for (const peer of stragglers) peer.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (this.relay) await this.relay.unsubscribe().catch(() => undefined);
  }
}

/** Names of generic update types: short, lowercase; `killmail` frames carry an offset and have their own path. */
const UPDATE_TYPE = /^[a-z][a-z0-9_.:-]{0,63}$/;

function encodeUpdate(type: string, data: unknown): Buffer {
  if (!UPDATE_TYPE.test(type) || type === 'killmail') {
    throw new Error(`raw feed: "${type.slice(0, 64)}" is not an update type (lowercase name, not killmail)`);
  }
  const json = JSON.stringify({ type, data: data ?? null, timestamp: Date.now() });
  return Buffer.from(json);
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { IncomingMessage } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import type { AppConfig } from '../../config';
import { MetricsService } from '../observability/metrics.service';
import { RedisService } from '../redis/redis.service';
import { DeliverySequencer } from './delivery-sequencer';
import { RealtimeServer } from './realtime-server';
import { SocketPolicy } from './socket-policy';
import { forgetUnservedNamespace, refuseUnknownNamespaces } from './unknown-namespaces';
import { coalesceHeartbeats, coalesceWebSocketWrites } from './socketio-internals';

/** Engine-level cap; each namespace enforces its own, smaller cap on events (SocketPolicy). */
const ENGINE_MAX_BUFFER_BYTES = 1_000_000;

/**
 * How far a ping may be moved so that connections share a timer: a second at the default
 * 25 s interval, a twentieth of shorter ones.
 */
export function heartbeatSlotMs(intervalMs: number): number {
  return Math.max(1, Math.min(1000, Math.floor(intervalMs / 20)));
}

/**
 * Creates the single Socket.IO server with Herald's options, whatever a gateway's
 * decorator says: websocket + polling, no per-message deflate, configured heartbeat,
 * Origin checked on every handshake, and the sharded Redis adapter when REDIS_URL is set.
 */
export class HeraldIoAdapter extends IoAdapter {
  private readonly log = new Logger('Realtime');
  private io: Server | undefined;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number): Server {
    if (this.io) return this.io;
    const metrics = this.app.get(MetricsService);
    const realtime = this.app.get(RealtimeServer);
    const opts: Partial<ServerOptions> = {
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      perMessageDeflate: false,
      httpCompression: true,
      pingInterval: this.config.heartbeatIntervalMs,
      pingTimeout: 20000,
      // An Engine.IO connection that joins no namespace in time is closed (it only holds a slot).
      connectTimeout: this.config.socket.connectTimeoutMs,
      maxHttpBufferSize: ENGINE_MAX_BUFFER_BYTES,
      serveClient: false,
      // Upgrade requests for other paths get a second to be answered by their own handler (the
      // killmail feed's /updates answers at once); ones nobody answers are closed, not left hanging.
      destroyUpgrade: true,
      destroyUpgradeTimeout: 1000,
      cors: {
        origin: this.config.corsOrigins === '*' ? true : this.config.corsOrigins,
        credentials: true,
      },
      allowRequest: (req, callback) => {
        if (!realtime.isAccepting) {
          metrics.rejectedConnections.inc({ namespace: '*', code: 'socket_error:unavailable' });
          return callback('server shutting down', false);
        }
        if (!isOriginAllowed(req, this.config.corsOrigins)) {
          metrics.rejectedConnections.inc({ namespace: '*', code: 'socket_error:forbidden' });
          return callback('origin not allowed', false);
        }
        callback(null, true);
      },
    };
    const io = this.httpServer && port === 0 ? new Server(this.httpServer, opts) : new Server(port, opts);
    coalesceWebSocketWrites(io);
    coalesceHeartbeats(io, this.config.heartbeatIntervalMs, heartbeatSlotMs(this.config.heartbeatIntervalMs));
    const redis = this.app.get(RedisService);
    if (redis.enabled) {
      const pub = redis.connect('adapter-pub');
      const sub = redis.connect('adapter-sub');
      // Whatever other instances broadcast while the adapter was away is read back from the
      // event log as soon as it is back (and by the sequencer's poll meanwhile).
      const sequencer = this.app.get(DeliverySequencer);
      for (const connection of [pub, sub]) {
        connection.on('ready', () => void sequencer.repair('reconnect'));
        connection.on('close', () => sequencer.adapterLost());
      }
      io.adapter(
        createShardedAdapter(pub, sub, {
          channelPrefix: `${this.config.redisPrefix}#sio`,
          // One channel per namespace. The default ("dynamic") gives each room its own channel,
          // subscribed asynchronously on the first local join: an event published elsewhere in
          // that gap is lost, and a `since` replay that read the log just before could not
          // cover it. Every instance now sees every broadcast of a namespace, which is the
          // case anyway once members are spread across instances.
          subscriptionMode: 'static',
        }),
      );
      this.log.log('Socket.IO adapter: sharded Redis pub/sub');
    } else {
      this.log.log('Socket.IO adapter: in-memory (single instance)');
    }
    // The kernel's policy guards every namespace from the moment it exists; a gateway only
    // claims its own (SocketPolicy.attach). The root namespace and names nobody serves refuse.
    const policy = this.app.get(SocketPolicy);
    policy.guard(io.of('/'));
    io.on('new_namespace', (nsp) => policy.guard(nsp));
    refuseUnknownNamespaces(io);
    policy.onRefusedUnserved = (nsp) => forgetUnservedNamespace(io, nsp);
    realtime.attach(io);
    this.io = io;
    return io;
  }
}

/** No Origin header means a non-browser client, which CORS does not concern. */
function isOriginAllowed(req: IncomingMessage, allowed: AppConfig['corsOrigins']): boolean {
  const origin = req.headers.origin;
  if (!origin || allowed === '*') return true;
  return allowed.includes(origin.replace(/\/$/, ''));
}

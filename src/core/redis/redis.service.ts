import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../config';

/**
 * Redis connections when REDIS_URL is set: `client` for commands (job locks, presence),
 * and `connect()` for the adapter's dedicated pub/sub connections. Commands fail fast
 * while Redis is down (no offline queue) so callers degrade instead of piling up work.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client: Redis | undefined;
  private readonly connections: Redis[] = [];
  private readonly firstReady: Promise<void>;
  private everReady = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    if (config.redisUrl) this.client = this.connect('commands', { enableOfflineQueue: false });
    const client = this.client;
    this.firstReady = client
      ? new Promise((resolve) =>
          client.once('ready', () => {
            this.everReady = true;
            resolve();
          }),
        )
      : Promise.resolve();
  }

  /**
   * Waits (at most `timeoutMs`) for the command connection's first connect. Without an
   * offline queue a command sent while the app is still starting fails at once ("Stream
   * isn't writeable"); after that first connect, callers keep failing fast during outages.
   */
  async startedUp(timeoutMs: number): Promise<void> {
    if (this.everReady || !this.client) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([this.firstReady, timeout]);
    clearTimeout(timer);
  }

  /** A key in this deployment's keyspace (REDIS_PREFIX). */
  key(...parts: Array<string | number>): string {
    return [this.config.redisPrefix, ...parts].join(':');
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  /** A new connection (pub/sub needs its own); closed with the service. */
  connect(name: string, options: { enableOfflineQueue?: boolean } = {}): Redis {
    if (!this.config.redisUrl) throw new Error('REDIS_URL is not configured');
    const redis = new Redis(this.config.redisUrl, {
      connectionName: `herald:${name}`,
      lazyConnect: false,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: options.enableOfflineQueue ?? true,
      // Reconnect quickly but not in a hot loop (cross-instance broadcasts resume within 5 s of Redis returning).
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    let down = false;
    redis.on('error', (err: Error) => {
      if (!down) this.logger.warn(`redis ${name}: ${err.message}`);
      down = true;
    });
    redis.on('ready', () => {
      if (down) this.logger.log(`redis ${name}: reconnected`);
      down = false;
    });
    this.connections.push(redis);
    return redis;
  }

  /** True when every connection is ready. */
  isHealthy(): boolean {
    return this.connections.every((c) => c.status === 'ready');
  }

  /** After the socket server has closed (its adapter still talks to Redis while closing). */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.connections.map((c) =>
        c.quit().catch(() => {
          c.disconnect();
        }),
      ),
    );
  }
}

import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config';
import { DomainError } from '../errors';
import { RedisService } from '../redis/redis.service';

/** How often this instance tells Redis it is alive; its per-user counts lapse once it stops. */
const HEARTBEAT_MS = 5_000;
const INSTANCE_TTL_MS = 3 * HEARTBEAT_MS;
/** A user's connection hash outlives its last refresh by this; refreshed for local users. */
const USER_HASH_TTL_S = 3600;
const USER_HASH_REFRESH_EVERY = Math.floor((10 * 60_000) / HEARTBEAT_MS);
/** Longest ban the admin route accepts (a week). */
export const MAX_BAN_SECONDS = 7 * 24 * 3600;

/**
 * Checks the ban, then counts the user's connections over live instances (an instance
 * whose heartbeat key lapsed has crashed: its field is dropped) and takes one slot if
 * under the cap. Returns -2 banned, -1 over the cap, else the new total.
 */
const ADMIT_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return -2 end
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #fields, 2 do
  local instance = fields[i]
  if instance == ARGV[1] or redis.call('EXISTS', ARGV[3] .. instance) == 1 then
    total = total + tonumber(fields[i + 1])
  else
    redis.call('HDEL', KEYS[1], instance)
  end
end
if total >= tonumber(ARGV[2]) then return -1 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return total + 1
`;

const RELEASE_LUA = `
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left
`;

/** One admitted connection; `release()` is idempotent. */
export interface ConnectionSlot {
  release(): void;
}

/**
 * Connection caps checked at the handshake: handshakes per IP per second, connections in
 * total, per IP and per user, and admin bans. Counts are of namespace connections (one
 * browser tab on two namespaces holds two). The per-user count and bans are shared
 * through Redis when it is configured: each instance keeps its share in one hash field per
 * user and refreshes a heartbeat key, so the shares of a crashed instance stop counting
 * once its heartbeat lapses. While Redis is unreachable the local counts alone apply.
 */
@Injectable()
export class ConnectionLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ConnectionLimiter.name);
  private readonly instanceId = randomUUID();
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly perUser = new Map<string, number>();
  private readonly handshakes = new Map<string, number>();
  private handshakeWindow = 0;
  private readonly bans = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | undefined;
  private beats = 0;
  private redisDownLogged = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {}

  onModuleInit(): void {
    if (!this.redis.enabled) return;
    const beat = () => {
      this.beats++;
      void this.beat(this.beats % USER_HASH_REFRESH_EVERY === 0);
    };
    void this.redis.startedUp(2000).then(() => this.beat(false));
    this.heartbeat = setInterval(beat, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.heartbeat);
    const client = this.redis.client;
    if (client) await client.del(this.instanceKey(this.instanceId)).catch(() => undefined);
  }

  /** Counts a handshake from `ip`; throws once the address passed its rate this second. */
  checkHandshakeRate(ip: string): void {
    const window = Math.floor(Date.now() / 1000);
    if (window !== this.handshakeWindow) {
      this.handshakeWindow = window;
      this.handshakes.clear();
    }
    const count = (this.handshakes.get(ip) ?? 0) + 1;
    this.handshakes.set(ip, count);
    if (count > this.config.socket.handshakesPerIpPerSecond) {
      throw tooMany(`more than ${this.config.socket.handshakesPerIpPerSecond} handshakes per second from this address`);
    }
  }

  /**
   * Takes a slot for a verified user from `ip`, or throws `too_many_connections`
   * (or `unauthorized` while the user is banned).
   */
  async admit(userId: string, ip: string): Promise<ConnectionSlot> {
    const { maxConnections, maxConnectionsPerIp, maxConnectionsPerUser } = this.config.socket;
    if (this.total >= maxConnections) throw tooMany(`the server holds its maximum of ${maxConnections} connections`);
    if ((this.perIp.get(ip) ?? 0) >= maxConnectionsPerIp) {
      throw tooMany(`more than ${maxConnectionsPerIp} connections from this address`);
    }
    this.checkLocalBan(userId);
    if ((this.perUser.get(userId) ?? 0) >= maxConnectionsPerUser) throw tooManyForUser(maxConnectionsPerUser);
    // Taken before the Redis round trip so concurrent handshakes of one user count each other.
    this.take(userId, ip);
    let shared = false;
    try {
      shared = await this.admitShared(userId);
    } catch (err) {
      this.give(userId, ip);
      throw err;
    }
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.give(userId, ip);
        if (shared) void this.releaseShared(userId);
      },
    };
  }

  /** Refuses the user's handshakes on every instance for `seconds`. */
  async ban(userId: string, seconds: number): Promise<void> {
    if (seconds <= 0) return;
    this.bans.set(userId, Date.now() + seconds * 1000);
    const client = this.redis.client;
    if (client) await client.set(this.banKey(userId), '1', 'EX', seconds);
  }

  /** Connections this instance holds (tests and metrics). */
  get localConnections(): number {
    return this.total;
  }

  private checkLocalBan(userId: string): void {
    const until = this.bans.get(userId);
    if (until === undefined) return;
    if (until > Date.now()) throw banned();
    this.bans.delete(userId);
  }

  /** True when the slot was recorded in Redis (and must be released there). */
  private async admitShared(userId: string): Promise<boolean> {
    const client = this.redis.client;
    if (!client) return false;
    let result: unknown;
    try {
      result = await client.eval(
        ADMIT_LUA,
        2,
        this.userKey(userId),
        this.banKey(userId),
        this.instanceId,
        String(this.config.socket.maxConnectionsPerUser),
        this.instanceKey(''),
        String(USER_HASH_TTL_S),
      );
    } catch (err) {
      // Fail open to the local caps: an unreachable Redis must not lock every user out.
      if (!this.redisDownLogged) this.logger.warn(`connection caps: Redis unavailable, local counts only (${(err as Error).message})`);
      this.redisDownLogged = true;
      return false;
    }
    this.redisDownLogged = false;
    if (result === -2) throw banned();
    if (result === -1) throw tooManyForUser(this.config.socket.maxConnectionsPerUser);
    return true;
  }

  private async releaseShared(userId: string): Promise<void> {
    await this.redis.client?.eval(RELEASE_LUA, 1, this.userKey(userId), this.instanceId).catch(() => undefined);
  }

  private async beat(refreshUsers: boolean): Promise<void> {
    const client = this.redis.client;
    if (!client) return;
    try {
      const pipeline = client.pipeline().set(this.instanceKey(this.instanceId), '1', 'PX', INSTANCE_TTL_MS);
      if (refreshUsers) for (const userId of this.perUser.keys()) pipeline.expire(this.userKey(userId), USER_HASH_TTL_S);
      await pipeline.exec();
    } catch {
      // Redis down: counts fall back to local ones until it returns; the next beat renews.
    }
    for (const [userId, until] of this.bans) if (until <= Date.now()) this.bans.delete(userId);
  }

  private take(userId: string, ip: string): void {
    this.total++;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.perUser.set(userId, (this.perUser.get(userId) ?? 0) + 1);
  }

  private give(userId: string, ip: string): void {
    this.total--;
    decrement(this.perIp, ip);
    decrement(this.perUser, userId);
  }

  private userKey(userId: string): string {
    return this.redis.key('connections', 'user', userId);
  }

  private banKey(userId: string): string {
    return this.redis.key('connections', 'ban', userId);
  }

  private instanceKey(instanceId: string): string {
    return this.redis.key('connections', 'instance', instanceId);
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const left = (map.get(key) ?? 0) - 1;
  if (left > 0) map.set(key, left);
  else map.delete(key);
}

function tooMany(message: string): DomainError {
  return new DomainError('too_many_connections', message);
}

function tooManyForUser(max: number): DomainError {
  return tooMany(`more than ${max} connections for this user`);
}

function banned(): DomainError {
  return new DomainError('unauthorized', 'disconnected by an operator; try again later');
}

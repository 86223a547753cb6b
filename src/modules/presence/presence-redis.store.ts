import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import type { PresenceStore, RemoveResult, StoredSocket, StoredUser, SweepResult, UpsertResult } from './presence.store';
import type { PresenceTimings } from './presence.timing';

/**
 * Presence shared by every instance through Redis. Keys (all under the deployment prefix):
 *
 * - `presence:sockets:<userId>`  hash socketId → JSON StoredSocket
 * - `presence:seen:<userId>`     ms when the user's last socket went (kept 30 days)
 * - `presence:expiry`            sorted set of `<socketId>|<userId>` scored by lastSeen: the sweep's index
 * - `presence:version`           the change sequence (StoredUser.version); started from the server
 *                                clock in µs, so it keeps increasing even if Redis lost its data
 *
 * Every change is one Lua script, so the hash, the index and the last-seen mark move
 * together even when several instances write for the same user at once, and the state a
 * write returns is exactly the state right after it. Socket ids never contain `|`.
 */

/** Lua: the next number of the change sequence in KEYS[n]. */
const BUMP = `
local function bump(key)
  if redis.call('EXISTS', key) == 0 then
    local t = redis.call('TIME')
    redis.call('SET', key, t[1] .. string.format('%06d', tonumber(t[2])))
  end
  return redis.call('INCR', key)
end
`;

/** KEYS: sockets hash, seen, expiry index, version. ARGV: keyTtlMs, socketId, json, lastSeen, member. */
const UPSERT = `${BUMP}
local created = redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[1])
local version = bump(KEYS[4])
return {created, redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2]), version}
`;

/**
 * KEYS: expiry index, version. ARGV: sockets key prefix, keyTtlMs, then per entry userId,
 * socketId, json, lastSeen. Returns the 0-based positions of entries that had to be
 * re-created (they will be announced, so the sequence moves on).
 */
const REFRESH = `${BUMP}
local created = {}
local n = 0
for i = 3, #ARGV, 4 do
  local key = ARGV[1] .. ARGV[i]
  if redis.call('HSET', key, ARGV[i + 1], ARGV[i + 2]) == 1 then created[#created + 1] = n end
  redis.call('PEXPIRE', key, ARGV[2])
  redis.call('ZADD', KEYS[1], ARGV[i + 3], ARGV[i + 1] .. '|' .. ARGV[i])
  n = n + 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if #created > 0 then bump(KEYS[2]) end
return created
`;

/** KEYS: sockets hash, seen, expiry index, version. ARGV: socketId, member, at, seenTtlMs. */
const REMOVE = `${BUMP}
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2])
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[3]) > previous then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4]) end
local version
if removed == 1 then version = bump(KEYS[4]) else version = tonumber(redis.call('GET', KEYS[4]) or '0') end
return {removed, redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2]), version}
`;

/**
 * KEYS: expiry index, version. ARGV: cutoff (exclusive), limit, sockets key prefix, seen
 * key prefix, seenTtlMs. Returns {entries removed, affected user ids}.
 */
const SWEEP = `${BUMP}
local found = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local users = {}
local seen = {}
for i = 1, #found, 2 do
  local member = found[i]
  local sep = string.find(member, '|', 1, true)
  if sep then
    local socketId = string.sub(member, 1, sep - 1)
    local userId = string.sub(member, sep + 1)
    redis.call('HDEL', ARGV[3] .. userId, socketId)
    local seenKey = ARGV[4] .. userId
    local previous = tonumber(redis.call('GET', seenKey) or '0')
    if tonumber(found[i + 1]) > previous then redis.call('SET', seenKey, found[i + 1], 'PX', ARGV[5]) end
    if not seen[userId] then
      seen[userId] = true
      users[#users + 1] = userId
    end
  end
  redis.call('ZREM', KEYS[1], member)
end
if #found > 0 then bump(KEYS[2]) end
return {#found / 2, users}
`;

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when Redis lost its script
 * cache (restart). Both are sent at call time on one connection, so calls apply in the
 * order they were made.
 */
function luaScript(lua: string) {
  const sha = createHash('sha1').update(lua).digest('hex');
  return {
    async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!(err as Error).message?.startsWith('NOSCRIPT')) throw err;
        return redis.eval(lua, keys.length, ...keys, ...args);
      }
    },
  };
}

const scripts = {
  upsert: luaScript(UPSERT),
  refresh: luaScript(REFRESH),
  remove: luaScript(REMOVE),
  sweep: luaScript(SWEEP),
};

/** Entries per REFRESH call: bounds how long one script holds Redis. */
const REFRESH_BATCH = 500;

export class PresenceRedisStore implements PresenceStore {
  private readonly expiryKey: string;
  private readonly versionKey: string;
  private readonly socketsPrefix: string;
  private readonly seenPrefix: string;

  constructor(
    private readonly redis: Redis,
    /** Builds a key in the deployment's keyspace (RedisService.key). */
    key: (...parts: string[]) => string,
    private readonly timings: Pick<PresenceTimings, 'keyTtlMs' | 'lastSeenRetentionMs'>,
  ) {
    this.expiryKey = key('presence', 'expiry');
    this.versionKey = key('presence', 'version');
    this.socketsPrefix = key('presence', 'sockets', '');
    this.seenPrefix = key('presence', 'seen', '');
  }

  async upsert(entry: StoredSocket): Promise<UpsertResult> {
    const reply = (await scripts.upsert.run(this.redis, this.keysOf(entry.userId), [
      this.timings.keyTtlMs,
      entry.socketId,
      JSON.stringify(entry),
      entry.lastSeen,
      member(entry.userId, entry.socketId),
    ])) as [number, string[], string | null, number];
    return { created: reply[0] === 1, user: parseUser(entry.userId, reply[1], reply[2], reply[3]) };
  }

  async refresh(entries: StoredSocket[]): Promise<StoredSocket[]> {
    // Every batch is sent now, in order, so a later write for the same socket (a heartbeat) lands after it.
    const calls: Array<Promise<StoredSocket[]>> = [];
    for (let i = 0; i < entries.length; i += REFRESH_BATCH) {
      const batch = entries.slice(i, i + REFRESH_BATCH);
      const args: Array<string | number> = [this.socketsPrefix, this.timings.keyTtlMs];
      for (const e of batch) args.push(e.userId, e.socketId, JSON.stringify(e), e.lastSeen);
      calls.push(
        scripts.refresh
          .run(this.redis, [this.expiryKey, this.versionKey], args)
          .then((positions) => (positions as number[]).map((p) => batch[p])),
      );
    }
    return (await Promise.all(calls)).flat();
  }

  async remove(userId: string, socketId: string, at: number): Promise<RemoveResult> {
    const reply = (await scripts.remove.run(this.redis, this.keysOf(userId), [
      socketId,
      member(userId, socketId),
      at,
      this.timings.lastSeenRetentionMs,
    ])) as [number, string[], string | null, number];
    return { removed: reply[0] === 1, user: parseUser(userId, reply[1], reply[2], reply[3]) };
  }

  async sweep(cutoff: number, limit: number): Promise<SweepResult> {
    const [removed, userIds] = (await scripts.sweep.run(
      this.redis,
      [this.expiryKey, this.versionKey],
      [cutoff, limit, this.socketsPrefix, this.seenPrefix, this.timings.lastSeenRetentionMs],
    )) as [number, string[]];
    return { removed, userIds };
  }

  /** One transaction, so the version read belongs to exactly the state read. */
  async get(userIds: string[]): Promise<StoredUser[]> {
    if (!userIds.length) return [];
    const transaction = this.redis.multi();
    for (const id of userIds) {
      transaction.hgetall(this.socketsPrefix + id);
      transaction.get(this.seenPrefix + id);
    }
    transaction.get(this.versionKey);
    const replies = (await transaction.exec()) ?? [];
    const reply = (i: number): unknown => {
      const [err, value] = replies[i] ?? [new Error('no reply from Redis'), null];
      if (err) throw err;
      return value;
    };
    const version = Number(reply(2 * userIds.length) ?? 0);
    return userIds.map((id, i) => parseUser(id, flatHash(reply(2 * i)), reply(2 * i + 1) as string | null, version));
  }

  private keysOf(userId: string): string[] {
    return [this.socketsPrefix + userId, this.seenPrefix + userId, this.expiryKey, this.versionKey];
  }
}

const member = (userId: string, socketId: string) => `${socketId}|${userId}`;

/** HGETALL inside a transaction: ioredis may hand back the object or the raw [field, value, …]. */
function flatHash(reply: unknown): string[] {
  if (Array.isArray(reply)) return reply as string[];
  return Object.entries((reply ?? {}) as Record<string, string>).flat();
}

/** From HGETALL's flat [field, value, …] and the seen mark; unreadable entries are skipped. */
function parseUser(userId: string, flat: string[], seen: string | null, version: number): StoredUser {
  const sockets: StoredSocket[] = [];
  for (let i = 1; i < flat.length; i += 2) {
    const entry = parseEntry(flat[i]);
    if (entry) sockets.push(entry);
  }
  const mark = seen === null ? NaN : Number(seen);
  return { userId, sockets, lastSeen: Number.isFinite(mark) ? mark : null, version: Number(version) || 0 };
}

function parseEntry(json: string): StoredSocket | undefined {
  try {
    const e = JSON.parse(json) as Partial<StoredSocket>;
    if (typeof e.socketId !== 'string' || typeof e.userId !== 'string') return undefined;
    if (typeof e.connectedAt !== 'number' || typeof e.lastSeen !== 'number') return undefined;
    return {
      socketId: e.socketId,
      userId: e.userId,
      connectedAt: e.connectedAt,
      lastSeen: e.lastSeen,
      userAgent: typeof e.userAgent === 'string' ? e.userAgent : null,
      ip: typeof e.ip === 'string' ? e.ip : null,
    };
  } catch {
    return undefined;
  }
}

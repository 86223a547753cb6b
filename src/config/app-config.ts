import { z } from 'zod';
import { NOTIFICATION_CATEGORIES, NOTIFICATION_PRIORITIES, type NotificationCategory, type NotificationPriority } from '../core/ports/user-notifier';

/**
 * The one typed view of the environment (docs/configuration.md). Nothing else reads
 * process.env: everything receives AppConfig through the APP_CONFIG provider.
 */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** Name the plain-SQL driver's statements on PostgreSQL, so each connection plans them once. */
  databasePreparedStatements: boolean;
  dataDir: string;
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so deployments can share one Redis. */
  redisPrefix: string;
  jwt: {
    /** HS256 shared secret, or undefined when a public key is configured. */
    secret: string | undefined;
    publicKey: string | undefined;
    /** True when the secret is the generated development one. */
    isDevSecret: boolean;
    issuer: string | undefined;
    audience: string | undefined;
    /** Longest lifetime (exp − iat, or exp − now without iat) a token may have. */
    maxTtlSeconds: number;
  };
  corsOrigins: '*' | string[];
  internalNetworks: string[];
  trustProxy: boolean;
  /** Proxies whose X-Forwarded-For entries are believed (only when trustProxy). */
  trustedProxies: string[];
  socket: {
    maxPayloadBytes: number;
    /** Sustained inbound events per second per socket, and the burst allowed above it. */
    rateLimitPerSecond: number;
    rateLimitBurst: number;
    maxRoomsPerSocket: number;
    /** Bytes an outgoing buffer may hold before the socket is treated as a slow consumer. */
    maxBufferedBytes: number;
    /** An Engine.IO connection that joins no namespace within this is closed. */
    connectTimeoutMs: number;
    maxConnectionsPerUser: number;
    maxConnectionsPerIp: number;
    handshakesPerIpPerSecond: number;
    maxConnections: number;
  };
  /** Events one user may have replayed (socket `since` and GET /api/history) per minute. */
  replayBudgetPerMinute: number;
  /** Batch publish requests (`POST …/batch`) one instance works on at once; more wait, bodies unread. */
  batchPublishConcurrency: number;
  /** Bearer token /metrics requires when set. */
  metricsToken: string | undefined;
  apiDocsEnabled: boolean;
  presenceTtlSeconds: number;
  heartbeatIntervalMs: number;
  killmail: { idleTimeoutMs: number; upstreamUrl: string | undefined };
  /** Per-user and per-parent limits on stored work (HTTP 429 `quota_exceeded` beyond them). */
  quotas: {
    runningClocksPerUser: number;
    campaignsPerUser: number;
    settlementsPerCampaign: number;
    structuresPerSettlement: number;
  };
  /** A running world clock is re-announced at most this often (changes of state or rate go out at once). */
  worldClockBroadcastSeconds: number;
  /** Presence heartbeats one socket may send per minute; the excess is acknowledged `rate_limited` and not recorded. */
  presenceHeartbeatsPerMinute: number;
  /** Bounds on how one killmail is routed to rooms (it is stored whole either way). */
  killmailRouting: { maxParties: number; maxRooms: number };
  intelligence: {
    broadcastIntervalMs: number;
    economicChangePct: number;
    populationChangePct: number;
    vitalityDropPoints: number;
  };
  discord: {
    enabled: boolean;
    webhookUrl: string | undefined;
    /** Notifications of these categories are escalated to the webhook. */
    categories: NotificationCategory[];
    /** And those of this priority or above, whatever their category (undefined: none by priority). */
    minPriority: NotificationPriority | undefined;
  };
  eventRetentionHours: number;
  shutdown: {
    drainDelayMs: number;
    disconnectBatchSize: number;
    /** The whole SIGTERM sequence must end within this; past it the process exits 1. */
    deadlineMs: number;
  };
  /** Fault injection for tests only; production refuses it. */
  faults: {
    /** Die (SIGKILL) right after a transaction that stored events commits, before they are emitted. */
    exitAfterCommit: boolean;
  };
  logFormat: 'json' | 'pretty';
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** SIGTERM: the whole shutdown must end within this by default (SHUTDOWN_DEADLINE_MS). */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 20_000;

const DEFAULT_INTERNAL_NETWORKS =
  '127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const decimal = (min: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min));

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => ['true', '1', 'yes'].includes(v));

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

/** A comma list drawn from `choices`; `none` is the empty list. */
const choiceList = <T extends string>(choices: readonly T[]) =>
  z
    .string()
    .transform((v) => (v.trim() === 'none' ? [] : v.split(',').map((s) => s.trim()).filter(Boolean)))
    .refine((list) => list.every((c) => (choices as readonly string[]).includes(c)), `must be none or a comma list of: ${choices.join(', ')}`)
    .transform((list) => [...new Set(list)] as T[]);

const cidrList = z
  .string()
  .trim()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((list) => list.every(isCidr), 'must be a comma list of CIDR ranges like 10.0.0.0/8');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATABASE_URL: url(['postgresql:', 'postgres:']).optional(),
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_PREFIX: z.string().trim().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be letters, digits, _ . -').default('herald'),
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  JWT_PUBLIC_KEY: z
    .string()
    .refine((v) => v.includes('-----BEGIN'), 'must be a PEM public key')
    .optional(),
  JWT_ISSUER: z.string().trim().min(1).optional(),
  JWT_AUDIENCE: z.string().trim().min(1).optional(),
  JWT_MAX_TTL_SECONDS: int(1).default(86_400),
  CORS_ORIGINS: z.string().trim().optional(),
  INTERNAL_NETWORKS: cidrList.default(cidrList.parse(DEFAULT_INTERNAL_NETWORKS)),
  TRUST_PROXY: bool.default(false),
  TRUSTED_PROXIES: cidrList.default(cidrList.parse(DEFAULT_INTERNAL_NETWORKS)),
  SOCKET_MAX_PAYLOAD_BYTES: int(64, 10 * 1024 * 1024).default(5120),
  SOCKET_RATE_LIMIT_PER_SECOND: int(1).default(50),
  SOCKET_RATE_LIMIT_BURST: int(1).default(100),
  SOCKET_MAX_ROOMS: int(1, 100_000).default(128),
  SOCKET_MAX_BUFFERED_BYTES: int(1024).default(4 * 1024 * 1024),
  SOCKET_CONNECT_TIMEOUT_MS: int(100).default(10_000),
  SOCKET_MAX_CONNECTIONS_PER_USER: int(1).default(20),
  SOCKET_MAX_CONNECTIONS_PER_IP: int(1).default(200),
  SOCKET_HANDSHAKES_PER_IP_PER_SECOND: int(1).default(20),
  SOCKET_MAX_CONNECTIONS: int(1).default(15_000),
  REPLAY_BUDGET_EVENTS_PER_MINUTE: int(1).default(20_000),
  BATCH_PUBLISH_CONCURRENCY: int(1, 64).default(2),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  API_DOCS_ENABLED: bool.optional(),
  PRESENCE_TTL_SECONDS: int(1).default(60),
  HEARTBEAT_INTERVAL_MS: int(1000).default(25000),
  KILLMAIL_IDLE_TIMEOUT_MS: int(100).default(120000),
  KILLMAIL_UPSTREAM_URL: url(['http:', 'https:']).optional(),
  INTELLIGENCE_BROADCAST_INTERVAL_MS: int(100).default(30000),
  QUOTA_RUNNING_CLOCKS_PER_USER: int(0).default(10),
  QUOTA_CAMPAIGNS_PER_USER: int(0).default(100),
  QUOTA_SETTLEMENTS_PER_CAMPAIGN: int(0).default(1000),
  QUOTA_STRUCTURES_PER_SETTLEMENT: int(0).default(1000),
  WORLD_CLOCK_BROADCAST_SECONDS: int(1, 86_400).default(60),
  PRESENCE_HEARTBEATS_PER_MINUTE: int(1).default(12),
  KILLMAIL_MAX_ROUTED_PARTIES: int(1, 10_000).default(500),
  KILLMAIL_MAX_ROOMS_PER_EVENT: int(3, 100_000).default(1500),
  ALERT_ECONOMIC_CHANGE_PCT: decimal(0).default(5),
  ALERT_POPULATION_CHANGE_PCT: decimal(0).default(2),
  ALERT_VITALITY_DROP_POINTS: decimal(0).default(10),
  DISCORD_WEBHOOK_ENABLED: bool.default(false),
  DISCORD_WEBHOOK_URL: url(['http:', 'https:']).optional(),
  DISCORD_WEBHOOK_CATEGORIES: choiceList(NOTIFICATION_CATEGORIES).default(['compliance', 'defense']),
  DISCORD_WEBHOOK_MIN_PRIORITY: z.enum([...NOTIFICATION_PRIORITIES, 'none']).default('critical'),
  EVENT_RETENTION_HOURS: decimal(0).default(72),
  SHUTDOWN_DRAIN_DELAY_MS: int(0, 20000).default(1000),
  SHUTDOWN_DISCONNECT_BATCH: int(1).default(500),
  SHUTDOWN_DEADLINE_MS: int(1000, 120000).default(DEFAULT_SHUTDOWN_DEADLINE_MS),
  HERALD_FAULT_EXIT_AFTER_COMMIT: bool.default(false),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
});

type Env = Record<string, string | undefined>;

/**
 * Validates the environment once. `devSecret` supplies the development JWT secret when
 * none is configured outside production (see dev-secret.ts).
 */
export function loadConfig(env: Env, devSecret: (dataDir: string) => string): AppConfig {
  // Empty strings mean "unset" (docker-compose often passes VAR= through).
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([key, v]) => key in envSchema.shape && v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const production = e.NODE_ENV === 'production';

  if (production && !e.JWT_SECRET && !e.JWT_PUBLIC_KEY) {
    problems.push('JWT_SECRET: required in production (or set JWT_PUBLIC_KEY)');
  }
  if (e.JWT_SECRET && e.JWT_PUBLIC_KEY) {
    problems.push('JWT_SECRET: set either JWT_SECRET or JWT_PUBLIC_KEY, not both');
  }
  if (production && e.JWT_PUBLIC_KEY && (!e.JWT_ISSUER || !e.JWT_AUDIENCE)) {
    // A public key usually belongs to an identity provider that signs tokens for other
    // services too: without issuer and audience, any of its tokens would be accepted here.
    if (!e.JWT_ISSUER) problems.push('JWT_ISSUER: required in production with JWT_PUBLIC_KEY');
    if (!e.JWT_AUDIENCE) problems.push('JWT_AUDIENCE: required in production with JWT_PUBLIC_KEY');
  }
  if (production && e.KILLMAIL_UPSTREAM_URL && !e.KILLMAIL_UPSTREAM_URL.startsWith('https:')) {
    problems.push('KILLMAIL_UPSTREAM_URL: must be https:// in production');
  }
  if (e.DISCORD_WEBHOOK_ENABLED && !e.DISCORD_WEBHOOK_URL) {
    problems.push('DISCORD_WEBHOOK_URL: required when DISCORD_WEBHOOK_ENABLED is true');
  }
  let corsOrigins: AppConfig['corsOrigins'] = '*';
  if (e.CORS_ORIGINS && e.CORS_ORIGINS !== '*') {
    corsOrigins = e.CORS_ORIGINS.split(',').map((o) => o.trim().replace(/\/$/, ''));
    const bad = corsOrigins.filter((o) => !/^https?:\/\/[^/\s]+$/.test(o));
    if (bad.length) problems.push(`CORS_ORIGINS: not an origin (scheme://host[:port]): ${bad.join(', ')}`);
  } else if (production && !e.CORS_ORIGINS) {
    problems.push('CORS_ORIGINS: required in production (a comma list of allowed origins)');
  }
  if (production && e.HERALD_FAULT_EXIT_AFTER_COMMIT) {
    problems.push('HERALD_FAULT_EXIT_AFTER_COMMIT: a test-only fault injection, refused in production');
  }
  if (e.SHUTDOWN_DRAIN_DELAY_MS >= e.SHUTDOWN_DEADLINE_MS) {
    problems.push('SHUTDOWN_DRAIN_DELAY_MS: must be shorter than SHUTDOWN_DEADLINE_MS');
  }
  if (problems.length) throw new ConfigError(problems);

  const isDevSecret = !e.JWT_SECRET && !e.JWT_PUBLIC_KEY;
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    jwt: {
      secret: e.JWT_PUBLIC_KEY ? undefined : (e.JWT_SECRET ?? devSecret(e.DATA_DIR)),
      publicKey: e.JWT_PUBLIC_KEY,
      isDevSecret,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      maxTtlSeconds: e.JWT_MAX_TTL_SECONDS,
    },
    corsOrigins,
    internalNetworks: e.INTERNAL_NETWORKS,
    trustProxy: e.TRUST_PROXY,
    trustedProxies: e.TRUSTED_PROXIES,
    socket: {
      maxPayloadBytes: e.SOCKET_MAX_PAYLOAD_BYTES,
      rateLimitPerSecond: e.SOCKET_RATE_LIMIT_PER_SECOND,
      rateLimitBurst: e.SOCKET_RATE_LIMIT_BURST,
      maxRoomsPerSocket: e.SOCKET_MAX_ROOMS,
      maxBufferedBytes: e.SOCKET_MAX_BUFFERED_BYTES,
      connectTimeoutMs: e.SOCKET_CONNECT_TIMEOUT_MS,
      maxConnectionsPerUser: e.SOCKET_MAX_CONNECTIONS_PER_USER,
      maxConnectionsPerIp: e.SOCKET_MAX_CONNECTIONS_PER_IP,
      handshakesPerIpPerSecond: e.SOCKET_HANDSHAKES_PER_IP_PER_SECOND,
      maxConnections: e.SOCKET_MAX_CONNECTIONS,
    },
    replayBudgetPerMinute: e.REPLAY_BUDGET_EVENTS_PER_MINUTE,
    batchPublishConcurrency: e.BATCH_PUBLISH_CONCURRENCY,
    metricsToken: e.METRICS_TOKEN,
    apiDocsEnabled: e.API_DOCS_ENABLED ?? !production,
    presenceTtlSeconds: e.PRESENCE_TTL_SECONDS,
    heartbeatIntervalMs: e.HEARTBEAT_INTERVAL_MS,
    killmail: { idleTimeoutMs: e.KILLMAIL_IDLE_TIMEOUT_MS, upstreamUrl: e.KILLMAIL_UPSTREAM_URL },
    quotas: {
      runningClocksPerUser: e.QUOTA_RUNNING_CLOCKS_PER_USER,
      campaignsPerUser: e.QUOTA_CAMPAIGNS_PER_USER,
      settlementsPerCampaign: e.QUOTA_SETTLEMENTS_PER_CAMPAIGN,
      structuresPerSettlement: e.QUOTA_STRUCTURES_PER_SETTLEMENT,
    },
    worldClockBroadcastSeconds: e.WORLD_CLOCK_BROADCAST_SECONDS,
    presenceHeartbeatsPerMinute: e.PRESENCE_HEARTBEATS_PER_MINUTE,
    killmailRouting: { maxParties: e.KILLMAIL_MAX_ROUTED_PARTIES, maxRooms: e.KILLMAIL_MAX_ROOMS_PER_EVENT },
    intelligence: {
      broadcastIntervalMs: e.INTELLIGENCE_BROADCAST_INTERVAL_MS,
      economicChangePct: e.ALERT_ECONOMIC_CHANGE_PCT,
      populationChangePct: e.ALERT_POPULATION_CHANGE_PCT,
      vitalityDropPoints: e.ALERT_VITALITY_DROP_POINTS,
    },
    discord: {
      enabled: e.DISCORD_WEBHOOK_ENABLED,
      webhookUrl: e.DISCORD_WEBHOOK_URL,
      categories: e.DISCORD_WEBHOOK_CATEGORIES,
      minPriority: e.DISCORD_WEBHOOK_MIN_PRIORITY === 'none' ? undefined : e.DISCORD_WEBHOOK_MIN_PRIORITY,
    },
    eventRetentionHours: e.EVENT_RETENTION_HOURS,
    shutdown: {
      drainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS,
      disconnectBatchSize: e.SHUTDOWN_DISCONNECT_BATCH,
      deadlineMs: e.SHUTDOWN_DEADLINE_MS,
    },
    faults: { exitAfterCommit: e.HERALD_FAULT_EXIT_AFTER_COMMIT },
    logFormat: e.LOG_FORMAT ?? (production ? 'json' : 'pretty'),
    logLevel: e.LOG_LEVEL,
  };
}

function isCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
  const prefix = Number(bits);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(address)) {
    return prefix <= 32 && address.split('.').every((o) => Number(o) <= 255);
  }
  return address.includes(':') && prefix <= 128;
}

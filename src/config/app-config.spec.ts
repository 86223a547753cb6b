import { ConfigError, loadConfig } from './app-config';

const devSecret = () => 'dev-secret-dev-secret-dev-secret';
const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, devSecret);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadConfig({}, devSecret);
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      databasePreparedStatements: true,
      dataDir: './data',
      redisUrl: undefined,
      corsOrigins: '*',
      trustProxy: false,
      presenceTtlSeconds: 60,
      heartbeatIntervalMs: 25000,
      eventRetentionHours: 72,
      socket: { maxPayloadBytes: 5120, maxRoomsPerSocket: 128 },
      killmail: { idleTimeoutMs: 120000, upstreamUrl: undefined },
      intelligence: { broadcastIntervalMs: 30000, economicChangePct: 5, populationChangePct: 2, vitalityDropPoints: 10 },
      discord: { enabled: false, categories: ['compliance', 'defense'], minPriority: 'critical' },
    });
    expect(config.jwt).toMatchObject({ secret: devSecret(), isDevSecret: true });
    expect(config.internalNetworks).toContain('fc00::/7');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    [{ DATABASE_PREPARED_STATEMENTS: 'sometimes' }, 'DATABASE_PREPARED_STATEMENTS'],
    [{ INTERNAL_NETWORKS: '10.0.0.0/8,not-a-cidr' }, 'INTERNAL_NETWORKS'],
    [{ SOCKET_MAX_PAYLOAD_BYTES: '-1' }, 'SOCKET_MAX_PAYLOAD_BYTES'],
    [{ ALERT_ECONOMIC_CHANGE_PCT: 'five' }, 'ALERT_ECONOMIC_CHANGE_PCT'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ CORS_ORIGINS: 'example.com' }, 'CORS_ORIGINS'],
    [{ DISCORD_WEBHOOK_ENABLED: 'true' }, 'DISCORD_WEBHOOK_URL'],
    [{ DISCORD_WEBHOOK_CATEGORIES: 'compliance,gossip' }, 'DISCORD_WEBHOOK_CATEGORIES'],
    [{ DISCORD_WEBHOOK_MIN_PRIORITY: 'urgent' }, 'DISCORD_WEBHOOK_MIN_PRIORITY'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ SOCKET_MAX_CONNECTIONS_PER_USER: '0' }, 'SOCKET_MAX_CONNECTIONS_PER_USER'],
    [{ TRUSTED_PROXIES: 'proxy.local' }, 'TRUSTED_PROXIES'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ JWT_MAX_TTL_SECONDS: '1h' }, 'JWT_MAX_TTL_SECONDS'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(problems(env).join('\n')).toContain(variable);
  });

  it('refuses to start in production without a JWT key or CORS origins', () => {
    const found = problems({ NODE_ENV: 'production' }).join('\n');
    expect(found).toContain('JWT_SECRET');
    expect(found).toContain('CORS_ORIGINS');
  });

  it('never uses the development secret in production', () => {
    const config = loadConfig(
      { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-length', CORS_ORIGINS: 'https://app.example.com' },
      () => {
        throw new Error('dev secret must not be read in production');
      },
    );
    expect(config.jwt).toMatchObject({ secret: 'a-production-secret-of-length', isDevSecret: false });
    expect(config.corsOrigins).toEqual(['https://app.example.com']);
    expect(config.logFormat).toBe('json');
  });

  it('reads the Discord escalation rule: categories (or none) and a priority threshold (or none)', () => {
    const chosen = loadConfig({ DISCORD_WEBHOOK_CATEGORIES: ' economic, social ,economic', DISCORD_WEBHOOK_MIN_PRIORITY: 'high' }, devSecret);
    expect(chosen.discord).toMatchObject({ categories: ['economic', 'social'], minPriority: 'high' });
    const none = loadConfig({ DISCORD_WEBHOOK_CATEGORIES: 'none', DISCORD_WEBHOOK_MIN_PRIORITY: 'none' }, devSecret);
    expect(none.discord).toMatchObject({ categories: [], minPriority: undefined });
  });

  it('applies the edge defaults: connection caps, replay budget, token lifetime, docs on outside production', () => {
    const config = loadConfig({}, devSecret);
    expect(config.socket).toMatchObject({
      connectTimeoutMs: 10_000,
      maxConnectionsPerUser: 20,
      maxConnectionsPerIp: 200,
      handshakesPerIpPerSecond: 20,
      maxConnections: 15_000,
    });
    expect(config).toMatchObject({ replayBudgetPerMinute: 20_000, metricsToken: undefined, apiDocsEnabled: true });
    expect(config.jwt.maxTtlSeconds).toBe(86_400);
  });

  it('in production: API docs off by default, issuer and audience required with a public key, https upstream', () => {
    const base = { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' };
    const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
    const found = problems({ ...base, JWT_PUBLIC_KEY: pem, KILLMAIL_UPSTREAM_URL: 'http://feed.example.com' }).join('\n');
    expect(found).toContain('JWT_ISSUER');
    expect(found).toContain('JWT_AUDIENCE');
    expect(found).toContain('KILLMAIL_UPSTREAM_URL');
    const config = loadConfig({ ...base, JWT_SECRET: 'a-production-secret-of-length' }, devSecret);
    expect(config.apiDocsEnabled).toBe(false);
    expect(loadConfig({ ...base, JWT_SECRET: 'a-production-secret-of-length', API_DOCS_ENABLED: 'true' }, devSecret).apiDocsEnabled).toBe(true);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '', PORT: '' }, devSecret)).toMatchObject({ redisUrl: undefined, port: 3000 });
  });
});

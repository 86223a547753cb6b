/**
 * `npm run token -- --sub alice [--roles admin,service] [--ttl 1h]`
 * Prints a JWT signed with the configured secret (JWT_SECRET, or the development secret in DATA_DIR).
 */
import { sign } from 'jsonwebtoken';
import { parseArgs } from 'node:util';
import { loadConfig, readOrCreateDevSecret } from '../config';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseTtl(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!match) throw new Error(`--ttl: expected a duration like 30s, 15m, 1h or 7d, got "${value}"`);
  return Number(match[1]) * UNITS[match[2] || 's'];
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      roles: { type: 'string', default: '' },
      ttl: { type: 'string', default: '1h' },
    },
  });
  if (!values.sub) {
    process.stderr.write('usage: npm run token -- --sub <user id> [--roles admin,service] [--ttl 1h]\n');
    process.exit(2);
  }
  const config = loadConfig(process.env, (dir) => readOrCreateDevSecret(dir).secret);
  if (!config.jwt.secret) {
    process.stderr.write('JWT_PUBLIC_KEY is configured: tokens must be signed by your identity provider\n');
    process.exit(2);
  }
  // Always an expiry, never longer than the server accepts (JWT_MAX_TTL_SECONDS).
  let ttl = parseTtl(values.ttl);
  if (ttl <= 0) {
    process.stderr.write('--ttl: must be positive\n');
    process.exit(2);
  }
  if (ttl > config.jwt.maxTtlSeconds) {
    process.stderr.write(`--ttl capped at ${config.jwt.maxTtlSeconds} s (JWT_MAX_TTL_SECONDS)\n`);
    ttl = config.jwt.maxTtlSeconds;
  }
  const roles = values.roles.split(',').map((r) => r.trim()).filter(Boolean);
  const token = sign({ roles }, config.jwt.secret, {
    algorithm: 'HS256',
    subject: values.sub,
    expiresIn: ttl,
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
  });
  process.stdout.write(`${token}\n`);
}

if (require.main === module) main();

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const FILE_NAME = 'dev-jwt-secret';

/**
 * The development JWT secret lives in DATA_DIR so the gateway and `npm run token`
 * agree on it across restarts. Never used in production (config refuses to start).
 */
export function readOrCreateDevSecret(dataDir: string): { secret: string; created: boolean } {
  const file = path.resolve(dataDir, FILE_NAME);
  try {
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (secret.length >= 16) return { secret, created: false };
  } catch {
    // not there yet
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return { secret, created: true };
}

/** The first six characters, the rest starred: enough to tell secrets apart in a log, not to use one. */
export function maskSecret(secret: string): string {
  return `${secret.slice(0, 6)}${'*'.repeat(Math.max(0, secret.length - 6))}`;
}

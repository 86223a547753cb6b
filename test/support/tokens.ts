import { sign, type SignOptions } from 'jsonwebtoken';

/** The HS256 secret every test app is started with. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';

export interface TokenOptions {
  roles?: string[];
  /** Seconds; negative makes an already expired token. */
  ttl?: number;
  secret?: string;
  extra?: SignOptions;
}

export function token(sub: string, options: TokenOptions = {}): string {
  const ttl = options.ttl ?? 3600;
  const now = Math.floor(Date.now() / 1000);
  return sign({ roles: options.roles ?? [], iat: now - (ttl < 0 ? 3600 : 0), exp: now + ttl }, options.secret ?? TEST_JWT_SECRET, {
    algorithm: 'HS256',
    subject: sub,
    ...options.extra,
  });
}

export const adminToken = (sub = 'admin-1') => token(sub, { roles: ['admin'] });
export const serviceToken = (sub = 'service-1') => token(sub, { roles: ['service'] });

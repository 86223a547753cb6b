import { sign } from 'jsonwebtoken';

/** HS256 secret shared by the runner, Herald under test and the load processes. */
export const BENCH_JWT_SECRET = 'herald-bench-secret-not-for-production-use';

export function benchToken(sub: string, roles: string[] = [], secret = BENCH_JWT_SECRET): string {
  return sign({ roles }, secret, { algorithm: 'HS256', subject: sub, expiresIn: '4h' });
}

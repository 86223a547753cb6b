import { JwtService } from '@nestjs/jwt';
import { sign } from 'jsonwebtoken';
import type { AppConfig } from '../../config';
import { DomainError } from '../errors';
import { AuthService } from './auth.service';

const SECRET = 'unit-secret-long-enough-0123456789abcdef';
const config = { jwt: { secret: SECRET, publicKey: undefined, isDevSecret: false, issuer: undefined, audience: undefined, maxTtlSeconds: 86_400 } } as unknown as AppConfig;
const tokenFor = (sub: string, expiresIn: number, secret = SECRET) => sign({ roles: ['service'] }, secret, { subject: sub, expiresIn, algorithm: 'HS256' });
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as DomainError).code;
  }
  return 'accepted';
};

describe('AuthService.verify', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a repeated token like the first time, and a caller cannot change the remembered principal', () => {
    const auth = new AuthService(new JwtService(), config);
    const token = tokenFor('svc', 600);
    const first = auth.verify(token);
    first.roles.push('admin');
    expect(auth.verify(token)).toEqual({ userId: 'svc', roles: ['service'], expiresAt: expect.any(Number) });
  });

  it('refuses a remembered token once it has expired', () => {
    jest.useFakeTimers({ now: new Date('2026-12-02T10:00:00Z') });
    const auth = new AuthService(new JwtService(), config);
    const token = tokenFor('svc', 60);
    expect(codeOf(() => auth.verify(token))).toBe('accepted');
    jest.setSystemTime(new Date('2026-12-02T10:00:59Z'));
    expect(codeOf(() => auth.verify(token))).toBe('accepted');
    jest.setSystemTime(new Date('2026-12-02T10:01:00Z'));
    expect(codeOf(() => auth.verify(token))).toBe('token_expired');
    expect(codeOf(() => auth.verify(token))).toBe('token_expired');
  });

  it('does not recognise a token whose signature differs from a remembered one', () => {
    const auth = new AuthService(new JwtService(), config);
    const token = tokenFor('svc', 600);
    auth.verify(token);
    const [header, payload] = token.split('.');
    expect(codeOf(() => auth.verify(`${header}.${payload}.${'A'.repeat(43)}`))).toBe('unauthorized');
    expect(codeOf(() => auth.verify(tokenFor('svc', 600, 'another-secret-long-enough-0123456789')))).toBe('unauthorized');
  });

  it('remembers a bounded number of tokens and still verifies the forgotten ones', () => {
    const auth = new AuthService(new JwtService(), config);
    const tokens = Array.from({ length: 1_050 }, (_, i) => tokenFor(`user-${i}`, 600));
    for (const t of tokens) auth.verify(t);
    expect((auth as unknown as { verified: Map<string, unknown> }).verified.size).toBe(1_000);
    expect(auth.verify(tokens[0]).userId).toBe('user-0');
  });
});

import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { verify as verifyJwt } from 'jsonwebtoken';
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config';
import { OldestFirst } from '../collections/oldest-first';
import { DomainError } from '../errors';
import type { Principal } from './principal';

type Algorithm = 'HS256' | 'RS256' | 'ES256';

/**
 * Verified tokens remembered, by their exact text. A publishing service sends the same
 * token with every request; checking its signature again each time cost ~6 % of the CPU of
 * a single publish (bench P5). The text includes the signature, so only the very bytes that
 * were verified with this process's key are recognised; expiry is still checked on every use.
 */
const VERIFIED_TOKENS_KEPT = 1_000;

/**
 * Verifies tokens for sockets and HTTP alike. Only the algorithm matching the configured
 * key is accepted, so `alg: none` and HS256-with-the-public-key forgeries fail.
 */
@Injectable()
export class AuthService {
  private readonly algorithms: Algorithm[];
  private readonly key: string;
  /**
   * The verification key, parsed once. Given a string, jsonwebtoken 9 first tries
   * createPublicKey() on it and falls back to a secret key after that throws, on every
   * call: ~0.7 ms of CPU per HS256 verification instead of ~20 µs (bench P4/P5).
   */
  private readonly verifyKey: KeyObject;
  /** Token text → its principal, oldest first (Map order); only tokens that passed every check. */
  private readonly verified = new Map<string, Principal>();
  private readonly evictVerified = new OldestFirst(this.verified);

  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const { secret, publicKey } = config.jwt;
    if (publicKey) {
      this.key = publicKey;
      this.verifyKey = createPublicKey(publicKey);
      this.algorithms = [this.verifyKey.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256'];
    } else {
      this.key = secret ?? '';
      this.verifyKey = createSecretKey(Buffer.from(this.key));
      this.algorithms = ['HS256'];
    }
  }

  /** Throws DomainError `unauthorized` or `token_expired`. */
  verify(token: string | undefined): Principal {
    if (!token) throw new DomainError('unauthorized', 'authentication token required');
    let principal = this.verified.get(token);
    if (principal && (principal.expiresAt ?? 0) <= Date.now()) {
      this.verified.delete(token);
      throw new DomainError('token_expired', 'token expired');
    }
    if (!principal) {
      principal = this.verifySignedClaims(token);
      this.verified.set(token, principal);
      this.evictVerified.trimTo(VERIFIED_TOKENS_KEPT);
    }
    // A copy: the remembered principal must not change with what a caller does to its own.
    return { ...principal, roles: [...principal.roles] };
  }

  private verifySignedClaims(token: string): Principal {
    let claims: Record<string, unknown>;
    try {
      const verified = verifyJwt(token, this.verifyKey, {
        algorithms: this.algorithms,
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
      });
      if (typeof verified !== 'object' || verified === null) throw new Error('token payload is not an object');
      claims = verified;
    } catch (err) {
      if ((err as Error).name === 'TokenExpiredError') {
        throw new DomainError('token_expired', 'token expired');
      }
      throw new DomainError('unauthorized', 'invalid token');
    }
    const sub = claims.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) {
      throw new DomainError('unauthorized', 'token has no subject');
    }
    // A token without an expiry, or one living longer than JWT_MAX_TTL_SECONDS, is a
    // credential that cannot be contained once leaked: refuse it rather than trust it forever.
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
      throw new DomainError('unauthorized', 'token has no expiry (exp)');
    }
    const issuedAt = typeof claims.iat === 'number' && Number.isFinite(claims.iat) ? claims.iat : Date.now() / 1000;
    if (claims.exp - issuedAt > this.config.jwt.maxTtlSeconds) {
      throw new DomainError('unauthorized', `token lifetime exceeds ${this.config.jwt.maxTtlSeconds} s`);
    }
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
    return { userId: sub, roles, expiresAt: claims.exp * 1000 };
  }

  /** Signs a token with the configured HS256 secret (development tooling and tests); the lifetime is capped at JWT_MAX_TTL_SECONDS. */
  sign(claims: { sub: string; roles?: string[] }, ttlSeconds: number): string {
    if (this.algorithms[0] !== 'HS256') throw new Error('signing needs JWT_SECRET (a public key cannot sign)');
    return this.jwt.sign(
      { roles: claims.roles ?? [] },
      {
        secret: this.key,
        algorithm: 'HS256',
        subject: claims.sub,
        expiresIn: Math.min(ttlSeconds, this.config.jwt.maxTtlSeconds),
        ...(this.config.jwt.issuer ? { issuer: this.config.jwt.issuer } : {}),
        ...(this.config.jwt.audience ? { audience: this.config.jwt.audience } : {}),
      },
    );
  }
}

/** Token from `auth.token`, then `query.token`, then `Authorization: Bearer` (docs/protocol.md, Authentication). */
export function tokenFromHandshake(handshake: {
  auth?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, string | string[] | undefined>;
}): string | undefined {
  const fromAuth = handshake.auth?.token;
  if (typeof fromAuth === 'string' && fromAuth) return fromAuth;
  const fromQuery = handshake.query?.token;
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  return bearer(handshake.headers?.authorization);
}

export function bearer(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

import { z } from 'zod';
import { DomainError } from './domain-error';

/** Deepest object/array nesting any inbound payload may have. */
const MAX_PAYLOAD_DEPTH = 16;

/**
 * Parses untrusted input against a schema, refusing prototype-polluting keys and
 * absurd nesting first; the error names the offending field.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'payload'): z.output<S> {
  const problem = structuralProblem(input);
  if (problem) throw DomainError.badRequest(`${what}: ${problem}`);
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.length ? issue.path.join('.') : what;
    throw DomainError.badRequest(`${field}: ${issue.message}`, { issues: result.error.issues.slice(0, 5) });
  }
  return result.data;
}

/**
 * Walks the input once without allocating (no Object.keys: a 500-item batch body would
 * otherwise make a key array per object and a string per array index, ~0.3 KB per item).
 */
function structuralProblem(value: unknown, depth = 0): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_PAYLOAD_DEPTH) return `nested deeper than ${MAX_PAYLOAD_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = structuralProblem(value[i], depth + 1);
      if (inner) return inner;
    }
    return undefined;
  }
  for (const key in value) {
    // Own keys only, as Object.keys gave (parsed JSON has no inherited enumerable keys anyway).
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      return `key "${key}" is not allowed`;
    }
    const inner = structuralProblem((value as Record<string, unknown>)[key], depth + 1);
    if (inner) return inner;
  }
  return undefined;
}

/** Largest value of a PostgreSQL bigint: offsets and numeric ids past it are refused, not sent to the database. */
export const MAX_BIGINT = 9_223_372_036_854_775_807n;

const DIGITS = /^\d{1,19}$/;

/** A decimal string of a non-negative bigint (1–19 digits, at most MAX_BIGINT). */
const bigintString = (message: string) =>
  z
    .string()
    .regex(DIGITS, message)
    // Zod runs a refinement even after the regex failed: never hand BigInt() a non-number.
    .refine((v) => !DIGITS.test(v) || BigInt(v) <= MAX_BIGINT, `${message} (at most ${MAX_BIGINT})`);

/** Common field schemas. */
export const ids = {
  /** Opaque ids clients send: short, no spaces or wildcards. */
  id: z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'must be an id of letters, digits, _ . : -'),
  userId: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.@:-]+$/, 'must be a user id'),
  offset: z
    .union([bigintString('must be a decimal offset'), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
    .transform(String),
  /** Numeric ids stored as bigint (as decimal strings). */
  bigintId: (message = 'must be a numeric id') => bigintString(message),
  limit: (max = 100, fallback = 50) => z.coerce.number().int().min(1).max(max).default(fallback),
};

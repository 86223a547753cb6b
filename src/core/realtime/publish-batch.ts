import { z } from 'zod';
import { DomainError, parseInput, type ErrorCode } from '../errors';

/**
 * Items one batch publish request may carry. A fixed part of the route's contract, not a
 * setting: 500 items stay well under the HTTP body cap at typical item sizes, and they are
 * also the event log's largest single write.
 */
export const BATCH_MAX_ITEMS = 500;

/** `{ items: [...] }` with 1–500 entries; each entry is validated on its own (a bad one is reported, not fatal). */
export const batchPublishBody = z.strictObject({
  items: z.array(z.unknown()).min(1).max(BATCH_MAX_ITEMS),
});

/** One item's outcome, at the item's index in the request. */
export type BatchItemResult<Created extends object, Duplicate extends object = Created> =
  | ({ index: number; status: 'created' } & Created)
  | ({ index: number; status: 'duplicate' } & Duplicate)
  | { index: number; status: 'rejected'; code: ErrorCode; message: string };

export interface BatchResponse<R extends { status: string }> {
  results: R[];
  created: number;
  duplicates: number;
  rejected: number;
}

/** The response's totals, counted from its results. */
export function batchResponse<R extends { status: string }>(results: R[]): BatchResponse<R> {
  let created = 0;
  let duplicates = 0;
  let rejected = 0;
  for (const r of results) {
    if (r.status === 'created') created++;
    else if (r.status === 'duplicate') duplicates++;
    else rejected++;
  }
  return { results, created, duplicates, rejected };
}

/**
 * Validates one batch item exactly as the single route validates its body, so a rejected
 * item carries the same code and message the single route would have answered with.
 */
export function parseBatchItem<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; value: z.output<S> } | { ok: false; code: ErrorCode; message: string } {
  try {
    return { ok: true, value: parseInput(schema, input, 'body') };
  } catch (err) {
    if (err instanceof DomainError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/** The response schema of a batch route: per result, `created` and `duplicate` entries carry their own fields. */
export function batchResponseSchema<C extends z.ZodRawShape, D extends z.ZodRawShape>(created: C, duplicate: D) {
  const index = z.number().int().describe('Position of the item in the request');
  const result = z.discriminatedUnion('status', [
    z.object({ index, status: z.literal('created'), ...created }),
    z.object({ index, status: z.literal('duplicate'), ...duplicate }),
    z.object({
      index,
      status: z.literal('rejected'),
      code: z.string().describe('Error code, as the single route would answer'),
      message: z.string(),
    }),
  ]);
  return z.object({
    results: z.array(result).describe('One per item, in request order'),
    created: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
  });
}

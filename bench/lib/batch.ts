/**
 * Reading batch-publish responses (P9): `{ results: [{ index, status, … }], created,
 * duplicates, rejected }`. What counts as persisted is what the server reports as
 * `created`, item by item, never the number of items sent.
 */

export interface BatchTally {
  batches: number;
  /** Batches answered 2xx with a well-formed body. */
  okBatches: number;
  failedBatches: number;
  /** Every batch was answered 404: the server has no such route. */
  routeMissing: boolean;
  itemsSent: number;
  /** Items reported `created` in the per-item results. */
  created: number;
  duplicates: number;
  rejected: number;
  /** Responses whose totals disagree with their per-item results. */
  inconsistent: number;
  firstError?: string;
}

interface BatchBody {
  results?: Array<{ index?: unknown; status?: unknown; code?: unknown; message?: unknown }>;
  created?: unknown;
  duplicates?: unknown;
  rejected?: unknown;
}

export function batchTally(responses: Array<{ status: number; body: string }>, itemsSent: number, path = 'batch route'): BatchTally {
  const t: BatchTally = {
    batches: responses.length,
    okBatches: 0,
    failedBatches: 0,
    routeMissing: responses.length > 0 && responses.every((r) => r.status === 404),
    itemsSent,
    created: 0,
    duplicates: 0,
    rejected: 0,
    inconsistent: 0,
  };
  for (const r of responses) {
    if (r.status < 200 || r.status >= 300) {
      t.failedBatches++;
      t.firstError ??= r.status === 404 ? `route missing: POST ${path} answered 404` : `HTTP ${r.status || 'error'} ${path}: ${r.body.slice(0, 200)}`;
      continue;
    }
    let body: BatchBody;
    try {
      body = JSON.parse(r.body) as BatchBody;
    } catch {
      t.failedBatches++;
      t.firstError ??= `unreadable response from ${path}: ${r.body.slice(0, 200)}`;
      continue;
    }
    if (!Array.isArray(body.results)) {
      t.failedBatches++;
      t.firstError ??= `response from ${path} has no results: ${r.body.slice(0, 200)}`;
      continue;
    }
    t.okBatches++;
    const count = (status: string) => body.results!.filter((x) => x.status === status).length;
    const created = count('created');
    const duplicates = count('duplicate');
    const rejected = count('rejected');
    t.created += created;
    t.duplicates += duplicates;
    t.rejected += rejected;
    if (body.created !== created || body.duplicates !== duplicates || body.rejected !== rejected) t.inconsistent++;
    if (rejected && !t.firstError) {
      const first = body.results.find((x) => x.status === 'rejected');
      t.firstError = `item rejected: ${String(first?.code)} ${String(first?.message)}`;
    }
  }
  return t;
}

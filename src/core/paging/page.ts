import { z } from 'zod';

/**
 * The one page shape of every list route: `items` newest first, and `nextBefore`, the
 * cursor to pass as `before` for the next page — `null` when this page is the last one.
 *
 * Repositories are asked for `limit + 1` rows (see `pageRequest`): the extra row only says
 * whether another page exists, so `nextBefore` is never a cursor to an empty page.
 */
export interface Page<T> {
  items: T[];
  nextBefore: string | null;
}

/** Describes `Page<T>` for the contract (OpenAPI), given the item schema. */
export function pageSchema<S extends z.ZodType>(item: S) {
  return z.object({
    items: z.array(item),
    nextBefore: z.string().nullable().describe('Pass as `before` for the next page; null on the last page'),
  });
}

/** How many rows to fetch for a page of `limit`: one more, to learn whether a next page exists. */
export function pageRequest(limit: number): number {
  return limit + 1;
}

/**
 * Cuts the `limit + 1` rows a repository returned into a page. `cursorOf` names the row a
 * following request continues after (its id, as the route's `before` expects it).
 */
export function toPage<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (row: Row) => string,
): Page<Item> {
  const kept = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return {
    items: kept.map(toItem),
    nextBefore: hasMore && kept.length > 0 ? cursorOf(kept[kept.length - 1]) : null,
  };
}

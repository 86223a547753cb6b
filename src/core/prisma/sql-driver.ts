/**
 * A minimal SQL surface over either database, for the infrastructure that needs plain
 * SQL (migrations, the event log's batched appends, job locks). Feature code uses the
 * Prisma client, except on a measured hot path, where its repository says why
 * (intelligence items and the country page read).
 */
export interface SqlQueryable {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs several statements separated by semicolons (no parameters). */
  exec(text: string): Promise<void>;
}

export interface SqlDriver extends SqlQueryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` inside one transaction; rolled back if it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}

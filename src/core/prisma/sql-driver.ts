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

/** A transaction's statements (SqlDriver.transaction). */
export interface SqlTransactionQueryable extends SqlQueryable {
  /**
   * Runs the transaction's last statement and commits right behind it. On PostgreSQL the
   * COMMIT goes out with the statement, before its answer is read (the pool pipelines), so
   * the locks the statement takes are held for its own run and the commit, not also for as
   * long as this process is busy with other work before it reads the answer. Resolves with the
   * statement's rows once the commit is done; rejects with the statement's error (nothing is
   * committed) or with the commit's. A statement sent after it runs after the commit, outside
   * the transaction, so only a read that needs nothing uncommitted may follow. On the embedded
   * database it is an ordinary statement and the transaction commits when `work` returns.
   */
  queryAndCommit<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface SqlDriver extends SqlQueryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` inside one transaction; rolled back if it throws (unless `queryAndCommit` already committed it). */
  transaction<T>(work: (tx: SqlTransactionQueryable) => Promise<T>): Promise<T>;
}

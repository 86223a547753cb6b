/**
 * The repository tier: one repository at a time against a real PostgreSQL database, without
 * booting the app. Each test file gets its own fresh database with every migration applied.
 *
 *   const db = await openRepositoryDatabase('killmail');
 *   const repo = new KillmailRepository(db.prisma);
 *   await db.uow.runSql((tx) => repo.insertIfAbsent(tx, km));   // the same transaction path the service uses
 *   const rows = await db.sql('SELECT ... FROM killmails');      // read back behind the repository's back
 *   afterAll(() => db.close());
 */
import pg, { Client } from 'pg';
import { loadConfig, type AppConfig } from '../../src/config';
import { postgresDriver } from '../../src/core/prisma/postgres-driver';
import { PrismaService } from '../../src/core/prisma/prisma.service';
import type { SqlDriver } from '../../src/core/prisma/sql-driver';
import { EventLogService } from '../../src/core/realtime/event-log.service';
import { UnitOfWork } from '../../src/core/realtime/unit-of-work';
import { createTestDatabase, dropTestDatabase } from './database';
import { TEST_JWT_SECRET } from './tokens';

export interface RepositoryDatabase {
  url: string;
  config: AppConfig;
  /** The app's own database handle (Prisma client plus its plain SQL driver), migrations applied. */
  prisma: PrismaService;
  /** The app's transaction runner: `run` for Prisma transactions, `runSql` for plain SQL ones. */
  uow: UnitOfWork;
  /** One query on a connection outside the app's pool: what is really stored. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * The app's plain-SQL driver on a pool of one connection, so every statement runs in the same
 * session (what a test reading `pg_prepared_statements` needs). `close` ends the pool.
 */
export function driverOnOneConnection(url: string, prepare: boolean): { sql: SqlDriver; close: () => Promise<void> } {
  // Pipelined, as the app's pool is (PrismaService).
  const pool = new pg.Pool({ connectionString: url, max: 1, pipeline: true });
  // pool.end() resolves before its connection has closed, so the DROP DATABASE … WITH (FORCE)
  // after it can still terminate that connection: without a listener the pool rethrows that.
  pool.on('error', () => undefined);
  return { sql: postgresDriver(pool, { prepare }), close: () => pool.end().catch(() => undefined) };
}

/** The configuration the app would load for `env` plus a database URL (and the test secret). */
export function repositoryConfig(databaseUrl: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: databaseUrl, ...env }, () => TEST_JWT_SECRET);
}

/** A fresh database with the app's migrations, and the app's database handle on it. */
export async function openRepositoryDatabase(prefix: string): Promise<RepositoryDatabase> {
  const url = await createTestDatabase(`repo_${prefix}`);
  const config = repositoryConfig(url);
  const prisma = new PrismaService(config);
  try {
    await prisma.init();
  } catch (err) {
    await prisma.close();
    await dropTestDatabase(url);
    throw err;
  }
  const uow = new UnitOfWork(prisma, new EventLogService(prisma, config));
  // One connection of its own for the test's reads and writes behind the repository's back.
  const direct = new Client({ connectionString: url });
  direct.on('error', () => undefined); // the drop at close() ends it
  await direct.connect();
  return {
    url,
    config,
    prisma,
    uow,
    sql: async <T>(text: string, params?: unknown[]) => (await direct.query(text, params)).rows as T[],
    async close() {
      await direct.end().catch(() => undefined);
      await prisma.close();
      await dropTestDatabase(url);
    },
  };
}

/** Resolves once `promise` has settled, with how; never rejects. */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** A promise and the function that resolves it, to hold a transaction open at a chosen point. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * Waits until `count` sessions of the database wait on a lock: a concurrent statement has
 * reached the row (or advisory) lock another transaction holds, so releasing it now tests
 * the race and not two statements that merely ran one after the other.
 */
export async function lockWaiters(db: RepositoryDatabase, count = 1, timeoutMs = 10_000, stop?: { stopped: boolean }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!stop?.stopped) {
    const [row] = await db.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (row.n >= count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} session(s) waiting on a lock, saw ${row.n}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Two transactions contending for one row or lock, in a fixed order: `first` does its work
 * and calls `hold()` (its transaction stays open), then `second` starts, and only once
 * `second` is seen waiting on a lock may `first` commit. Fails when `second` finishes
 * without waiting: the repository did not serialise them. Resolves with `first`'s value and
 * how `second` ended.
 */
export async function contend<A, B>(
  db: RepositoryDatabase,
  first: (hold: () => Promise<void>) => Promise<A>,
  second: () => Promise<B>,
): Promise<[A, Settled<B>]> {
  const reached = gate();
  const release = gate();
  const firstDone = settle(
    first(async () => {
      reached.open();
      await release.opened;
    }),
  );
  let secondDone: Promise<Settled<B>> | undefined;
  try {
    const early = await Promise.race([reached.opened.then(() => undefined), firstDone]);
    if (early) throw early.ok ? new Error('contend: `first` returned without calling hold()') : early.error;
    const done = settle(second());
    secondDone = done;
    const finishedEarly = done.then((outcome) => {
      throw new Error(`the second transaction ${outcome.ok ? 'finished' : 'failed'} without waiting for the first one's lock`);
    });
    const polling = { stopped: false };
    try {
      await Promise.race([lockWaiters(db, 1, 10_000, polling), finishedEarly]);
    } finally {
      polling.stopped = true;
    }
  } finally {
    release.open(); // never leave a transaction open behind a failed assertion
  }
  const [a, b] = await Promise.all([firstDone, secondDone]);
  if (!a.ok) throw a.error;
  return [a.value, b];
}

import { Injectable, Logger } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { EventLogService, type AppendRequest, type AppendResult, type SqlRunner } from './event-log.service';

/**
 * One domain transaction and the events it causes. Repositories take it as their first
 * argument to write inside it; publishers stage events on it (RealtimePublisher.publishIn).
 * The events' log rows, offsets and outbox rows are written in the same transaction, so a
 * change and its events commit together or not at all; they are emitted after the commit.
 * Inside the transaction use only `tx`: on the embedded database (one connection) a query
 * through PrismaService while a transaction is open waits for that transaction to end.
 */
export interface Transaction extends SqlTransaction {
  /** Prisma calls inside the transaction. */
  readonly db: Prisma.TransactionClient;
}

/** A transaction with plain SQL only (UnitOfWork.runSql): fewer round trips on hot paths. */
export interface SqlTransaction {
  /** Plain SQL inside the transaction. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /**
   * Stores `request` with the commit; after it, `emit(offset)` runs unless the idempotency
   * key was used before or the outbox relay emitted it first. `published` resolves with the
   * offset, or with `settled(offset)` when given (after `emit`, whether or not it ran): what
   * a publisher resolves with, without chaining a promise of its own onto each event.
   * Publishers call this, not services.
   */
  stage(request: AppendRequest, emit: (offset: string) => void): Staged<string>;
  stage<T>(request: AppendRequest, emit: (offset: string) => void, settled: (offset: string) => T): Staged<T>;
}

/** A staged event's fate, known once the transaction has committed (never await it inside the transaction). */
export interface Staged<T> {
  /** The value once committed; `undefined` when its idempotency key had been used (nothing new stored). */
  readonly published: Promise<T | undefined>;
}

interface Entry {
  request: AppendRequest;
  emit: (offset: string) => void;
  settled?: (offset: string) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  result?: AppendResult;
}

/**
 * Runs domain transactions that carry events (the transactional outbox). The event-log
 * write is the transaction's last statement, so the head row's lock that orders offsets is
 * held only for that statement and the COMMIT. After the commit the events are claimed
 * (their outbox rows deleted) and emitted; should the process die in between, the outbox
 * relay emits them (see docs/delivery-guarantees-outbox.md).
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly eventLog: EventLogService,
  ) {}

  /** Runs `work` in a Prisma interactive transaction (repositories use `tx.db` and `tx.query`). */
  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.within(
      (body) =>
        this.prisma.$transaction((db) => {
          const run: SqlRunner = <R>(text: string, params: unknown[]) => db.$queryRawUnsafe<R[]>(text, ...params);
          return body(run, db);
        }),
      work,
    );
  }

  /**
   * Runs `work` in a transaction of the plain SQL driver: no Prisma client, one round trip
   * per statement (the hot paths that already use plain SQL, such as killmail ingestion).
   */
  runSql<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.within(
      (body) =>
        this.prisma.sql.transaction((q) =>
          body(
            <R>(text: string, params: unknown[]) => q.query<R>(text, params),
            undefined,
            <R>(text: string, params: unknown[]) => q.queryAndCommit<R>(text, params),
          ),
        ),
      work,
    );
  }

  /**
   * `last`, where the driver has it, runs the event-log append as the transaction's last
   * statement with the COMMIT right behind it: the head row's lock, which every transaction
   * with events queues for, is then held for the append and the commit only, not also for as
   * long as this process takes to read the append's answer (under load, other requests' work
   * and garbage collection come first).
   */
  private async within<T, Tx extends SqlTransaction>(
    begin: (body: (run: SqlRunner, db: Prisma.TransactionClient | undefined, last?: SqlRunner) => Promise<T>) => Promise<T>,
    work: (tx: Tx) => Promise<T>,
  ): Promise<T> {
    const staged: Entry[] = [];
    let value: T;
    try {
      value = await begin(async (run, db, last) => {
        const tx = {
          ...(db ? { db } : {}),
          query: <R>(text: string, params: unknown[] = []) => run<R>(text, params),
          stage: (request: AppendRequest, emit: (offset: string) => void, settled?: (offset: string) => unknown) =>
            stageOn(staged, request, emit, settled),
        } as unknown as Tx;
        const result = await work(tx);
        const appended = await this.eventLog.appendWithin(last ? firstThen(last, run) : run, staged.map((e) => e.request));
        appended.forEach((r, i) => (staged[i].result = r));
        return result;
      });
    } catch (err) {
      for (const e of staged) e.reject(err);
      throw err;
    }
    if (staged.length) await this.emitCommitted(staged);
    return value;
  }

  private async emitCommitted(staged: Entry[]): Promise<void> {
    this.eventLog.afterCommit();
    const stored = staged.filter((e) => e.result && !e.result.duplicate).map((e) => e.result!.offset);
    const claimed = await this.eventLog.claim(stored).catch((err: unknown) => {
      // Committed is committed: the relay emits what could not be claimed here.
      this.logger.warn(`outbox claim failed, the relay will emit: ${(err as Error).message}`);
      return new Set<string>();
    });
    for (const e of staged) {
      const result = e.result!;
      if (result.duplicate) {
        e.resolve(undefined);
        continue;
      }
      if (claimed.has(result.offset)) e.emit(result.offset);
      try {
        e.resolve(e.settled ? e.settled(result.offset) : result.offset);
      } catch (err) {
        // One publisher's failure to say what it published must not leave the others pending.
        e.reject(err);
      }
    }
  }
}

/** A runner whose first statement goes through `first` and every later one through `then`. */
function firstThen(first: SqlRunner, then: SqlRunner): SqlRunner {
  let used = false;
  return <R>(text: string, params: unknown[]) => {
    if (used) return then<R>(text, params);
    used = true;
    return first<R>(text, params);
  };
}

function stageOn(staged: Entry[], request: AppendRequest, emit: (offset: string) => void, settled?: (offset: string) => unknown): Staged<unknown> {
  let resolve!: Entry['resolve'];
  let reject!: Entry['reject'];
  const published = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The transaction's own promise reports a failure; this one must not also surface as unhandled.
  published.catch(() => undefined);
  staged.push({ request, emit, settled, resolve, reject });
  return { published };
}

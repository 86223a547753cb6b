import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import path from 'node:path';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { APP_CONFIG, type AppConfig } from '../../config';
import { PrismaClient } from '../../generated/prisma/client';
import { applyMigrations } from './migrator';
import { poolConfig } from './pg-adapter';
import { DataDirLock } from './pglite-lock';
import { openEmbeddedDatabase, pgliteDriver } from './pglite-open';
import { postgresDriver } from './postgres-driver';
import type { SqlDriver } from './sql-driver';

/**
 * The one database handle: Prisma over PostgreSQL (`DATABASE_URL`) or embedded PGlite
 * (`DATA_DIR`), plus `sql`, a plain-SQL driver on the same connections for infrastructure.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);
  readonly sql: SqlDriver;
  private readonly pool?: pg.Pool;
  private readonly pglite?: PGlite;
  private readonly lock?: DataDirLock;
  private closed = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.databaseUrl) {
      // Pipelined connections: a statement is sent at once even while one before it is unanswered.
      // Callers still await each statement; only a transaction's last statement and its COMMIT
      // go out together (SqlTransactionQueryable.queryAndCommit).
      const pool = new pg.Pool({ ...poolConfig(config.databaseUrl), pipeline: true });
      super({ adapter: new PrismaPg(pool) });
      // An idle client losing its server must not crash the process.
      pool.on('error', (err) => this.logger.warn(`database pool: ${err.message}`));
      this.pool = pool;
      this.sql = postgresDriver(pool, { prepare: config.databasePreparedStatements });
    } else {
      const lock = DataDirLock.acquire(config.dataDir);
      const db = openEmbeddedDatabase(path.resolve(config.dataDir, 'pglite'));
      // pglite-prisma-adapter 0.6 is typed against driver-adapter-utils 6.10; the runtime contract is the same.
      super({ adapter: new PrismaPGlite(db) as unknown as PrismaPg });
      this.lock = lock;
      this.pglite = db;
      this.sql = pgliteDriver(db);
    }
  }

  get engine(): 'postgres' | 'pglite' {
    return this.sql.kind;
  }

  private initialised: Promise<void> | undefined;

  init(): Promise<void> {
    this.initialised ??= this.initOnce();
    return this.initialised;
  }

  private async initOnce(): Promise<void> {
    if (this.pglite) await this.pglite.waitReady;
    const applied = await applyMigrations(this.sql);
    if (applied.length) this.logger.log(`applied migrations: ${applied.join(', ')}`);
    await this.$connect();
  }

  async ping(): Promise<void> {
    await this.sql.query('SELECT 1');
  }

  /** Migrations run before anything else touches the database (core modules initialise first). */
  async onModuleInit(): Promise<void> {
    await this.init();
  }

  /** Last: after HTTP and sockets have closed, handlers may still have been writing. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.$disconnect().catch(() => undefined);
    if (this.pool) await this.pool.end().catch(() => undefined);
    if (this.pglite) await this.pglite.close().catch(() => undefined); // checkpoints the WAL
    this.lock?.release();
  }
}

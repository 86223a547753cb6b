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
import type { SqlDriver, SqlQueryable } from './sql-driver';

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
      const pool = new pg.Pool(poolConfig(config.databaseUrl));
      super({ adapter: new PrismaPg(pool) });
      // An idle client losing its server must not crash the process.
      pool.on('error', (err) => this.logger.warn(`database pool: ${err.message}`));
      this.pool = pool;
      this.sql = postgresDriver(pool);
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

function postgresDriver(pool: pg.Pool): SqlDriver {
  const on = (client: pg.Pool | pg.PoolClient): SqlQueryable => ({
    async query<T>(text: string, params?: unknown[]) {
      return (await client.query(text, params)).rows as T[];
    },
    async exec(text: string) {
      await client.query(text);
    },
  });
  return {
    kind: 'postgres',
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      // pg-pool listens for errors on idle clients only: a connection lost while the
      // transaction waits between two statements would be an unhandled 'error' event, which
      // ends the process. Kept here instead; the next statement fails, and the broken client
      // is destroyed rather than returned to the pool.
      let lost: Error | undefined;
      const onLost = (err: Error) => (lost = err);
      client.on('error', onLost);
      try {
        await client.query('BEGIN');
        const result = await work(on(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        if (!lost) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.removeListener('error', onLost);
        client.release(lost);
      }
    },
  };
}

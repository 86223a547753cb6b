import { PGlite } from '@electric-sql/pglite';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { applyMigrations, MIGRATIONS_DIR, readMigrations } from './migrator';
import type { SqlDriver, SqlQueryable } from './sql-driver';

/**
 * Settings for the embedded server. PGlite's defaults size shared buffers for a
 * general-purpose database (128 MB, all of it resident WebAssembly memory once touched);
 * Herald's embedded working set is the recent event log and a few small tables, for
 * which 16 MB is plenty. The difference is most of the idle footprint of `npm start`.
 */
const EMBEDDED_SETTINGS = ['shared_buffers=16MB', 'wal_buffers=512kB'];

/**
 * Opens the embedded database in `dir`, creating it first when it does not exist yet.
 *
 * Creating a cluster runs PGlite's initdb, a second WebAssembly program whose heap
 * (several hundred MB) the process keeps after it finishes, and then the migrations, whose
 * DDL grows the database's own WebAssembly memory (which never shrinks) by another ~100 MB.
 * Both run in a short-lived child process, so the server opens a ready database with only
 * the heap its queries need: a first start costs the same memory as every later one.
 * Migrations added by an upgrade still run in the server, on start-up.
 */
export function openEmbeddedDatabase(dir: string, migrationsDir = MIGRATIONS_DIR): PGlite {
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) initialiseInChild(dir, migrationsDir);
  return new PGlite(dir, { postgresqlconf: EMBEDDED_SETTINGS });
}

function initialiseInChild(dir: string, migrationsDir: string): void {
  const fail = (reason: string) => new Error(`Could not create the embedded database in ${dir}: ${reason}`);
  // A half-made cluster is removed so the next start creates it again instead of opening
  // it; only when the folder was ours to begin with (absent or empty).
  const fresh = !fs.existsSync(dir) || (fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw fail((err as Error).message);
  }
  // This very file by absolute path: the child may run from any working directory. From the
  // TypeScript sources (under test) the child needs the loader the parent was started with.
  const script = [
    `require(${JSON.stringify(__filename)}).createEmbeddedDatabase(${JSON.stringify(dir)}, ${JSON.stringify(migrationsDir)})`,
    '.catch((err) => { console.error(err instanceof Error ? err.message : String(err)); process.exit(1); });',
  ].join('');
  const child = spawnSync(process.execPath, [...moduleLoaderArgs(), '-e', script], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  if (child.status !== 0) {
    if (fresh) fs.rmSync(dir, { recursive: true, force: true });
    const reason = child.error?.message ?? child.stderr?.toString().trim().split('\n').slice(-3).join(' ');
    throw fail(reason || `exit ${child.status}`);
  }
}

/** Runs in the child: creates the cluster in `dir` and applies every migration. */
export async function createEmbeddedDatabase(dir: string, migrationsDir = MIGRATIONS_DIR): Promise<void> {
  const db = new PGlite(dir, { postgresqlconf: EMBEDDED_SETTINGS });
  try {
    await db.waitReady;
    await applyMigrations(pgliteDriver(db), readMigrations(migrationsDir));
    await db.close();
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

/** `-r`/`--require`/`--import` flags of this process (a TypeScript loader under test), for a child. */
function moduleLoaderArgs(): string[] {
  const args: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if ((flag === '-r' || flag === '--require' || flag === '--import') && i + 1 < argv.length) args.push(flag, argv[++i]);
    else if (/^--(?:require|import)=/.test(flag)) args.push(flag);
  }
  return args;
}

/** The SqlDriver surface over an embedded PGlite database. */
export function pgliteDriver(db: PGlite): SqlDriver {
  type Tx = Pick<PGlite, 'query' | 'exec'>;
  const on = (client: Tx): SqlQueryable => ({
    async query<T>(text: string, params?: unknown[]) {
      return (await client.query<T>(text, params)).rows;
    },
    async exec(text: string) {
      await client.exec(text);
    },
  });
  return {
    kind: 'pglite',
    ...on(db),
    // One in-process connection: nothing waits on a lock while this process is busy, so the
    // last statement is an ordinary one and the transaction commits when `work` returns.
    transaction: (work) =>
      db.transaction((tx) => {
        const queryable = on(tx);
        return work({ ...queryable, queryAndCommit: (text, params) => queryable.query(text, params) });
      }),
  };
}

import { PGlite } from '@electric-sql/pglite';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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
 * (several hundred MB) the process keeps after it finishes. Running that step in a
 * short-lived child process leaves the server with only the database's own heap, so a
 * first start costs the same memory as every later one.
 */
export function openEmbeddedDatabase(dir: string): PGlite {
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) initialiseInChild(dir);
  return new PGlite(dir, { postgresqlconf: EMBEDDED_SETTINGS });
}

function initialiseInChild(dir: string): void {
  const fail = (reason: string) => new Error(`Could not create the embedded database in ${dir}: ${reason}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw fail((err as Error).message);
  }
  // The CommonJS entry by absolute path: the child may run from any working directory,
  // and from the compiled server as well as from the TypeScript sources under test.
  const entry = require.resolve('@electric-sql/pglite');
  const script = [
    `const { PGlite } = require(${JSON.stringify(entry)});`,
    `const db = new PGlite(${JSON.stringify(dir)}, { postgresqlconf: ${JSON.stringify(EMBEDDED_SETTINGS)} });`,
    'db.waitReady.then(() => db.close()).catch((err) => { console.error(err); process.exit(1); });',
  ].join('\n');
  const child = spawnSync(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  if (child.status !== 0) {
    const reason = child.error?.message ?? child.stderr?.toString().trim().split('\n').slice(-3).join(' ');
    throw fail(reason || `exit ${child.status}`);
  }
}

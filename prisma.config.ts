/**
 * Prisma CLI configuration. The CLI runs its WebAssembly schema engine over a driver
 * adapter (no native engines can be downloaded on our machines): embedded PGlite by
 * default, PostgreSQL when DATABASE_URL is set.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PrismaConfig } from 'prisma';
import type { createMigrationAdapter as createMigrationAdapterType } from './src/core/prisma/pg-adapter';

// The CLI still tries to download native engines it never uses; pointing these at any
// existing file stops it (verified with 6.19.3).
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= __filename;
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= __filename;

export default {
  schema: path.join('prisma', 'schema'),
  migrations: { path: path.join('prisma', 'migrations') },
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (url) {
      const { createMigrationAdapter } = await import('./src/core/prisma/pg-adapter');
      return createMigrationAdapter(url);
    }
    const dir = path.resolve(process.env.DATA_DIR ?? './data', 'migrate-dev');
    // typed against an older driver-adapter-utils; same runtime contract
    return (await embeddedAdapter(dir)) as unknown as Awaited<ReturnType<typeof createMigrationAdapterType>>;
  },
} satisfies PrismaConfig;

/**
 * The embedded database for CLI commands, opened on the first connection and closed when the
 * CLI is done (it never disposes of an adapter's connection, and this adapter's dispose would
 * not close PGlite anyway). A PGlite left unclosed at exit leaves its directory in a state where
 * the next process to open it may never exit. `prisma -v`, which @prisma/client's postinstall
 * runs on every `npm ci`, only reads the adapter's name, so it no longer opens the directory at
 * all: before, a second `npm ci` in the same checkout hung.
 */
async function embeddedAdapter(dir: string) {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  let db: InstanceType<typeof PGlite> | undefined;
  const open = (): InstanceType<typeof PGlite> => {
    if (db) return db;
    fs.mkdirSync(dir, { recursive: true });
    const opened = new PGlite(dir);
    process.once('beforeExit', () => void opened.close());
    return (db = opened);
  };
  const named = new PrismaPGlite(undefined as never);
  return {
    provider: named.provider,
    adapterName: named.adapterName,
    connect: () => new PrismaPGlite(open()).connect(),
    connectToShadowDb: () => named.connectToShadowDb(),
  };
}

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
    const { PGlite } = await import('@electric-sql/pglite');
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    const dir = path.resolve(process.env.DATA_DIR ?? './data', 'migrate-dev');
    fs.mkdirSync(dir, { recursive: true });
    // typed against an older driver-adapter-utils; same runtime contract
    return new PrismaPGlite(new PGlite(dir)) as unknown as Awaited<ReturnType<typeof createMigrationAdapterType>>;
  },
} satisfies PrismaConfig;

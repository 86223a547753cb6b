export * from './database-errors';
export * from './prisma.module';
export * from './prisma.service';
export type { SqlDriver, SqlQueryable } from './sql-driver';

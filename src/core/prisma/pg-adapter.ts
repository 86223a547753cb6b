import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

const PG_NAME_OID = 19;
const PG_TEXT_OID = 25;

/**
 * Pool options shared by the app and the CLI. `connectionTimeoutMillis` is the acquire
 * timeout: an exhausted or unreachable pool fails fast instead of queueing forever.
 */
export function poolConfig(url: string, max = 20): pg.PoolConfig {
  return {
    connectionString: url,
    max,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    // Keeps the server from waiting forever on a query whose client has gone.
    query_timeout: 30000,
    application_name: 'herald',
  };
}

/**
 * The driver adapter the Prisma CLI uses for `migrate` against PostgreSQL.
 * @prisma/adapter-pg 6.19 cannot deserialise the `name` type (oid 19) that the schema
 * engine's catalogue queries return (prisma/orm#27403); reporting it as text fixes that.
 */
export function createMigrationAdapter(url: string): PrismaPg {
  const pool = new pg.Pool(poolConfig(url, 4));
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      const result = query(...args);
      if (result instanceof Promise) {
        return result.then((res: pg.QueryResult) => {
          for (const field of res?.fields ?? []) {
            if (field.dataTypeID === PG_NAME_OID) field.dataTypeID = PG_TEXT_OID;
          }
          return res;
        });
      }
      return result;
    };
  });
  return new PrismaPg(pool);
}

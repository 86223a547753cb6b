/**
 * The plain-SQL driver on a real PostgreSQL: statements are prepared once per connection
 * under a process-wide name (DATABASE_PREPARED_STATEMENTS, on by default), or sent unnamed.
 */
import pg from 'pg';
import { postgresDriver } from '../../src/core/prisma/postgres-driver';
import { createTestDatabase, dropTestDatabase } from '../support/database';
import { driverOnOneConnection as openDriver } from '../support/repository';

let url: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  url = await createTestDatabase('repo_driver');
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await dropTestDatabase(url);
});

/** A driver on a pool of one connection, so every statement below runs in the same session. */
function driverOnOneConnection(prepare: boolean) {
  const { sql, close } = openDriver(url, prepare);
  closers.push(close);
  return sql;
}

const PREPARED = "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'herald\\_%' ORDER BY prepare_time";

describe('postgresDriver', () => {
  it('prepares each statement text once per connection and runs it again by name', async () => {
    const sql = driverOnOneConnection(true);
    expect(await sql.query('SELECT $1::int + 1 AS n', [1])).toEqual([{ n: 2 }]);
    expect(await sql.query('SELECT $1::int + 1 AS n', [41])).toEqual([{ n: 42 }]);
    await sql.transaction(async (tx) => {
      expect(await tx.query('SELECT $1::text AS s', ['inside'])).toEqual([{ s: 'inside' }]);
    });
    const prepared = (await sql.query<{ statement: string }>(PREPARED)).map((r) => r.statement);
    expect(prepared.filter((s) => s === 'SELECT $1::int + 1 AS n')).toHaveLength(1);
    expect(prepared).toContain('SELECT $1::text AS s');
  });

  it('prepares a statement again after its first preparation failed (a table created later)', async () => {
    const sql = driverOnOneConnection(true);
    const text = 'SELECT n FROM created_later WHERE n > $1::int ORDER BY n';
    await expect(sql.query(text, [0])).rejects.toThrow(/created_later/);
    await sql.exec('CREATE TABLE created_later (n int); INSERT INTO created_later VALUES (1), (2);');
    expect(await sql.query(text, [1])).toEqual([{ n: 2 }]);
    expect(await sql.query(text, [0])).toEqual([{ n: 1 }, { n: 2 }]);
  });

  // A newer version's migration during a rolling update could do this under an older one's prepared statements.
  it('fails one call, not every later one, after a column the statement returns changed type', async () => {
    const sql = driverOnOneConnection(true);
    await sql.exec('CREATE TABLE retyped (n int); INSERT INTO retyped VALUES (7);');
    const text = 'SELECT n FROM retyped WHERE $1::int > 0';
    expect(await sql.query(text, [1])).toEqual([{ n: 7 }]);
    await sql.exec('ALTER TABLE retyped ALTER COLUMN n TYPE text');
    await expect(sql.query(text, [1])).rejects.toMatchObject({ code: '0A000' });
    expect(await sql.query(text, [1])).toEqual([{ n: '7' }]);
    expect(await sql.query(text, [1])).toEqual([{ n: '7' }]);
  });

  it('sends every statement unnamed when preparing is off', async () => {
    const sql = driverOnOneConnection(false);
    await sql.query('SELECT $1::int + 1 AS n', [1]);
    await sql.query('SELECT $1::int + 1 AS n', [2]);
    expect(await sql.query(PREPARED)).toEqual([]);
  });

  it("commits right behind a transaction's last statement, without waiting for this process to read its answer", async () => {
    const sql = driverOnOneConnection(true);
    await sql.exec('CREATE TABLE head_row (id int PRIMARY KEY, n int); INSERT INTO head_row VALUES (1, 0);');
    let pid = 0;
    let busyUntil = 0;
    const answer = await sql.transaction(async (tx) => {
      [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const last = tx.queryAndCommit<{ n: number }>('UPDATE head_row SET n = n + 1 WHERE id = $1 RETURNING n', [1]);
      // Busy, as a loaded server is: the answer stays unread meanwhile.
      busyUntil = Date.now() + 300;
      while (Date.now() < busyUntil);
      return last;
    });
    expect(answer).toEqual([{ n: 1 }]);
    // The session's last state change (one host, one clock) is its COMMIT, done while this process was busy.
    const other = driverOnOneConnection(true);
    const [session] = await other.query<{ query: string; state: string; at: number }>(
      'SELECT query, state, extract(epoch FROM state_change) * 1000 AS at FROM pg_stat_activity WHERE pid = $1',
      [pid],
    );
    expect(session).toMatchObject({ query: 'COMMIT', state: 'idle' });
    expect(Number(session.at)).toBeLessThan(busyUntil - 100);
  });

  it('commits nothing when the last statement fails, and rejects with its error', async () => {
    const sql = driverOnOneConnection(true);
    await sql.exec('CREATE TABLE last_fails (id int PRIMARY KEY);');
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO last_fails VALUES (1)');
        return tx.queryAndCommit('INSERT INTO last_fails VALUES (1)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await sql.query('SELECT count(*)::int AS n FROM last_fails')).toEqual([{ n: 0 }]);
    // The connection is usable again, outside any transaction.
    await sql.transaction(async (tx) => tx.queryAndCommit('INSERT INTO last_fails VALUES (2)'));
    expect(await sql.query('SELECT id FROM last_fails')).toEqual([{ id: 2 }]);
  });

  it("sends BEGIN with the transaction's first statement instead of a round trip ahead of it", async () => {
    // What the connection was handed, and when BEGIN's answer was read, in order.
    const seen: string[] = [];
    const pool = new pg.Pool({ connectionString: url, max: 1, pipeline: true });
    pool.on('error', () => undefined); // as in driverOnOneConnection: the drop at the end may cut it
    closers.push(() => pool.end().catch(() => undefined));
    // Only the transaction asks for a client this way (the promise form, no callback).
    const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
    pool.connect = (async () => {
      const client = await connect();
      const query = client.query.bind(client) as (q: string | pg.QueryConfig) => Promise<pg.QueryResult>;
      client.query = ((q: string | pg.QueryConfig) => {
        const text = typeof q === 'string' ? q : q.text;
        seen.push(`sent ${text}`);
        const answer = query(q);
        if (text === 'BEGIN') void answer.then(() => seen.push('BEGIN answered'));
        return answer;
      }) as typeof client.query;
      return client;
    }) as typeof pool.connect;
    await driverOnOneConnection(true).exec('CREATE TABLE begun (n int)');
    const sql = postgresDriver(pool, { prepare: true });
    const rows = await sql.transaction(async (tx) => {
      await tx.query('INSERT INTO begun VALUES ($1)', [1]);
      return tx.query<{ n: number; inside: boolean }>('SELECT count(*)::int AS n, now() = statement_timestamp() AS inside FROM begun');
    });
    expect(seen.slice(0, 3)).toEqual(['sent BEGIN', 'sent INSERT INTO begun VALUES ($1)', 'BEGIN answered']);
    // Still one transaction: the second statement's now() is the transaction's start, not its own.
    expect(rows).toEqual([{ n: 1, inside: false }]);
  });

  it('rolls back a transaction whose work fails before its first statement', async () => {
    const sql = driverOnOneConnection(true);
    await sql.exec('CREATE TABLE never (n int)');
    await expect(
      sql.transaction(async () => {
        throw new Error('refused before any statement');
      }),
    ).rejects.toThrow('refused before any statement');
    await sql.transaction(async (tx) => tx.queryAndCommit('INSERT INTO never VALUES (1)'));
    expect(await sql.query('SELECT n FROM never')).toEqual([{ n: 1 }]);
  });

  it('still runs several statements at once through exec', async () => {
    const sql = driverOnOneConnection(true);
    await sql.exec('CREATE TEMP TABLE t (n int); INSERT INTO t VALUES (1), (2);');
    expect(await sql.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 2 }]);
  });
});

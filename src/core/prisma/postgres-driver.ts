import pg from 'pg';
import type { SqlDriver, SqlQueryable, SqlTransactionQueryable } from './sql-driver';

/**
 * Most distinct statement texts given a name. The app's statements are a fixed set of a few
 * dozen; the cap keeps a text built from data (were one ever added) from preparing a new
 * statement on every connection with each call.
 */
const MAX_NAMED_STATEMENTS = 500;

/**
 * Process-wide names for statement texts, so each pooled connection parses and plans a text
 * once and then only binds and executes it. The event log's append is one statement with
 * several data-modifying CTEs: planning it afresh cost PostgreSQL more than executing it
 * (an append of one event and its claim: ~1 ms of server CPU unnamed, ~0.3 ms named).
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly limit = MAX_NAMED_STATEMENTS) {}

  /** The text's name, or undefined once `limit` texts are named (it then runs unnamed, as before). */
  nameOf(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < this.limit) {
      name = `herald_${this.names.size + 1}`;
      this.names.set(text, name);
    }
    return name;
  }
}

/**
 * The plain-SQL driver over the PostgreSQL pool. `prepare: false` sends every statement
 * unnamed, for a connection pooler that hands consecutive statements of a session to
 * different server connections (PgBouncer in transaction mode before 1.21), where a name
 * prepared on one would be unknown on the next.
 */
export function postgresDriver(pool: pg.Pool, options: { prepare: boolean }): SqlDriver {
  const names = options.prepare ? new StatementNames() : undefined;
  const statement = (text: string, params?: unknown[]): pg.QueryConfig => {
    const name = names?.nameOf(text);
    return { text, values: params, ...(name ? { name } : {}) };
  };
  const on = (client: pg.Pool | pg.PoolClient): SqlQueryable => ({
    async query<T>(text: string, params?: unknown[]) {
      return (await client.query(statement(text, params))).rows as T[];
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
      let commitSent = false;
      // Pipelined, BEGIN goes out with the transaction's first statement instead of a round
      // trip ahead of it (under load every round trip also waits for the event loop). Its
      // answer comes before that statement's and is checked with it (begun below).
      let begin: Promise<unknown> | undefined;
      /** Every answer before this one was read: BEGIN's must have succeeded. */
      const begun = async <R>(answer: Promise<R>): Promise<R> => {
        if (!begin) return answer;
        const [began, result] = await Promise.allSettled([begin, answer]);
        begin = undefined;
        if (began.status === 'rejected') {
          // The statement then ran outside a transaction. BEGIN fails only when the connection
          // does (it has no other error on a connection the pool hands out idle), but should
          // it fail alone, the connection is not reused and the error is the caller's.
          lost ??= began.reason as Error;
          throw began.reason;
        }
        if (result.status === 'rejected') throw result.reason;
        return result.value;
      };
      const tx: SqlTransactionQueryable = {
        async query<T>(text: string, params?: unknown[]) {
          return (await begun(client.query(statement(text, params)))).rows as T[];
        },
        async exec(text: string) {
          await begun(client.query(text));
        },
        async queryAndCommit<T>(text: string, params?: unknown[]) {
          commitSent = true;
          if (!client.pipeline) {
            const rows = (await client.query(statement(text, params))).rows as T[];
            await client.query('COMMIT');
            return rows;
          }
          // Both go out now; PostgreSQL runs the COMMIT as soon as the statement is done. Should
          // the statement fail, the COMMIT ends the aborted transaction as a ROLLBACK.
          const [last, commit] = await Promise.allSettled([begun(client.query(statement(text, params))), client.query('COMMIT')]);
          if (last.status === 'rejected') throw last.reason;
          if (commit.status === 'rejected') throw commit.reason;
          return last.value.rows as T[];
        },
      };
      try {
        if (client.pipeline) {
          begin = client.query('BEGIN');
          begin.catch(() => undefined); // read by the first statement (begun), or just below
        } else {
          await client.query('BEGIN');
        }
        const result = await work(tx);
        await begun(Promise.resolve());
        if (!commitSent) await client.query('COMMIT');
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

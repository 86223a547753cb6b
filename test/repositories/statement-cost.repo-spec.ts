/**
 * The statement-cost bench (`npm run bench:statements`) against a real database: it runs the
 * routes' statements through the real repositories and publishers, writes what it says it
 * wrote, and reports a figure per statement and repeat.
 */
import { measureStatements, medians, parseStatementArgs } from '../../bench/lib/statement-cost';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository';

let db: RepositoryDatabase;
beforeAll(async () => {
  db = await openRepositoryDatabase('stmtcost');
});
afterAll(() => db.close());

const count = async (table: string) => (await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

it('stores every batch it measures, with its events and their outbox claimed, and reports each statement per repeat', async () => {
  const options = { batch: 7, rounds: 3, repeats: 2, warmup: 1, pipelines: ['intelligence', 'notifications'] as const };
  const figures = await measureStatements(db, options);

  const batches = options.repeats * (options.warmup + options.rounds);
  expect(await count('intelligence_items')).toBe(batches * options.batch);
  expect(await count('notifications')).toBe(batches * options.batch);
  // One event per stored row, each announced by the real publisher (its rooms and keys).
  expect(await count('events')).toBe(2 * batches * options.batch);
  const [intel] = await db.sql<{ rooms: string[] }>(`SELECT rooms FROM events WHERE event = 'intelligence:update' LIMIT 1`);
  expect(intel.rooms).toContain('all');
  const keyed = await db.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM events WHERE idempotency_key LIKE 'notifications:new:%'`,
  );
  expect(keyed[0].n).toBe(batches * options.batch);
  // The claim after each commit took every append's outbox row, as the live path does.
  expect(await count('event_outbox_runs')).toBe(0);

  expect(figures.map((f) => f.pipeline)).toEqual(['intelligence', 'notifications']);
  for (const f of figures) {
    expect(f.rowsWritten).toBe(batches * options.batch);
    expect(f.statements).toHaveLength(2);
    for (const s of f.statements) {
      expect(s.sessionUs).toHaveLength(options.repeats);
      expect(s.clientUs).toHaveLength(options.repeats);
      for (const us of [...s.sessionUs, ...s.clientUs]) expect(us).toBeGreaterThanOrEqual(0);
      // This process always spends some CPU building and sending a statement.
      expect(s.clientUs.every((us) => us > 0)).toBe(true);
    }
    expect(f.batchMs.every((ms) => ms > 0)).toBe(true);
    expect(f.clusterUs).toEqual([]); // no postmaster pid given
    expect(medians(f).statements.map((s) => s.statement)).toEqual(f.statements.map((s) => s.statement));
  }
});

describe('parseStatementArgs', () => {
  it('takes the defaults, the options and repeated pipelines', () => {
    expect(parseStatementArgs([])).toEqual({
      batch: 500,
      rounds: 40,
      repeats: 3,
      warmup: 3,
      pipelines: ['intelligence', 'notifications'],
    });
    expect(parseStatementArgs(['--batch', '100', '--rounds', '5', '--pipeline', 'notifications'])).toMatchObject({
      batch: 100,
      rounds: 5,
      pipelines: ['notifications'],
    });
    expect(parseStatementArgs(['--help'])).toBe('help');
  });

  it('refuses what it does not know and values out of range', () => {
    expect(() => parseStatementArgs(['--batch', '501'])).toThrow(/--batch: expected an integer from 1 to 500/);
    expect(() => parseStatementArgs(['--rounds', 'x'])).toThrow(/--rounds/);
    expect(() => parseStatementArgs(['--pipeline', 'killmail'])).toThrow(/expected one of intelligence, notifications/);
    expect(() => parseStatementArgs(['--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseStatementArgs(['--batch'])).toThrow(/needs a value/);
  });
});

/**
 * `npm run bench:statements -- [--batch 500] [--rounds 40] [--repeats 3] [--pipeline intelligence]`:
 * what each statement of the batch routes costs PostgreSQL and this process per row, on a
 * PostgreSQL of its own (bench/lib/statement-cost.ts, docs/performance.md). To compare two
 * commits, run it in a worktree of each, alternately.
 */
import { Logger } from '@nestjs/common';
import { startPinnedPostgres } from './lib/pinned-postgres';
import { measureStatements, medians, parseStatementArgs, STATEMENT_USAGE } from './lib/statement-cost';
import { openRepositoryDatabase } from '../test/support/repository';

async function main() {
  const args = parseStatementArgs(process.argv.slice(2));
  if (args === 'help') {
    process.stdout.write(STATEMENT_USAGE);
    return;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // Only the table goes to stdout: the app's start-up lines (migrations applied) stay out of it.
  Logger.overrideLogger(['error', 'warn']);
  const { pg, postgresPid } = await startPinnedPostgres(log);
  try {
    const db = await openRepositoryDatabase('statements');
    try {
      log(`${args.pipelines.join(' and ')}: ${args.repeats} repeat(s) of ${args.rounds} batches of ${args.batch} rows`);
      const figures = await measureStatements(db, { ...args, postgresPid, log });
      process.stdout.write(renderTable(figures.map(medians), args.repeats));
    } finally {
      await db.close();
    }
  } finally {
    await pg.stop();
  }
}

function renderTable(rows: Array<ReturnType<typeof medians>>, repeats: number): string {
  const f = (v: number | undefined, digits = 1) => (v === undefined ? 'n/a' : v.toFixed(digits));
  const lines = [
    `Per row, medians of ${repeats} repeat(s); CPU time (PostgreSQL session / this process), whole pipeline on all PostgreSQL processes.`,
    '',
    '| pipeline | statement | PostgreSQL session µs | client µs |',
    '|---|---|---|---|',
  ];
  for (const row of rows) {
    for (const s of row.statements) lines.push(`| ${row.pipeline} | ${s.statement} | ${f(s.sessionUs)} | ${f(s.clientUs)} |`);
    lines.push(`| ${row.pipeline} | whole transaction and claim, all PostgreSQL processes | ${f(row.clusterUs)} | |`);
    lines.push(`| ${row.pipeline} | wall time of one batch, ms | ${f(row.batchMs)} | |`);
  }
  return `${lines.join('\n')}\n`;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

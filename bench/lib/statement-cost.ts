/**
 * What the batch routes' statements cost, each on its own: the database half of P9 without
 * HTTP, sockets or a load generator, so a change to one statement can be compared on a noisy
 * host (`npm run bench:statements`, docs/performance.md).
 *
 * Two pipelines, each one transaction per batch as its route runs it, through the real
 * repositories and publishers (the publishers stage into a collecting transaction, so the
 * events' payloads, rooms and keys are exactly the ones the routes store):
 *   - intelligence: the item INSERT, then the append of one `intelligence:update` per new item;
 *   - notifications: the notification INSERT, then the append of one `notifications:new` each.
 * After the commit the append is claimed, as the live path does.
 *
 * Figures are CPU time, not wall time: the CPU of the PostgreSQL session that ran each
 * statement (its backend process, read before and after the statement), this process's CPU
 * for the same step (building the input, sending it, reading the answer; for an INSERT also
 * staging the new rows' events, as the services do in that transaction), and the CPU of
 * every process of the cluster over the whole pipeline (the WAL writer and the claim's session
 * included). A hypervisor taking the host away widens the spread but does not add to them.
 */
import pg from 'pg';
import type { AppConfig } from '../../src/config';
import { MetricsService } from '../../src/core/observability';
import { postgresDriver } from '../../src/core/prisma/postgres-driver';
import type { PrismaService } from '../../src/core/prisma/prisma.service';
import type { SqlQueryable } from '../../src/core/prisma/sql-driver';
import { EventLogService, type AppendRequest, type RealtimeServer, type SqlTransaction } from '../../src/core/realtime';
import { CountryRepository, type NewItem } from '../../src/modules/intelligence/country.repository';
import { toItemEventData } from '../../src/modules/intelligence/intelligence.dto';
import { INTELLIGENCE_CATEGORIES } from '../../src/modules/intelligence/intelligence.events';
import { IntelligenceItemRepository } from '../../src/modules/intelligence/intelligence-item.repository';
import { IntelligencePublisher } from '../../src/modules/intelligence/intelligence.publisher';
import { toNotificationDto } from '../../src/modules/notifications/notifications.dto';
import { NotificationsPublisher } from '../../src/modules/notifications/notifications.publisher';
import { NotificationsRepository, type NewNotification } from '../../src/modules/notifications/notifications.repository';
import { processCpuSeconds, processTreeCpuSeconds } from './proc';
import { median } from './stats';

export const PIPELINES = ['intelligence', 'notifications'] as const;
export type PipelineName = (typeof PIPELINES)[number];

export interface StatementCostOptions {
  /** Rows per batch (the batch routes take up to 500). */
  batch: number;
  /** Measured batches per pipeline and repeat (after `warmup` unmeasured ones). */
  rounds: number;
  repeats: number;
  warmup: number;
  pipelines: readonly PipelineName[];
  /** The cluster's postmaster, for the CPU of all its processes; without it that figure is left out. */
  postgresPid?: number;
  log?: (line: string) => void;
}

/** One statement's figures, one entry per repeat. */
export interface StatementFigures {
  statement: string;
  /** CPU of the PostgreSQL session per row, µs. */
  sessionUs: number[];
  /** CPU of this process per row, µs. */
  clientUs: number[];
}

export interface PipelineFigures {
  pipeline: PipelineName;
  statements: StatementFigures[];
  /** CPU of every process of the cluster per row over the whole pipeline (BEGIN to claim), µs. */
  clusterUs: number[];
  /** Wall time of one batch, ms (the only figure a busy host inflates). */
  batchMs: number[];
  /** Rows written by the measured and warm-up batches together. */
  rowsWritten: number;
}

interface Database {
  url: string;
  prisma: PrismaService;
  config: AppConfig;
}

/**
 * A statement step of a pipeline: runs one statement inside the batch's transaction. Events
 * the publishers stage land in `staged`; the append puts the offsets it stored in `stored`.
 */
type Step = (tx: SqlTransaction, staged: AppendRequest[], stored: string[]) => Promise<void>;

interface Pipeline {
  statements: string[];
  /** The steps of one batch, in order; each is timed as the statement of the same index. */
  batch(): Step[];
}

const COUNTRIES = 10;
const USERS = 100;

/** Measures each pipeline `repeats` times, alternating them so that a slow spell of the host hits all. */
export async function measureStatements(db: Database, options: StatementCostOptions): Promise<PipelineFigures[]> {
  const log = options.log ?? (() => undefined);
  // One connection, so that every statement of a batch runs in one known backend process.
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    const sql = postgresDriver(pool, { prepare: db.config.databasePreparedStatements });
    const [{ pid: sessionPid }] = await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const eventLog = new EventLogService(db.prisma, db.config);
    // Only the pipelines asked for are set up (the intelligence one seeds its countries).
    const build = { intelligence: intelligencePipeline, notifications: notificationsPipeline };
    const pipelines = {} as Record<PipelineName, Pipeline>;
    for (const name of options.pipelines) pipelines[name] = await build[name](db, eventLog, options.batch);
    const results = new Map<PipelineName, PipelineFigures>(
      options.pipelines.map((name) => [
        name,
        {
          pipeline: name,
          statements: pipelines[name].statements.map((statement) => ({ statement, sessionUs: [], clientUs: [] })),
          clusterUs: [],
          batchMs: [],
          rowsWritten: 0,
        },
      ]),
    );

    const runBatch = async (name: PipelineName, session: number[], client: number[]) => {
      const staged: AppendRequest[] = [];
      const stored: string[] = [];
      const steps = pipelines[name].batch();
      await sql.transaction(async (q) => {
        const tx = collectingTransaction(q, staged);
        for (const [i, step] of steps.entries()) {
          const pg0 = processCpuSeconds(sessionPid);
          const cpu0 = process.cpuUsage();
          await step(tx, staged, stored);
          const cpu = process.cpuUsage(cpu0);
          session[i] += processCpuSeconds(sessionPid) - pg0;
          client[i] += (cpu.user + cpu.system) / 1e6;
        }
      });
      await eventLog.claim(stored);
      results.get(name)!.rowsWritten += options.batch;
    };

    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      for (const name of options.pipelines) {
        const figures = results.get(name)!;
        const scratch = figures.statements.map(() => 0);
        for (let i = 0; i < options.warmup; i++) await runBatch(name, [...scratch], [...scratch]);
        const session = figures.statements.map(() => 0);
        const client = figures.statements.map(() => 0);
        const cluster0 = options.postgresPid ? processTreeCpuSeconds(options.postgresPid) : 0;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < options.rounds; i++) await runBatch(name, session, client);
        const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const rows = options.rounds * options.batch;
        figures.statements.forEach((s, i) => {
          s.sessionUs.push((session[i] * 1e6) / rows);
          s.clientUs.push((client[i] * 1e6) / rows);
        });
        if (options.postgresPid) figures.clusterUs.push(((processTreeCpuSeconds(options.postgresPid) - cluster0) * 1e6) / rows);
        figures.batchMs.push(wallMs / options.rounds);
        log(
          `  ${name} #${repeat}: ${figures.statements.map((s) => `${s.statement} ${s.sessionUs.at(-1)!.toFixed(1)} µs`).join(', ')} (PostgreSQL session, per row)`,
        );
      }
    }
    return [...results.values()];
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/**
 * A transaction whose `stage` collects the append requests instead of emitting anything: the
 * publishers build them exactly as on the routes, and the pipeline appends them itself.
 */
function collectingTransaction(q: SqlQueryable, staged: AppendRequest[]): SqlTransaction {
  return {
    query: (text, params) => q.query(text, params),
    stage: (request: AppendRequest) => {
      staged.push(request);
      return { published: new Promise<undefined>(() => undefined) };
    },
  };
}

/** Runs the staged events' append in the batch's transaction; the offsets it stored are claimed after the commit. */
const appendStaged =
  (eventLog: EventLogService): Step =>
  async (tx, staged, stored) => {
    const results = await eventLog.appendWithin((text, params) => tx.query(text, params), staged);
    for (const r of results) if (!r.duplicate) stored.push(r.offset);
  };

/** Collaborators of publishers that only stage: nothing is emitted or scraped here. */
const NO_REALTIME = {} as RealtimeServer;
const METRICS = new MetricsService();

async function intelligencePipeline(db: Database, eventLog: EventLogService, size: number): Promise<Pipeline> {
  const countries = new CountryRepository(db.prisma);
  const countryIds = Array.from({ length: COUNTRIES }, (_, i) => `stmt-c${i}`);
  for (const id of countryIds)
    await countries.upsert(id, { name: id, gdp: 1e9, population: 1e6, vitality: 50, economicTier: 'bench' });
  const items = new IntelligenceItemRepository(db.prisma);
  const publisher = new IntelligencePublisher(NO_REALTIME, eventLog, METRICS);
  let serial = 0;
  const runId = Date.now().toString(36);
  return {
    statements: ['item insert', 'item events append'],
    batch() {
      const inputs = Array.from({ length: size }, (_, i) => {
        const n = serial++;
        const item: NewItem = {
          category: INTELLIGENCE_CATEGORIES[n % INTELLIGENCE_CATEGORIES.length],
          priority: 'medium',
          title: `Statement cost item ${n}`,
          description: 'A sentence or two about what happened, as a feed would show it.',
          data: { source: 'bench', n, details: { figure: 'gdp', change: (n % 17) - 8 } },
        };
        return { countryId: countryIds[i % COUNTRIES], item, dedupeKey: `stmt-${runId}-${n}` };
      });
      return [
        async (tx) => {
          const writes = await items.createMany(tx, inputs);
          // As the service does: an event for each item this transaction created.
          for (const write of writes) {
            if (write.kind === 'item' && write.created) {
              const { item } = write;
              publisher.itemUpdateIn(tx, {
                category: item.category,
                countryId: item.countryId,
                priority: item.priority,
                data: toItemEventData(item),
              });
            }
          }
        },
        appendStaged(eventLog),
      ];
    },
  };
}

async function notificationsPipeline(db: Database, eventLog: EventLogService, size: number): Promise<Pipeline> {
  const notifications = new NotificationsRepository(db.prisma);
  const publisher = new NotificationsPublisher(NO_REALTIME, eventLog, METRICS);
  let serial = 0;
  const runId = Date.now().toString(36);
  return {
    statements: ['notification insert', 'notification events append'],
    batch() {
      const rows: NewNotification[] = Array.from({ length: size }, () => {
        const n = serial++;
        return {
          userId: `stmt-user${n % USERS}`,
          eventKey: 'bench.statements',
          category: 'system',
          title: `Statement cost notification ${n}`,
          body: 'Something the user should know about.',
          data: { n },
          priority: 'low',
          dedupeKey: `stmt-${runId}-${n}`,
          webhookTarget: undefined,
        };
      });
      return [
        async (tx) => {
          const created = await notifications.createMany(tx, rows);
          for (const row of created) if (row) publisher.createdIn(tx, toNotificationDto(row));
        },
        appendStaged(eventLog),
      ];
    },
  };
}

/** The median of each figure, for the table. */
export function medians(figures: PipelineFigures) {
  return {
    pipeline: figures.pipeline,
    statements: figures.statements.map((s) => ({
      statement: s.statement,
      sessionUs: median(s.sessionUs),
      clientUs: median(s.clientUs),
    })),
    clusterUs: median(figures.clusterUs),
    batchMs: median(figures.batchMs),
  };
}

export const STATEMENT_USAGE = `npm run bench:statements -- [options]
  --batch N       rows per batch (default 500, at most 500 like the batch routes)
  --rounds N      measured batches per pipeline and repeat (default 40)
  --repeats N     repeats, pipelines alternating (default 3)
  --warmup N      unmeasured batches before each measured run (default 3)
  --pipeline P    intelligence or notifications (repeatable; default both)
`;

/** The command line of `npm run bench:statements`; throws on anything it does not know. */
export function parseStatementArgs(argv: string[]): Omit<StatementCostOptions, 'postgresPid' | 'log'> | 'help' {
  const options = { batch: 500, rounds: 40, repeats: 3, warmup: 3, pipelines: [] as PipelineName[] };
  const limits = { batch: [1, 500], rounds: [1, 10_000], repeats: [1, 100], warmup: [0, 1_000] } as const;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') return 'help';
    const key = flag.replace(/^--/, '');
    if (key !== 'pipeline' && !(key in limits)) throw new Error(`unknown option ${flag}\n${STATEMENT_USAGE}`);
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (key === 'pipeline') {
      if (!(PIPELINES as readonly string[]).includes(value))
        throw new Error(`--pipeline: expected one of ${PIPELINES.join(', ')}, got '${value}'`);
      options.pipelines.push(value as PipelineName);
      continue;
    }
    const [min, max] = limits[key as keyof typeof limits];
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`${flag}: expected an integer from ${min} to ${max}, got '${value}'`);
    options[key as keyof typeof limits] = n;
  }
  if (!options.pipelines.length) options.pipelines = [...PIPELINES];
  return options;
}

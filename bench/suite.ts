/**
 * Runs scenarios A B A B … against real servers it starts itself (PostgreSQL for Herald's
 * event log, Redis for P6) and returns the per-run records. Used by run.ts and the CI test.
 */
import { startPostgres, startRedis, type PostgresHandle, type RedisHandle } from '../test/support/services';
import { schedule } from './lib/args';
import { canPin } from './lib/ipc';
import { findPids, pinProcessTree } from './lib/proc';
import type { RunRecord } from './lib/report';
import { LOAD_CORE, type ProfileKind, ScenarioRun, type SuiteEnv, type SystemId } from './scenarios/context';
import type { Scenario } from './scenarios/types';

export interface SuiteOptions {
  scenarios: Scenario[];
  systems: SystemId[];
  repeats: number;
  quick: boolean;
  profileDir?: string;
  /** What the profiles in profileDir record: CPU time (default) or allocations. */
  profileKind?: ProfileKind;
  log?: (line: string) => void;
}

export interface SuiteServices {
  postgresUrl?: string;
  redisUrl?: string;
}

export async function runSuite(options: SuiteOptions, services: SuiteServices = {}): Promise<RunRecord[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!canPin()) log('! taskset is not available: servers and load are not pinned to separate cores');
  // A's HTTP routes persist too (P5, P8, P9).
  const needsPg = options.systems.includes('B') || options.scenarios.some((s) => ['P5', 'P8', 'P9'].includes(s.id));
  const needsRedis = options.scenarios.some((s) => s.id === 'P6');
  let pg: PostgresHandle | undefined;
  let redis: RedisHandle | undefined;
  try {
    if (needsPg && !services.postgresUrl) {
      log('starting PostgreSQL …');
      pg = await startPostgres();
    }
    if (needsRedis && !services.redisUrl) {
      log('starting Redis …');
      redis = await startRedis();
    }
    const postgresPid = pg ? findPids([`-p ${pg.port} `, '-D '])[0] : undefined;
    // The database is another machine in production. Left to the scheduler its backends
    // often ran on the server's core and took 20–30 % of it during P2; on the load core
    // they count towards that core's saturation check instead.
    if (postgresPid && canPin() && !pinProcessTree(postgresPid, LOAD_CORE)) log('! could not pin PostgreSQL to the load core');
    const env: SuiteEnv = {
      quick: options.quick,
      postgresUrl: services.postgresUrl ?? pg?.url,
      postgresPid,
      redisUrl: services.redisUrl ?? redis?.url,
      profileDir: options.profileDir,
      profileKind: options.profileKind,
      log,
    };
    const records: RunRecord[] = [];
    for (const scenario of options.scenarios) {
      for (const { repeat, system } of schedule(options.repeats, options.systems)) {
        log(`${scenario.id} ${system} #${repeat}: ${scenario.systems[system]}`);
        const run = new ScenarioRun(env, system, `${scenario.id}-${repeat}`);
        const started = Date.now();
        const record: RunRecord = { scenario: scenario.id, system, repeat, seconds: 0 };
        try {
          const result = await scenario.run(run);
          result.warnings.push(...run.warnings);
          record.result = result;
        } catch (err) {
          record.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
          log(`  ! ${record.error.split('\n').slice(0, 3).join(' | ')}`);
        } finally {
          await run.teardown();
          record.seconds = (Date.now() - started) / 1000;
        }
        records.push(record);
      }
    }
    return records;
  } finally {
    await redis?.stop().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
  }
}

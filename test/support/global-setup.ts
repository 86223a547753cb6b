/**
 * Jest globalSetup: one PostgreSQL and one Redis for the whole run.
 *
 * Workers inherit the environment set here, so test files find the servers through
 * HERALD_TEST_PG_URL and HERALD_TEST_REDIS_URL (see database.ts and redis.ts). A variable that
 * is already set is reused as is and nothing is started for it, e.g. to run against servers
 * you keep running yourself:
 *
 *   HERALD_TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres \
 *   HERALD_TEST_REDIS_URL=redis://127.0.0.1:6379 npx jest --selectProjects e2e
 */
import { installServerPackages, missingServerPackages, startPostgres, startRedis, type ServiceHandle } from './services';

export interface HeraldTestServices {
  postgres?: ServiceHandle;
  redis?: ServiceHandle;
}

/** Where the handles live between globalSetup and globalTeardown (same process, same realm). */
export const SERVICES_KEY = '__heraldTestServices';

/** The jest projects whose tests use the real servers. */
const SERVER_PROJECTS = ['e2e', 'repository'];

/** The part of jest's GlobalConfig we read. */
interface JestGlobalConfig {
  selectProjects?: string[];
}

export default async function globalSetup(globalConfig?: JestGlobalConfig): Promise<void> {
  // `--selectProjects unit` needs no servers: skip the start-up cost.
  const projects = globalConfig?.selectProjects;
  if (projects && !projects.some((p) => SERVER_PROJECTS.includes(p))) return;

  const missing = missingServerPackages({ postgres: !process.env.HERALD_TEST_PG_URL, redis: !process.env.HERALD_TEST_REDIS_URL });
  if (missing.length) {
    const command = installServerPackages(missing, (line) => process.stderr.write(`\n${line}\n`));
    if (command) {
      // One line and stop, rather than every end-to-end suite failing on its own.
      process.stderr.write(
        `\n[herald tests] the end-to-end suites need ${missing.join(' and ')}: run \`${command}\` (or set HERALD_TEST_PG_URL / HERALD_TEST_REDIS_URL)\n`,
      );
      process.exit(1);
    }
  }

  const started: HeraldTestServices = {};
  (globalThis as Record<string, unknown>)[SERVICES_KEY] = started;

  const startedAt = Date.now();
  const [postgres, redis] = await Promise.allSettled([
    process.env.HERALD_TEST_PG_URL ? undefined : startPostgres(),
    process.env.HERALD_TEST_REDIS_URL ? undefined : startRedis(),
  ]);
  if (postgres.status === 'fulfilled' && postgres.value) started.postgres = postgres.value;
  if (redis.status === 'fulfilled' && redis.value) started.redis = redis.value;

  const failure = [postgres, redis].find((r) => r.status === 'rejected');
  if (failure) {
    // Do not leave the one that did start running: jest skips globalTeardown on failure.
    await Promise.all([started.postgres?.stop(), started.redis?.stop()]);
    throw failure.reason;
  }

  if (started.postgres) process.env.HERALD_TEST_PG_URL = started.postgres.url;
  if (started.redis) process.env.HERALD_TEST_REDIS_URL = started.redis.url;
  if (started.postgres || started.redis) {
    process.stderr.write(
      `\n[herald tests] ${[started.postgres?.url, started.redis?.url].filter(Boolean).join(', ')}` +
        ` ready in ${Date.now() - startedAt} ms\n`,
    );
  }
}

/**
 * A real gateway process with the platform-test fixture module, for tests that must
 * SIGKILL an instance (spawnApp(env, { entry: 'fixture' })).
 */
import 'reflect-metadata';
import { installShutdown, startHerald } from '../../src/bootstrap';
import { FixtureModule } from './fixture.module';

FixtureModule.jobIntervalMs = Number(process.env.FIXTURE_JOB_INTERVAL_MS ?? 0);
startHerald(process.env, [FixtureModule]).then(
  ({ app }) => installShutdown(app),
  (err: unknown) => {
    process.stderr.write(`fixture gateway failed to start: ${String(err)}\n`);
    process.exit(1);
  },
);

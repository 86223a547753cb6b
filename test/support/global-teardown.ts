/** Jest globalTeardown: stops what global-setup.ts started (nothing, if URLs were given). */
import { SERVICES_KEY, type HeraldTestServices } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as Record<string, unknown>;
  const started = holder[SERVICES_KEY] as HeraldTestServices | undefined;
  delete holder[SERVICES_KEY];
  if (!started) return;
  // Forget URLs we published, or a second run in this process (watch mode) would reuse them.
  if (started.postgres) delete process.env.HERALD_TEST_PG_URL;
  if (started.redis) delete process.env.HERALD_TEST_REDIS_URL;
  await Promise.all([started.postgres?.stop(), started.redis?.stop()]);
}

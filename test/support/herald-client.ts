/** Helpers for the @herald/client suites: an app that can be restarted on the same address, and publishing. */
import { createTestDatabase, dropTestDatabase } from './database';
import { startTestApp, type TestApp } from './app';
import { http } from './clients';
import { freePort } from './ports';
import { serviceToken } from './tokens';

/** One deployment (database, port) whose server can be stopped and started again, as a restart would. */
export interface RestartableApp {
  readonly url: string;
  readonly app: TestApp;
  stop(): Promise<void>;
  start(): Promise<TestApp>;
  dispose(): Promise<void>;
}

export async function restartableApp(env: Record<string, string> = {}): Promise<RestartableApp> {
  const databaseUrl = await createTestDatabase('client');
  const port = await freePort();
  let current: TestApp | undefined = await startTestApp({ databaseUrl, env: { PORT: String(port), ...env } });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    get app() {
      if (!current) throw new Error('the app is stopped');
      return current;
    },
    async stop() {
      await current?.close();
      current = undefined;
    },
    async start() {
      current = await startTestApp({ databaseUrl, env: { PORT: String(port), ...env } });
      return current;
    },
    async dispose() {
      await current?.close();
      await dropTestDatabase(databaseUrl).catch(() => undefined);
    },
  };
}

export async function putCountry(url: string, id: string): Promise<void> {
  const res = await http(url, 'PUT', `/api/countries/${id}`, {
    token: serviceToken(),
    body: { name: `Country ${id}`, gdp: 1_000_000, population: 5_000_000, vitality: 80, economicTier: 'Developed' },
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`PUT country ${id}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Publishes an intelligence item (→ `intelligence:update` to `country:<id>` …) and returns its offset. */
export async function publishItem(url: string, countryId: string, title: string): Promise<string> {
  const res = await http<{ offset: string }>(url, 'POST', '/api/intelligence/updates', {
    token: serviceToken(),
    body: { countryId, category: 'economic', priority: 'low', title, description: `about ${title}` },
  });
  if (res.status !== 201) throw new Error(`publish ${title}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.offset;
}

/**
 * Starts Herald for end-to-end tests: in this process (fast, gives access to services)
 * or as a real child process (signals, crashes, the embedded start path).
 *
 *   const app = await startTestApp();            // fresh PostgreSQL database, no Redis
 *   const app2 = await startTestApp({ redis: true, databaseUrl: app.databaseUrl });
 *   await app.close();
 */
import type { INestApplication, Type } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startHerald } from '../../src/bootstrap';
import type { AppConfig } from '../../src/config';
import { createTestDatabase, dropTestDatabase } from './database';
import { freePort } from './ports';
import { testRedisUrl } from './redis';
import { TEST_JWT_SECRET } from './tokens';

export interface TestAppOptions {
  /** Reuse a database (several instances of one deployment); a new one is made otherwise. */
  databaseUrl?: string;
  /** true: the run's shared Redis with a fresh key prefix; a string: that prefix (instances that must see each other). */
  redis?: boolean | string;
  redisUrl?: string;
  env?: Record<string, string>;
  modules?: Type[];
}

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  url: string;
  databaseUrl: string;
  redisPrefix: string | undefined;
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

/**
 * Tests open many sockets from one address in bursts (and some from one user): the
 * production connection caps would refuse them. Suites about the caps set their own.
 */
export const TEST_CONNECTION_LIMITS: Record<string, string> = {
  SOCKET_MAX_CONNECTIONS_PER_USER: '10000',
  SOCKET_MAX_CONNECTIONS_PER_IP: '100000',
  SOCKET_HANDSHAKES_PER_IP_PER_SECOND: '100000',
  SOCKET_MAX_CONNECTIONS: '100000',
  REPLAY_BUDGET_EVENTS_PER_MINUTE: '10000000',
};

function baseEnv(options: TestAppOptions, databaseUrl: string, redisPrefix: string | undefined): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_DELAY_MS: '100',
    ...TEST_CONNECTION_LIMITS,
    ...(redisPrefix ? { REDIS_URL: options.redisUrl ?? testRedisUrl(), REDIS_PREFIX: redisPrefix } : {}),
    ...options.env,
  };
}

function redisPrefixOf(options: TestAppOptions): string | undefined {
  if (typeof options.redis === 'string') return options.redis;
  return options.redis || options.redisUrl ? `herald-test-${randomBytes(6).toString('hex')}` : undefined;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownsDatabase = !options.databaseUrl;
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase('herald'));
  const redisPrefix = redisPrefixOf(options);
  const { app, config, url } = await startHerald(baseEnv(options, databaseUrl, redisPrefix), options.modules ?? []);
  let closed = false;
  return {
    app,
    config,
    url,
    databaseUrl,
    redisPrefix,
    get: <T>(type: Type<T>) => app.get(type),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (ownsDatabase) await dropTestDatabase(databaseUrl).catch(() => undefined);
    },
  };
}

export interface AppProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const MAIN = path.resolve(__dirname, '../../dist/main.js');
const FIXTURE_MAIN = path.resolve(__dirname, 'fixture-main.ts');
const SWC_REGISTER = path.resolve(__dirname, 'swc-register.js');

/** Runs `node dist/main.js` (built by `npm test`'s pretest) and waits until /health/ready answers 200. */
export async function spawnApp(
  env: Record<string, string>,
  /** entry 'fixture': the sources plus the platform-test FixtureModule instead of dist/main.js. */
  options: { waitReady?: boolean; entry?: 'dist' | 'fixture' } = {},
): Promise<AppProcess> {
  const port = await freePort();
  const args = options.entry === 'fixture' ? ['-r', SWC_REGISTER, FIXTURE_MAIN] : [MAIN];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'log', ...TEST_CONNECTION_LIMITS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const handle: AppProcess = {
    url,
    port,
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (options.waitReady ?? true) {
    // Generous: PGlite's first start (initdb in WebAssembly) is slow on a loaded machine.
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode} before ready:\n${output}`);
      try {
        const res = await fetch(`${url}/health/ready`);
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`app not ready within 180 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return handle;
}

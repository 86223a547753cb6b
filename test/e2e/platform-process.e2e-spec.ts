/**
 * The real process: `node dist/main.js` (built by `npm test`'s pretest) with signals.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, spawnApp, type AppProcess } from '../support/app';
import { connect, eventually, http, waitFor } from '../support/clients';
import { FIXTURE_NS, FixtureModule } from '../support/fixture.module';
import { ShutdownService } from '../../src/core/health';
import { createTestDatabase, dropTestDatabase } from '../support/database';
import { TEST_JWT_SECRET, token } from '../support/tokens';

describe('the gateway as a process', () => {
  const running: AppProcess[] = [];
  afterEach(async () => {
    for (const p of running.splice(0)) await p.stop('SIGKILL');
  });

  it('starts on embedded defaults: PGlite in DATA_DIR, migrations applied, dev secret usable by npm run token', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-embedded-'));
    const app = await spawnApp({ DATA_DIR: dataDir });
    running.push(app);
    const ready = await http<{ status: string; details: Record<string, { engine?: string }> }>(app.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.database.engine).toBe('pglite');
    expect(app.output()).toContain('development JWT secret');
    const secret = fs.readFileSync(path.join(dataDir, 'dev-jwt-secret'), 'utf8').trim();
    // named by its first six characters only
    expect(app.output()).toContain(`${secret.slice(0, 6)}***`);
    expect(app.output()).not.toContain(secret);
    expect((await http(app.url, 'GET', '/api/history?channel=user:x', { token: token('alice', { secret }) })).status).not.toBe(401);

    // a second process on the same DATA_DIR is refused instead of corrupting it
    const second = await spawnApp({ DATA_DIR: dataDir }, { waitReady: false });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/DATA_DIR .* is in use by process/);

    await app.stop('SIGTERM');
    expect(await app.exited).toBe(0);
    // restart on the same directory: migrations already applied, data intact
    const again = await spawnApp({ DATA_DIR: dataDir });
    running.push(again);
    expect((await http(again.url, 'GET', '/health/ready')).status).toBe(200);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 400_000); // three PGlite starts; each can take a minute on a loaded two-core machine

  it('stops start-up with a message naming a bad variable', async () => {
    const app = await spawnApp({ PORT: 'not-a-port', DATA_DIR: os.tmpdir() }, { waitReady: false });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain('PORT');
  });

  it('on SIGTERM turns readiness 503 at once, keeps liveness, exits 0 well inside 30 s, and never logs tokens', async () => {
    const databaseUrl = await createTestDatabase('process');
    const app = await spawnApp({ DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET, SHUTDOWN_DRAIN_DELAY_MS: '1500', LOG_LEVEL: 'verbose' });
    running.push(app);
    const leaked = token('queryuser');
    // A refused token in each place a token can travel: none of them may reach the log.
    expect((await http(app.url, 'GET', '/api/history?channel=user:x', { token: `${leaked}x` })).status).toBe(401);
    expect((await fetch(`${app.url}/api/history?channel=user:x&token=${leaked}`)).status).toBe(401);

    const signalled = Date.now();
    app.child.kill('SIGTERM');
    await eventually(async () => (await http(app.url, 'GET', '/health/ready')).status === 503, 1000, 20);
    expect(Date.now() - signalled).toBeLessThan(1000);
    expect((await http(app.url, 'GET', '/health/live')).status).toBe(200);
    expect(await app.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(30000);
    expect(app.output()).toContain('shutdown complete');
    expect(app.output()).not.toContain(leaked);
    await dropTestDatabase(databaseUrl);
  });
});

describe('shutdown as sockets see it (in process)', () => {
  it('sends system:disconnect {reason, reconnectInMs} to every socket and closes them', async () => {
    const app = await startTestApp({ modules: [FixtureModule], env: { SHUTDOWN_DRAIN_DELAY_MS: '300' } });
    const sockets = await Promise.all([1, 2, 3].map((i) => connect(app.url, FIXTURE_NS, { token: token(`s${i}`) })));
    const notices = sockets.map((s) => waitFor<{ reason: string; reconnectInMs: number }>(s, 'system:disconnect', 10000));
    const closed = sockets.map((s) => waitFor(s, 'disconnect', 10000));
    const done = app.get(ShutdownService).shutdown(app.app, 'SIGTERM');
    expect((await http(app.url, 'GET', '/health/ready')).status).toBe(503);
    for (const notice of await Promise.all(notices)) expect(notice).toEqual({ reason: 'server_shutdown', reconnectInMs: expect.any(Number) });
    await Promise.all(closed);
    await done;
    await app.close();
  });
});

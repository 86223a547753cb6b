/**
 * SIGTERM while jobs are stuck on slow peers, against a real process: the killmail poller
 * waits on an upstream that never answers and the Discord webhook on one that answers
 * late. Sockets must still be told and closed right after the drain delay (jobs are
 * aborted, not awaited first), and the process must exit 0 before SHUTDOWN_DEADLINE_MS.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnApp, type AppProcess } from '../support/app';
import { connect, eventually, http as request, waitFor } from '../support/clients';
import { createTestDatabase, dropTestDatabase } from '../support/database';
import { FIXTURE_NS } from '../support/fixture.module';
import { serviceToken, TEST_JWT_SECRET, token } from '../support/tokens';

const DRAIN_DELAY_MS = 500;
const DEADLINE_MS = 15_000;
/** The webhook stub answers after this: longer than the drain delay, shorter than the webhook's 10 s request timeout. */
const DISCORD_DELAY_MS = 6_000;

/** A local HTTP server that records requests and answers each (or never) as `answer` says. */
async function stub(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: string[] = [];
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    open.add(res);
    res.on('close', () => open.delete(res));
    req.resume();
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      for (const res of open) res.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('orderly shutdown with slow jobs', () => {
  let app: AppProcess | undefined;
  let databaseUrl: string;
  afterAll(async () => {
    await app?.stop('SIGKILL');
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it('tells and closes sockets after the drain delay while the poller and the webhook hang, and exits 0 before the deadline', async () => {
    const upstream = await stub(() => undefined); // never answers
    const discord = await stub((_req, res) => setTimeout(() => res.writeHead(204).end(), DISCORD_DELAY_MS));
    try {
      databaseUrl = await createTestDatabase('shutdown');
      app = await spawnApp(
        {
          DATABASE_URL: databaseUrl,
          JWT_SECRET: TEST_JWT_SECRET,
          LOG_LEVEL: 'log',
          SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
          SHUTDOWN_DEADLINE_MS: String(DEADLINE_MS),
          KILLMAIL_UPSTREAM_URL: upstream.url,
          DISCORD_WEBHOOK_ENABLED: 'true',
          DISCORD_WEBHOOK_URL: `${discord.url}/hook`,
        },
        { entry: 'fixture' },
      );
      const sockets = await Promise.all([1, 2, 3].map((i) => connect(app!.url, FIXTURE_NS, { token: token(`sd${i}`) })));
      const created = await request(app.url, 'POST', '/api/notifications', {
        token: serviceToken(),
        body: { eventKey: 'compliance.audit', category: 'compliance', title: 'Audit', body: 'Due', priority: 'high', userIds: ['sd1'] },
      });
      expect(created.status).toBe(201);
      // Both jobs are now stuck on their peers.
      await eventually(() => upstream.seen.length > 0 && discord.seen.length > 0, 10_000, 50);

      const notices = sockets.map((s) => waitFor<{ reason: string }>(s, 'system:disconnect', DRAIN_DELAY_MS + 3000));
      const closed = sockets.map((s) => waitFor(s, 'disconnect', DRAIN_DELAY_MS + 3000));
      const signalled = Date.now();
      app.child.kill('SIGTERM');
      // Bounded waits: the notices come after the drain delay, not after the jobs.
      for (const notice of await Promise.all(notices)) expect(notice.reason).toBe('server_shutdown');
      await Promise.all(closed);

      expect(await app.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(DEADLINE_MS);
      expect(app.output()).toContain('shutdown complete');
      // The webhook post in flight was let finish and recorded, not abandoned.
      expect(app.output()).not.toMatch(/jobs still running/);
    } finally {
      await upstream.close();
      await discord.close();
    }
  }, 90_000);
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsService } from '../../src/core/observability';
import { KillmailUpstreamPoller } from '../../src/modules/killmail/killmail-upstream-poller.job';
import { DiscordWebhookClient, MAX_RESPONSE_BODY_BYTES } from '../../src/modules/notifications/discord-webhook.client';
import { startTestApp, type TestApp } from '../support/app';
import { eventually, http } from '../support/clients';
import { token } from '../support/tokens';

/** A local HTTP server answering with `handler`; counts the body bytes it managed to write. */
async function stub(handler: (req: IncomingMessage, res: ServerResponse, sent: { bytes: number }) => void) {
  const sent = { bytes: 0 };
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res, sent);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sent,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Streams `total` bytes of JSON-ish filler in 64 kB chunks, respecting back-pressure. */
function streamHuge(res: ServerResponse, sent: { bytes: number }, total: number) {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (sent.bytes < total) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('error', () => undefined);
  pump();
}

async function upstreamErrors(app: TestApp, reason: string): Promise<number> {
  const metric = await app.get(MetricsService).registry.getSingleMetric('herald_killmail_upstream_errors_total')?.get();
  return metric?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('hostile killmail upstream', () => {
  const { intervalMs, requestTimeoutMs, maxBackoffMs } = KillmailUpstreamPoller;
  beforeAll(() => Object.assign(KillmailUpstreamPoller, { intervalMs: 200, requestTimeoutMs: 5000, maxBackoffMs: 400 }));
  afterAll(() => Object.assign(KillmailUpstreamPoller, { intervalMs, requestTimeoutMs, maxBackoffMs }));

  it('aborts a 1 GB body at the 2 MB cap without reading the rest', async () => {
    const upstream = await stub((_req, res, sent) => streamHuge(res, sent, 1024 ** 3));
    const app = await startTestApp({ env: { KILLMAIL_UPSTREAM_URL: `${upstream.url}/` } });
    try {
      await eventually(async () => (await upstreamErrors(app, 'garbage')) >= 2, 15_000);
      // Two attempts, each abandoned after 2 MB: what the stub wrote is bounded by the cap plus
      // the kernel's socket buffers, nowhere near the gigabyte it offered.
      expect(upstream.sent.bytes).toBeLessThan(64 * 1024 * 1024);
      expect((await http(app.url, 'GET', '/health/live')).status).toBe(200);
    } finally {
      await app.close();
      await upstream.close();
    }
  });

  it('refuses a redirect, wherever it points', async () => {
    const internal = await stub((_req, res) => res.end('{"sequence": 1}'));
    const upstream = await stub((req, res) => {
      res.writeHead(302, { location: `${internal.url}${req.url}` });
      res.end();
    });
    const app = await startTestApp({ env: { KILLMAIL_UPSTREAM_URL: `${upstream.url}/` } });
    try {
      await eventually(async () => (await upstreamErrors(app, 'http_status')) >= 2, 15_000);
      expect(upstream.requests.length).toBeGreaterThanOrEqual(2);
      expect(internal.requests).toEqual([]);
    } finally {
      await app.close();
      await upstream.close();
      await internal.close();
    }
  });
});

describe('Discord webhook client', () => {
  it('reads at most a small cap of an endless error body and returns', async () => {
    const endpoint = await stub((_req, res, sent) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (sent.bytes < 1024 ** 3) {
          sent.bytes += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    try {
      const outcome = await new DiscordWebhookClient().post(`${endpoint.url}/hook`, { content: 'x' }, 10_000);
      expect(outcome.kind).toBe('rejected');
      expect(outcome.kind === 'rejected' && outcome.error.length).toBeLessThan(300);
      expect(endpoint.sent.bytes).toBeLessThan(64 * 1024 * 1024);
      expect(MAX_RESPONSE_BODY_BYTES).toBeLessThanOrEqual(64 * 1024);
    } finally {
      await endpoint.close();
    }
  });
});

describe('operator surfaces', () => {
  const METRICS_TOKEN = 'metrics-token-0123456789';

  it('/metrics wants the bearer token when METRICS_TOKEN is set; API docs can be switched off', async () => {
    const app = await startTestApp({ env: { METRICS_TOKEN, API_DOCS_ENABLED: 'false' } });
    try {
      expect((await http(app.url, 'GET', '/metrics')).status).toBe(401);
      expect((await http(app.url, 'GET', '/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      // A user's JWT is not the metrics token either.
      expect((await http(app.url, 'GET', '/metrics', { token: token('alice', { roles: ['admin'] }) })).status).toBe(401);
      const ok = await http<string>(app.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('herald_rejected_connections_total');
      expect((await http(app.url, 'GET', '/api/docs/json')).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('keeps /metrics open and the docs on by default outside production', async () => {
    const app = await startTestApp();
    try {
      expect((await http(app.url, 'GET', '/metrics')).status).toBe(200);
      expect((await http(app.url, 'GET', '/api/docs/json')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

/**
 * Structured logs and request ids: pino JSON lines from the real process (`node dist/main.js`),
 * X-Request-Id honoured or generated and echoed, the access log with the caller, no token in
 * any line; and the request id carried into the metadata of the events a request publishes.
 */
import type { Socket } from 'socket.io-client';
import { spawnApp, startTestApp, type AppProcess, type TestApp } from '../support/app';
import { connect, emitAck, eventually, http, waitFor } from '../support/clients';
import { createTestDatabase, dropTestDatabase } from '../support/database';
import { TEST_JWT_SECRET, adminToken, serviceToken, token } from '../support/tokens';

interface LogLine {
  level: string;
  time: string;
  msg: string;
  requestId?: string;
  userId?: string;
  context?: string;
  [key: string]: unknown;
}

describe('structured logs (the process)', () => {
  let app: AppProcess;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('logs');
    app = await spawnApp({ DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET, LOG_FORMAT: 'json', LOG_LEVEL: 'log' });
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
    await dropTestDatabase(databaseUrl);
  });

  const lines = (): LogLine[] =>
    app
      .output()
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as LogLine);

  it('writes one JSON object per line with level, time and msg', () => {
    const all = lines();
    expect(all.length).toBeGreaterThan(5);
    for (const line of all) {
      expect(typeof line.level).toBe('string');
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
      expect(typeof line.msg).toBe('string');
    }
    expect(all.some((l) => l.context === 'Herald' && l.msg.startsWith('listening on'))).toBe(true);
  });

  it('honours X-Request-Id, echoes it, and logs the access with the request id and the caller', async () => {
    const res = await fetch(`${app.url}/api/websocket-status`, { headers: { 'X-Request-Id': 'ops-req-42', Authorization: `Bearer ${adminToken('ops-alice')}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('ops-req-42');
    const access = await eventually(() => lines().find((l) => l.requestId === 'ops-req-42'));
    expect(access).toMatchObject({ level: 'info', userId: 'ops-alice', msg: expect.stringContaining('GET /api/websocket-status 200') });
  });

  it('generates an id when none (or an unprintable one) is sent', async () => {
    const plain = await fetch(`${app.url}/api/history?channel=user:x`);
    const generated = plain.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const odd = await fetch(`${app.url}/api/history?channel=user:x`, { headers: { 'X-Request-Id': 'has spaces and <html>' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(() => lines().some((l) => l.requestId === generated));
  });

  it('tags lines logged while handling a socket with socketId, namespace and userId', async () => {
    const socket = await connect(app.url, '/ws/admin', { token: adminToken('ops-bob') });
    try {
      const line = await eventually(() => lines().find((l) => l.msg === 'operator console connected' && l.socketId === socket.id));
      expect(line).toMatchObject({ namespace: '/ws/admin', userId: 'ops-bob', context: 'AdminGateway' });
    } finally {
      socket.close();
    }
  });

  it('never logs a token, wherever it was sent', async () => {
    const leaked = token('leaky');
    await fetch(`${app.url}/api/history?channel=user:x&token=${leaked}`);
    await fetch(`${app.url}/api/history?channel=user:x`, { headers: { Authorization: `Bearer ${leaked}x` } });
    await eventually(() => lines().filter((l) => String(l.msg).includes('/api/history')).length >= 2);
    expect(app.output()).not.toContain(leaked);
    expect(app.output()).toContain('token=[redacted]');
  });
});

describe('request id in event metadata (in process)', () => {
  let app: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
  });

  it('stamps events a request publishes with its id, live and in history alike', async () => {
    const put = await http(app.url, 'PUT', '/api/countries/77', {
      token: serviceToken(),
      body: { name: 'Sylvania', gdp: 1_000, population: 1_000, vitality: 50, economicTier: 'Developing' },
    });
    expect(put.status).toBe(201);
    const socket = await connect(app.url, '/ws/intelligence', { token: token('reader') });
    sockets.push(socket);
    expect(await emitAck(socket, 'subscribe', { channels: ['country:77'] })).toMatchObject({ success: true });
    const live = waitFor<{ title: string; metadata?: { correlationId?: string } }>(socket, 'intelligence:update');
    const res = await http(app.url, 'POST', '/api/intelligence/updates', {
      token: serviceToken(),
      headers: { 'X-Request-Id': 'corr-77' },
      body: { countryId: '77', category: 'economic', title: 'Traced' },
    });
    expect(res.status).toBe(201);
    expect((await live).metadata).toEqual({ correlationId: 'corr-77' });
    const history = await http<{ events: Array<{ payload: { metadata?: { correlationId?: string } } }> }>(app.url, 'GET', '/api/history?channel=country:77', {
      token: token('reader'),
    });
    expect(history.body.events.map((e) => e.payload.metadata?.correlationId)).toContain('corr-77');
  });
});
